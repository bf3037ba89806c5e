"""The guard's quick ways: its own central directory reader, the far-reference pre-test, and the
stored package calamine opens, each checked against the slow way it stands in for."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import python_calamine
import pytest

import hostile
from conftest import DATA_2023, SEED_NAMES
from perfxl import scan

SEEDS = [DATA_2023 / f"{name}.xlsx" for name in SEED_NAMES]


def _as_zipfile_reads(data: bytes) -> list[tuple]:
    fields = ("filename", "flag_bits", "compress_type", "CRC", "compress_size", "file_size", "header_offset")
    return [tuple(getattr(i, f) for f in fields) for i in zipfile.ZipFile(io.BytesIO(data)).infolist()]


def _members(source: Path | bytes) -> dict[str, bytes]:
    """Every member of a package (a path, or the package's bytes), by name, in order."""
    with zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _zipped(members: dict, comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
        zf.comment = comment
    return buffer.getvalue()


def test_the_plain_directory_is_what_zipfile_reads():
    for path in SEEDS:
        data = path.read_bytes()
        assert [tuple(m) for m in scan._plain_directory(data)] == _as_zipfile_reads(data)


def test_an_unusual_directory_is_left_to_zipfile_and_read_alike():
    """A comment or bytes before the package: zipfile reads it (and judges it), with the same outcome."""
    data = SEEDS[0].read_bytes()
    plain = scan.guard_zip(data)
    for odd in (_zipped(_members(data), comment=b"saved by a tool"), b"\0" * 100 + _zipped(_members(data))):
        assert scan._plain_directory(odd) is None
        check = scan.guard_zip(odd)
        assert (check.names, check.too_large, check.formats_known) == (plain.names, plain.too_large, plain.formats_known)
    record = data.index(b"PK\x01\x02")
    for broken in (data[:-22], data[:-1], data[:record] + b"PK\x01\x03" + data[record + 4:]):
        assert scan._plain_directory(broken) is None
        with pytest.raises(scan.Rejected) as caught:
            scan.guard_zip(broken)
        assert caught.value.code == "broken-file"


def test_the_far_reference_pre_test_never_misses_one():
    """_maybe_far only saves time: wherever _FAR_REF matches, it must say yes."""
    rng = random.Random(16)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    seen = 0
    for _ in range(20000):
        ref = "".join(rng.choice(letters) for _ in range(rng.randint(1, 5))) + str(rng.randint(0, 10 ** rng.randint(1, 8)))
        quote = rng.choice("\"'")
        text = f'<c r{rng.choice(["", " "])}={rng.choice(["", " ", chr(9)])}{quote}{ref}{quote} s="3">'.encode()
        if scan._FAR_REF.search(text):
            seen += 1
            assert scan._maybe_far(text), text
    assert seen > 5000
    for far in (b'<c r="XFD1">', b"<c r = 'aaa1'>", b'<c r="A1000">', b'<c r="zz12345">', b'<c r="xfd1048576"/>'):
        assert scan._maybe_far(far), far
    for path in SEEDS:
        with zipfile.ZipFile(path) as zf:
            sheets = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert not any(scan._maybe_far(sheet) for sheet in sheets)  # ordinary sheets skip even the pattern


def _read_all(data: bytes) -> list:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [(meta.name, book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)) for meta in book.sheets_metadata]


def test_calamine_reads_the_stored_package_as_the_file():
    for path in SEEDS + sorted(DATA_2023.parent.parent.glob("workbook_templates/*.xlsx")):
        data = path.read_bytes()
        check = scan.guard_zip(data)
        package = scan.calamine_package(check)
        assert package is not None and len(package) > len(data)  # stored, not deflated
        with zipfile.ZipFile(io.BytesIO(package)) as zf:
            assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}
            assert set(zf.namelist()) == set(check.members) and zf.testzip() is None
        assert _read_all(package) == _read_all(data)


def test_the_stored_package_sheets_declare_no_merged_ranges():
    """A plain sheet of the package starts with an empty <mergeCells/>, where python-calamine's pass
    for merged ranges (which perfxl never reads) stops; the cells read the same, and a sheet whose
    root tag the pattern does not know is stored as it is."""
    data = SEEDS[0].read_bytes()
    check = scan.guard_zip(data)
    package = scan.calamine_package(check)
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        assert zf.testzip() is None  # the CRCs are those of the sheets as stored
        sheet = zf.read("xl/worksheets/sheet1.xml")
    root = scan._SHEET_ROOT.match(check.members["xl/worksheets/sheet1.xml"][0]).end()
    assert sheet[root:root + len(scan._NO_MERGES)] == scan._NO_MERGES
    assert sheet.replace(scan._NO_MERGES, b"", 1) == check.members["xl/worksheets/sheet1.xml"][0]
    name = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names[0]
    merged = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name).merged_cell_ranges
    assert len(merged) == 83
    assert python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(package)).get_sheet_by_name(name).merged_cell_ranges == []
    assert _read_all(package) == _read_all(data)
    body, crc = check.members["xl/worksheets/sheet1.xml"]
    check.members["xl/worksheets/sheet1.xml"] = b"\xef\xbb\xbf" + body, zlib.crc32(b"\xef\xbb\xbf" + body)  # a BOM first
    with zipfile.ZipFile(io.BytesIO(scan.calamine_package(check))) as zf:
        assert zf.read("xl/worksheets/sheet1.xml") == b"\xef\xbb\xbf" + body and zf.testzip() is None
    for tag in (b'<worksheet xmlns="a" xmlns:r=\'b\'>', b"<x:worksheet>", b'<?xml version="1.0"?>\r\n<worksheet a="1>2">'):
        assert scan._SHEET_ROOT.match(tag + b"<sheetData/>").end() == len(tag), tag
    for tag in (b"<worksheet/>", b"<!-- x --><worksheet>", b"<worksheets>", b"<chartsheet>", b'<worksheet a="1>'):
        assert scan._SHEET_ROOT.match(tag + b"<sheetData/>") is None, tag


def _outcome(data: bytes):
    try:
        return _read_all(data)
    except Exception:  # calamine's own errors: the file is broken-file
        return "error"


def test_the_merged_ranges_pass_is_cut_short_only_where_it_reads_without_error():
    """A sheet damaged after its cells (where only the pass for merged ranges reads) stays as
    unreadable through the package as the file itself; a plain one is cut short and reads the same."""
    members = _members(SEEDS[0])
    sheet = members["xl/worksheets/sheet1.xml"]
    cut = sheet.index(b"<mergeCells")
    variants = {
        "plain": (sheet, True),
        "no merged ranges": (sheet[:cut] + b'<pageMargins left="0.7"/></worksheet>', True),
        "a range with a comma": (sheet.replace(b'<mergeCell ref="A1:', b'<mergeCell ref="A1,', 1), False),
        "a range with a space": (sheet.replace(b'<mergeCell ref="A1:', b'<mergeCell ref="A1 ', 1), False),
        "three corners": (sheet.replace(b'<mergeCell ref="A1:', b'<mergeCell ref="A1:B1:', 1), False),
        "row 0": (sheet.replace(b'<mergeCell ref="A1:', b'<mergeCell ref="A0:', 1), False),
        "merged ranges in the cells": (sheet.replace(b'<row r="2"', b'<mergeCells><mergeCell ref="!"/></mergeCells><row r="2"', 1), False),
        "merged ranges not closed": (sheet[:sheet.index(b"</mergeCells>")] + b"</worksheet>", False),
        "cut after the cells": (sheet[:sheet.index(b"</sheetData>") + 40], False),
        "junk after the cells": (sheet[:cut] + b"<pageMargins/><x</worksheet>", False),
    }
    for label, (body, cut_short) in variants.items():
        assert (scan._merges_cut_short(body) > 0) == cut_short, label
        data = _zipped({**members, "xl/worksheets/sheet1.xml": body})
        package = scan.calamine_package(scan.guard_zip(data))
        assert _outcome(package) == _outcome(data), label
    assert _outcome(_zipped({**members, "xl/worksheets/sheet1.xml": variants["row 0"][0]})) == "error"


def test_the_tail_of_a_sheet_is_judged_alike_kept_or_in_place():
    """A plain tail and a damaged one get the same answer the first time, from the kept answers, and
    past the length that is kept (checked in place); the ranges' edges hold (letters, digits, row 0)."""
    scan._kept_plain_tail.cache_clear()  # earlier tests judged this seed's tail: the first time is to be now
    with zipfile.ZipFile(SEEDS[0]) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    ranges = b"".join(b'<mergeCell ref="A%d:B%d"/>' % (row, row) for row in range(1, 1200))
    long_sheet = sheet[:sheet.index(b"<mergeCells")] + b"<mergeCells>" + ranges + b"</mergeCells></worksheet>"
    assert len(long_sheet) - long_sheet.index(b"</sheetData>") > scan._TAIL_KEPT
    edges = {
        b"XFD1048576": True, b"A1:XFD1048576": True, b"A1234567": True, b"AAAA1": False, b"A12345678": False,
        b"A01": False, b"a1": False, b"A": False, b"1": False, b"": False, b"A1:": False, b"A1,B2": False, b"A1 ": False,
    }
    for body, cut_short in [(sheet, True), (long_sheet, True), (long_sheet.replace(b"A1199:", b"A0:"), False)] + [
            (sheet.replace(b'<mergeCell ref="A1:F1"/>', b'<mergeCell ref="%s"/>' % ref), ok) for ref, ok in edges.items()]:
        for _ in range(2):  # the second time from the kept answers (where the tail is short enough)
            assert (scan._merges_cut_short(body) > 0) == cut_short, body[-80:]


def test_the_stored_package_holds_only_what_the_guard_read(tmp_path):
    far = hostile.far_cell(tmp_path / "far.xlsx", with_dimension=False).read_bytes()
    check = scan.guard_zip(far)
    assert check.too_large == {"xl/worksheets/sheet1.xml"}
    with zipfile.ZipFile(io.BytesIO(scan.calamine_package(check))) as zf:
        assert "xl/worksheets/sheet1.xml" not in zf.namelist() and "xl/workbook.xml" in zf.namelist()
    # A member too large to inflate whole was scanned as a stream and not kept: calamine opens the file.
    huge = (DATA_2023.parent.parent / "tests" / "fixtures" / "fuzz" / "huge-shared-string.xlsx").read_bytes()
    assert scan.calamine_package(scan.guard_zip(huge)) is None


def test_a_member_in_another_case_or_folder_never_reaches_calamine(tmp_path):
    """calamine finds members in any case of name and follows _rels/.rels to the workbook's folder;
    the guard scans xl/ by exact names. Neither way may hand calamine a sheet nobody scanned (here
    one with a far cell, which made calamine abort the worker)."""
    far = hostile.far_cell(tmp_path / "far.xlsx", with_dimension=False)
    members = _members(far)
    near = members["xl/worksheets/sheet1.xml"].replace(b'r="XFD1048576"', b'r="B2"')

    def write(name: str, changed: dict) -> str:
        path = tmp_path / name
        path.write_bytes(_zipped(changed))
        return str(path)

    other_case = dict(members)
    other_case["xl/Worksheets/sheet1.xml"] = other_case.pop("xl/worksheets/sheet1.xml")
    elsewhere = {**members, "xl/worksheets/sheet1.xml": near,
                 "_rels/.rels": members["_rels/.rels"].replace(b"xl/workbook.xml", b"y/workbook.xml")}
    elsewhere.update({"y/" + n[3:]: body for n, body in members.items() if n.startswith("xl/")})
    paths = [write("case.xlsx", other_case), write("elsewhere.xlsx", elsewhere)]
    proc = subprocess.run([sys.executable, "-m", "perfxl", "validate", "--format", "json", *paths],
                          capture_output=True, text=True, timeout=300)
    assert [(Path(f["file"]).name, f["code"]) for f in json.loads(proc.stdout)] == [
        ("case.xlsx", "broken-file"), ("elsewhere.xlsx", "broken-file")]  # before: reader-crashed


def test_past_the_package_cap_calamine_opens_the_file_as_read(monkeypatch):
    """The members kept for calamine are capped (memory): past the cap none is kept and the file is read as before."""
    from perfxl.reading import read_file

    path = str(SEEDS[0])
    before = read_file(path, None)
    monkeypatch.setattr(scan, "PACKAGE_BYTES", 10_000)
    check = scan.guard_zip(SEEDS[0].read_bytes())
    assert not check.whole and check.members == {} and scan.calamine_package(check) is None
    assert read_file(path, None) == before and before[0]


def test_a_member_named_in_chinese_is_stored_under_its_name():
    """A UTF-8 member name goes into the stored package with the UTF-8 flag, so calamine finds it."""
    members = {name.replace("sheet1.xml", "表1.xml"): body for name, body in _members(SEEDS[0]).items()}
    rels = "xl/_rels/workbook.xml.rels"
    members[rels] = members[rels].replace(b"worksheets/sheet1.xml", "worksheets/表1.xml".encode())
    data = _zipped(members)
    package = scan.calamine_package(scan.guard_zip(data))
    assert "xl/worksheets/表1.xml" in zipfile.ZipFile(io.BytesIO(package)).namelist()
    assert _read_all(package) == _read_all(data) and _read_all(data)[0][1]


def test_formula_text_is_unescaped_as_xml_does():
    """scan's own unescape (saxutils' import costs each worker 15–30 ms) undoes the same escapes."""
    from xml.sax.saxutils import unescape

    for text in ("a&amp;lt;b", "&lt;&gt;&quot;&apos;&amp;", "SUM(A1)", "&amp;amp;", 'A1&amp;&quot;万元&quot;', "&#37;"):
        assert scan._unescape(text) == unescape(text, {"&quot;": '"', "&apos;": "'"}), text
