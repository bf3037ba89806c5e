"""Seeded mutations of valid workbooks, for the fuzz tests and the larger run in bench/fuzz.py.

Every mutant replays from (seed, index): ``make_mutant(source, seed, index)``.
"""

from __future__ import annotations

import io
import random
import re
import zipfile

AMOUNT_JUNK = ["abc", "1e309", "-5", "NaN", "inf", "１２.５", "2023-01-01", "TRUE", "#DIV/0!", "1,2,3", "—", "∞"]


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info, zf.read(info.filename)) for info in zf.infolist()]


def _pack(members) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, body in members:
            zf.writestr(info.filename, body)
    return out.getvalue()


def _edit(data: bytes, rng: random.Random, change, want=lambda name: name.endswith(".xml")) -> bytes:
    members = _members(data)
    candidates = [i for i, (info, _) in enumerate(members) if want(info.filename)]
    if not candidates:
        return data
    i = rng.choice(candidates)
    info, body = members[i]
    members[i] = (info, change(body, rng))
    return _pack(members)


def bit_flips(data, rng):
    buf = bytearray(data)
    for _ in range(rng.randint(1, 40)):
        pos = rng.randrange(len(buf))
        buf[pos] ^= 1 << rng.randrange(8)
    return bytes(buf)


def truncate(data, rng):
    return data[: rng.randrange(0, len(data))]


def drop_member(data, rng):
    members = _members(data)
    members.pop(rng.randrange(len(members)))
    return _pack(members)


def shuffle_members(data, rng):
    members = _members(data)
    rng.shuffle(members)
    return _pack(members)


def broken_xml(data, rng):
    def change(body, rng):
        cut = rng.randrange(len(body)) if body else 0
        return body[:cut] + rng.choice([b"<", b"</x>", b"&", b"<?xml", b"\x00", b""]) + body[cut + rng.randint(0, 50):]
    return _edit(data, rng, change)


def far_cell(data, rng):
    def change(body, rng):
        far = rng.choice([b"XFD1048576", b"A1048576", b"XFD1", b"ZZ50000", b"xfd1048576", b"aaa1"])  # calamine takes lowercase
        body = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:' + far + b'"/>', body)
        return body.replace(b"</sheetData>", b'<row r="1048576"><c r="' + far + b'"><v>1</v></c></row></sheetData>')
    return _edit(data, rng, change, lambda n: n.startswith("xl/worksheets/sheet"))


def absurd_dimension(data, rng):
    def change(body, rng):
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', body)
    return _edit(data, rng, change, lambda n: n.startswith("xl/worksheets/sheet"))


def huge_string(data, rng):
    def change(body, rng):
        size = rng.choice([40_000, 200_000, 2_000_000])
        return body.replace(b"<t>", b"<t>" + ("长" * size).encode(), 1)
    return _edit(data, rng, change, lambda n: n == "xl/sharedStrings.xml")


def control_chars(data, rng):
    def change(body, rng):
        return body.replace(b"<t>", b"<t>_x0001__x001F_\xe6\x8e\xa7", rng.randint(1, 5))
    return _edit(data, rng, change, lambda n: n == "xl/sharedStrings.xml")


def wrong_amount_types(data, rng):
    """Numbers in the sheet replaced by junk text, booleans or error values."""
    def change(body, rng):
        def swap(m):
            if rng.random() < 0.5:
                return m.group(0)
            kind = rng.choice(["str", "b", "e"])
            ref = m.group(1)
            if kind == "str":
                return b'<c r="' + ref + b'" t="inlineStr"><is><t>' + rng.choice(AMOUNT_JUNK).encode() + b"</t></is></c>"
            if kind == "b":
                return b'<c r="' + ref + b'" t="b"><v>1</v></c>'
            return b'<c r="' + ref + b'" t="e"><v>#DIV/0!</v></c>'
        return re.sub(rb'<c r="([A-Z]+[0-9]+)"(?: s="[0-9]+")?><v>[^<]*</v></c>', swap, body)
    return _edit(data, rng, change, lambda n: n.startswith("xl/worksheets/sheet"))


MUTATORS = [bit_flips, truncate, drop_member, shuffle_members, broken_xml, far_cell, absurd_dimension,
            huge_string, control_chars, wrong_amount_types]


def make_mutant(source: bytes, seed: int, index: int) -> tuple[str, bytes]:
    """(mutator name, mutated bytes) for a given seed and index; the same inputs give the same mutant."""
    rng = random.Random(seed * 1_000_003 + index)
    mutator = MUTATORS[index % len(MUTATORS)]
    return mutator.__name__, mutator(source, rng)
