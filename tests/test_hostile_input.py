"""Broken and hostile files: each reported or skipped, the good files beside them still read."""

import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

import hostile
from conftest import DATA_2023, SEED_NAMES

GOOD = DATA_2023 / f"{SEED_NAMES[0]}.xlsx"
FIXTURES = Path(__file__).parent / "fixtures" / "fuzz"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("year-end")
    (d / "good.xlsx").write_bytes(GOOD.read_bytes())
    hostile.truncated(GOOD, d / "truncated.xlsx")
    hostile.empty(d / "empty.xlsx")
    hostile.fake_encrypted(d / "encrypted.xlsx")
    hostile.zip_bomb(d / "bomb.xlsx")
    hostile.far_cell(d / "far.xlsx")
    hostile.far_cell(d / "far-no-dimension.xlsx", with_dimension=False)
    hostile.far_cell(d / "far-lowercase.xlsx", with_dimension=False, lowercase=True)
    hostile.far_cell(d / "far-after-1mb.xlsx", with_dimension=False, filler_rows=40_000)
    hostile.entity_bomb(d / "entities.xlsx", GOOD)
    hostile.not_a_form(d / "contacts.xlsx")
    (d / "~$good.xlsx").write_bytes(b"\x00" * 165)
    (d / ".~lock.good.xlsx#").write_text("lock")
    (d / "readme.txt").write_text("说明", encoding="utf-8")
    return d


def run_validate(*args, limit_gb=3):
    """perfxl validate in a child process with an address-space cap, as a user would run it."""
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit_gb << 30, limit_gb << 30))
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "perfxl", "validate", "--format", "json", *args],
                          capture_output=True, text=True, timeout=120, preexec_fn=cap,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    return proc, time.monotonic() - start


def test_every_bad_file_becomes_one_finding_and_the_good_one_is_read(folder):
    proc, seconds = run_validate(str(folder))
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)
    by_file = {}
    for f in findings:
        by_file.setdefault(os.path.basename(f["file"]), []).append(f["code"])
    assert by_file["truncated.xlsx"] == ["broken-file"]
    assert by_file["empty.xlsx"] == ["empty-file"]
    assert by_file["encrypted.xlsx"] == ["encrypted"]
    assert by_file["bomb.xlsx"] == ["zip-bomb"]
    assert by_file["far.xlsx"] == ["sheet-too-large"]
    assert by_file["far-no-dimension.xlsx"] == ["sheet-too-large"]
    assert by_file["far-lowercase.xlsx"] == ["sheet-too-large"]
    assert by_file["far-after-1mb.xlsx"] == ["sheet-too-large"]
    assert by_file["entities.xlsx"] == ["xml-entities"]
    assert by_file["contacts.xlsx"] == ["no-form"]
    assert "~$good.xlsx" not in by_file and ".~lock.good.xlsx#" not in by_file
    assert "已跳过 1 个非表格文件" in proc.stderr
    assert {f["code"] for f in findings if f["file"].endswith("good.xlsx") and f["level"] != "notice"} == {
        "missing-attribute"}  # the seed leaves 项目属性 blank
    assert seconds < 60


def test_named_text_file_is_an_error(folder):
    proc, _ = run_validate(str(folder / "readme.txt"), str(folder / "good.xlsx"))
    findings = json.loads(proc.stdout)
    assert [f["code"] for f in findings if f["file"].endswith("readme.txt")] == ["not-spreadsheet"]
    assert proc.returncode == 1


def test_empty_file_named_explicitly(folder):
    proc, _ = run_validate(str(folder / "empty.xlsx"))
    assert proc.returncode == 2  # no form was read: the same as consolidate
    assert [(f["level"], f["code"]) for f in json.loads(proc.stdout)] == [("error", "empty-file")]
    assert proc.stderr == "错误：检查了 1 个文件，没有找到任何绩效目标表（读不了的文件已在上面列出）。\n"


def test_a_huge_but_harmless_shared_string_is_no_zip_bomb():
    """Fuzz found it: a 6 MB shared string (ratio ~775) was rejected as a bomb; it is read now."""
    from perfxl.pipeline import read

    result = read([str(FIXTURES / "huge-shared-string.xlsx")])
    assert [p.name for p in result.projects] == ["食品药品安全监管专项经费"]
    assert not [f for f in result.findings if f.level == "error"]


def test_an_error_value_in_an_amount_is_reported_at_its_cell():
    from perfxl.pipeline import read

    result = read([str(FIXTURES / "error-value-in-amount.xlsx")])
    assert [(f.code, f.cell, f.message) for f in result.findings if f.level == "error"] == [
        ("formula-error", "E7", "年度金额的公式出错（显示 #DIV/0!）：请改正公式，或直接填写金额（万元）")]


def test_broken_formulas_are_reported_as_such_not_as_blanks(tmp_path):
    """calamine reads #VALUE!/#REF!/#N/A as blank; the user sees the error, and so does the finding."""
    from conftest import seed_rows, write_workbook

    from perfxl.pipeline import read

    rows = seed_rows()
    assert rows[12][3] == "年度金额" and rows[11][3] == "实施单位" and rows[19][2] == "市场监管宣传覆盖社区数量"
    rows[12][4] = ("=E14+E15", "#VALUE!")
    rows[11][4] = ("='旧表'!B2", "#REF!")
    rows[19][3] = ("=VLOOKUP(1,A:A,2,0)", "#N/A")
    result = read([str(write_workbook(tmp_path / "公式出错.xlsx", {"Sheet1": rows}))])
    first = result.projects[0]
    assert first.funds_year.total is None and first.unit == "#REF!"
    errors = [(f.code, f.cell, f.message) for f in result.findings if f.level == "error" and f.project == first.name]
    assert errors == [
        ("formula-error", "E13", "年度金额的公式出错（显示 #VALUE!）：请改正公式，或直接填写金额（万元）"),
        ("formula-error", "D20", "三级指标“市场监管宣传覆盖社区数量”的年度指标值的公式出错（显示 #N/A）：请改正公式，或直接填写目标值"),
        ("formula-error", "E12", "实施单位的公式出错（显示 #REF!）：请改正公式，或直接填写内容"),
    ]
    assert len(result.projects) == 8  # the other seven forms on the sheet are read as before


def test_a_workbook_whose_form_sheet_was_lost_is_reported():
    """Fuzz found it: broken workbook.xml left only the template's helper sheets, and the file
    vanished without a word. Now it is a warning."""
    from perfxl.pipeline import read

    result = read([str(FIXTURES / "form-sheet-lost-from-workbook-xml.xlsx")])
    assert result.projects == []
    assert [(f.level, f.code, f.sheet) for f in result.findings] == [("warning", "no-form-in-file", "")]


def test_a_word_doc_in_a_folder_is_skipped_not_an_error(tmp_path):
    """A .doc is an OLE file like .xls: in a folder it is counted as skipped, not read as a broken workbook."""
    from perfxl.pipeline import read

    (tmp_path / "a.xlsx").write_bytes(GOOD.read_bytes())
    (tmp_path / "说明.doc").write_bytes(hostile.OLE_MAGIC + b"\x00" * 600)
    result = read([str(tmp_path)])
    assert [Path(f).name for f in result.files] == ["a.xlsx"]
    assert [Path(f).name for f in result.skipped] == ["说明.doc"]
    assert not [f for f in result.findings if f.level == "error"]


def test_ordinary_sheets_skip_the_exact_extent_scan():
    """The guard's quick test must pass ordinary sheets (else every file pays the full scan) and catch far ones."""
    import zipfile

    from perfxl import scan

    books = sorted(DATA_2023.glob("*.xlsx")) + sorted(Path(__file__).parent.parent.glob("workbook_templates/*.xlsx"))
    assert len(books) >= 10
    for book in books:
        with zipfile.ZipFile(book) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/"):
                    assert not scan._FAR_REF.search(zf.read(name)), f"{book.name} {name}"
    for far in (b'<c r="XFD1">', b"<c r = 'aaa1'>", b'<c r="A1000">', b'<c r="zz12345">'):
        assert scan._FAR_REF.search(far), far
    for near in (b'<c r="ZZ999">', b'<c t="str" r="A1">', b'<?xml version="1.0" encoding="UTF-8"?>'):
        assert not scan._FAR_REF.search(near), near


def test_a_file_that_cannot_be_read_is_one_finding(tmp_path):
    """A dangling shortcut (or a file locked away) is reported, and the other files are still read."""
    (tmp_path / "good.xlsx").write_bytes(GOOD.read_bytes())
    (tmp_path / "gone.xlsx").symlink_to(tmp_path / "moved-away.xlsx")
    proc, _ = run_validate(str(tmp_path))
    findings = json.loads(proc.stdout)
    gone = [f for f in findings if f["file"].endswith("gone.xlsx")]
    assert [f["code"] for f in gone] == ["unreadable"]
    assert "无法读取文件" in gone[0]["message"]
    assert proc.returncode == 1
    assert any(f["file"].endswith("good.xlsx") and f["project"] for f in findings)  # its project was read


def _with_central_field(data: bytes, member: str, offset: int, value: int) -> bytes:
    """The package with one 4-byte field of ``member``'s central directory record replaced."""
    import struct

    record = data.index(b"PK\x01\x02")  # the first central directory record
    while True:
        name_length = struct.unpack_from("<H", data, record + 28)[0]
        if data[record + 46:record + 46 + name_length] == member.encode():
            break
        extra, comment = struct.unpack_from("<HH", data, record + 30)
        record += 46 + name_length + extra + comment
    return data[:record + offset] + struct.pack("<I", value) + data[record + offset + 4:]


def test_small_members_are_inflated_whole_and_odd_ones_still_reported():
    """The guard inflates a small member in one call; a wrong checksum or size goes zipfile's way and is reported."""
    import zipfile

    from perfxl import scan

    data = GOOD.read_bytes()
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(GOOD) as zf:
        info, body = zf.getinfo(sheet), zf.read(sheet)
    assert scan._inflate_whole(data, info) == body
    bad_crc = _with_central_field(data, sheet, 16, info.CRC ^ 1)
    short = _with_central_field(data, sheet, 24, info.file_size - 100)  # declares less than it holds
    for broken in (bad_crc, short):
        with zipfile.ZipFile(io.BytesIO(broken)) as zf:
            assert scan._inflate_whole(broken, zf.getinfo(sheet)) is None
        with pytest.raises(scan.Rejected) as caught:
            scan.guard_zip(broken)
        assert caught.value.code == "broken-file"


def test_the_whole_and_the_streamed_way_find_the_same(tmp_path, monkeypatch):
    """A far cell is found alike whether its sheet is inflated whole or streamed."""
    from perfxl import scan

    far = hostile.far_cell(tmp_path / "far.xlsx", with_dimension=False)
    seen = []
    for whole_bytes in (scan.WHOLE_BYTES, 0):
        monkeypatch.setattr(scan, "WHOLE_BYTES", whole_bytes)
        check = scan.guard_zip(far.read_bytes())
        seen.append(check.too_large)
    assert seen[0] == seen[1] == {"xl/worksheets/sheet1.xml"}
