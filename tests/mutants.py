"""Seeded mutations of valid workbooks (.xlsx, .xls/.et, .ods) and .docx files (for import),
for the fuzz tests and the larger run in bench/fuzz.py.

Every mutant replays from (seed, index): ``make_mutant(source, seed, index)`` for .xlsx,
``make_kind_mutant(kind, source, seed, index)`` for every kind.
"""

from __future__ import annotations

import io
import math
import random
import re
import struct
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


# .xls and .et (WPS saves BIFF8 too): the BIFF records of the workbook stream, mutated in place so
# the OLE container around them stays intact and the reader really gets to the records.
BIFF_BOF = b"\x09\x08\x10\x00"
FILEPASS = 0x002F


def _records(data: bytes) -> list[tuple[int, int, int]]:
    """(offset, type, length) of each BIFF record of the first workbook stream found."""
    pos = data.find(BIFF_BOF)
    out = []
    while 0 <= pos and pos + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, pos)
        if kind == 0 and length == 0:
            break
        out.append((pos, kind, length))
        pos += 4 + length
    return out


def _biff_edit(data, rng, change, kinds=None):
    records = [r for r in _records(data) if kinds is None or r[1] in kinds] or _records(data)
    buf = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        change(buf, rng.choice(records), rng)
    return bytes(buf)


def biff_body_flips(data, rng):
    def change(buf, rec, rng):
        pos, _, length = rec
        for _ in range(rng.randint(1, 8)):
            if length:
                buf[pos + 4 + rng.randrange(length)] ^= 1 << rng.randrange(8)
    return _biff_edit(data, rng, change)


def biff_lengths(data, rng):
    def change(buf, rec, rng):
        pos, _, length = rec
        struct.pack_into("<H", buf, pos + 2, rng.choice([0, 1, 0xFFFF, 8224, max(0, length - 1), length + 1]))
    return _biff_edit(data, rng, change)


def biff_types(data, rng):
    kinds = sorted({k for _, k, _ in _records(data)})

    def change(buf, rec, rng):
        struct.pack_into("<H", buf, rec[0], rng.choice(kinds + [0xFFFF, 0x0809, 0x000A]))
    return _biff_edit(data, rng, change)


def biff_far_cells(data, rng):
    """Cell and DIMENSIONS records pointing far away: rows and columns at their limits."""
    def change(buf, rec, rng):
        pos, kind, length = rec
        if length >= 4:
            struct.pack_into("<HH", buf, pos + 4, rng.choice([0xFFFF, 65535, 0]), rng.choice([0xFFFF, 255, 16383]))
        if kind == 0x0200 and length >= 12:  # DIMENSIONS: first row, last row + 1 (32 bit), columns
            struct.pack_into("<IIHH", buf, pos + 4, 0, rng.choice([0xFFFFFFFF, 1 << 20, 65536]), 0,
                             rng.choice([0xFFFF, 256, 16384]))
    return _biff_edit(data, rng, change, {0x0200, 0x0203, 0x027E, 0x00FD, 0x0201, 0x0204, 0x00E5})


def biff_numbers(data, rng):
    """NUMBER records holding NaN, infinities, 1e28, 1e308."""
    def change(buf, rec, rng):
        pos, _, length = rec
        if length >= 14:
            struct.pack_into("<d", buf, pos + 4 + 6, rng.choice([math.nan, math.inf, -math.inf, 1e28, 1e308, -1e300]))
    return _biff_edit(data, rng, change, {0x0203})


def biff_strings(data, rng):
    """SST counts and string lengths out of range."""
    def change(buf, rec, rng):
        pos, _, length = rec
        if length >= 10:
            at = pos + 4 + rng.choice([0, 4, 8])
            wide = at - pos - 4 < 8  # SST: two 32-bit counts, then the first string's 16-bit length
            struct.pack_into("<I" if wide else "<H", buf, at, rng.choice([0xFFFFFFFF, 1 << 24, 0xFFFF] if wide else [0xFFFF, 8224]))
    return _biff_edit(data, rng, change, {0x00FC, 0x0204, 0x00FD})


def biff_filepass(data, rng):
    """A FILEPASS record (RC4 encryption) in place of the one after BOF: an encrypted workbook."""
    records = _records(data)
    buf = bytearray(data)
    pos, _, length = records[1]
    struct.pack_into("<H", buf, pos, FILEPASS)
    return bytes(buf)


BIFF_MUTATORS = [bit_flips, truncate, biff_body_flips, biff_lengths, biff_types, biff_far_cells, biff_numbers,
                 biff_strings, biff_filepass]


# .ods: the package mutations, and the ODF ways to ask for huge ranges and impossible values.
def ods_repeats(data, rng):
    def change(body, rng):
        attr = rng.choice([b"table:number-columns-repeated", b"table:number-rows-repeated"])
        big = rng.choice([b"16384", b"1048576", b"2147483647", b"99999999999", b"-1"])
        cells = [m.start() for m in re.finditer(rb"<table:table-(?:cell|row)\b", body)]
        for at in sorted(rng.sample(cells, min(len(cells), rng.randint(1, 4))), reverse=True):
            end = body.index(b" ", at) if b" " in body[at:at + 30] else at + 16
            body = body[:end] + b" " + attr + b'="' + big + b'"' + body[end:]
        return body
    return _edit(data, rng, change, lambda n: n == "content.xml")


def ods_values(data, rng):
    def change(body, rng):
        junk = rng.choice([b"NaN", b"INF", b"-inf", b"1e28", b"1e309", b"1e999999", b"abc", b""])
        return re.sub(rb'office:value="[^"]*"', lambda m: b'office:value="' + junk + b'"' if rng.random() < 0.5
                      else m.group(0), body)
    return _edit(data, rng, change, lambda n: n == "content.xml")


def ods_encrypted(data, rng):
    """The manifest declares content.xml encrypted (what a password-protected .ods holds)."""
    def change(body, rng):
        return re.sub(rb'(<manifest:file-entry manifest:full-path="content.xml"[^>]*?)/>',
                      rb'\1><manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA">'
                      rb'<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/>'
                      rb'</manifest:encryption-data></manifest:file-entry>', body, count=1)
    return _edit(data, rng, change, lambda n: n == "META-INF/manifest.xml")


ODS_MUTATORS = [bit_flips, truncate, drop_member, shuffle_members, broken_xml, ods_repeats, ods_values, ods_encrypted]


# .docx for perfxl import: the package mutations, and the document XML grown or made hostile.
def docx_huge_text(data, rng):
    def change(body, rng):
        size = rng.choice([100_000, 2_000_000, 30_000_000])
        return body.replace(b"<w:t>", b"<w:t>" + b"A" * size, 1)
    return _edit(data, rng, change, lambda n: n == "word/document.xml")


def docx_entities(data, rng):
    def change(body, rng):
        return body.replace(b"?>", b'?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', 1)
    return _edit(data, rng, change, lambda n: n == "word/document.xml")


def docx_table_junk(data, rng):
    """Cells merged impossibly, grid spans and widths out of range."""
    def change(body, rng):
        junk = rng.choice([b'<w:gridSpan w:val="99999"/>', b'<w:vMerge w:val="restart"/>', b'<w:gridSpan w:val="-1"/>',
                           b'<w:vMerge/>', b'<w:gridSpan w:val="0"/>'])
        return re.sub(rb"<w:tcPr>", lambda m: m.group(0) + junk if rng.random() < 0.3 else m.group(0), body)
    return _edit(data, rng, change, lambda n: n == "word/document.xml")


DOCX_MUTATORS = [bit_flips, truncate, drop_member, shuffle_members, broken_xml, docx_huge_text, docx_entities,
                 docx_table_junk]

KINDS = {"xlsx": MUTATORS, "xls": BIFF_MUTATORS, "et": BIFF_MUTATORS, "ods": ODS_MUTATORS, "docx": DOCX_MUTATORS}


def make_kind_mutant(kind: str, source: bytes, seed: int, index: int) -> tuple[str, bytes]:
    """Like make_mutant, for any of KINDS (the same inputs give the same mutant)."""
    rng = random.Random(f"{kind}/{seed}/{index}")
    mutators = KINDS[kind]
    mutator = mutators[index % len(mutators)]
    return mutator.__name__, mutator(source, rng)


# perfxl import of .docx files, one at a time, in a child process (a crash must not take the caller with
# it): prints one JSON line per file, "" when it was imported or refused with a PerfxlError.
IMPORT_CHECK = """
import json, pathlib, sys, tempfile
from perfxl.errors import PerfxlError
from perfxl.form import find_forms
from perfxl.importer import source_grid
from perfxl.profile import load_profile
from perfxl.template import write_template
profile = load_profile("2015")
for path in sys.argv[1:]:
    with tempfile.TemporaryDirectory() as out:
        try:  # what perfxl import does, writing the first project only (the writer is fuzzed elsewhere)
            projects = find_forms(source_grid(pathlib.Path(path)), profile)
            if projects:
                write_template(pathlib.Path(out) / "a.xlsx", profile=profile, projects=projects[:1], kind="import")
            problem = ""
        except PerfxlError as exc:
            problem = "" if str(exc).count("\\n") == 0 else "message of several lines"
        except BaseException as exc:
            problem = f"{type(exc).__name__}: {exc}"[:300]
    print(json.dumps([path, problem], ensure_ascii=False), flush=True)
"""


def check_imports(paths, timeout=600) -> list[tuple[str, str]]:
    """(path, problem) for each .docx that perfxl import did not handle: anything but a project
    imported or one Chinese error line; a crash of the child names every file it did not finish."""
    import json
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", IMPORT_CHECK, *map(str, paths)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    done = dict(json.loads(line) for line in proc.stdout.splitlines() if line.startswith("["))
    problems = [(path, problem) for path, problem in done.items() if problem]
    problems += [(str(p), f"child ended with {proc.returncode}: {proc.stderr.strip()[-200:]}")
                 for p in paths if str(p) not in done]
    return problems
