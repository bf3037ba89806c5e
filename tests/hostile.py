"""Builders of broken and hostile input files, shared by the tests and the fuzz bench."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import xlsxwriter

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def truncated(source: Path, target: Path) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target


def empty(target: Path) -> Path:
    target.write_bytes(b"")
    return target


def fake_encrypted(target: Path) -> Path:
    """An OLE compound file naming the streams of an encrypted OOXML package."""
    body = OLE_MAGIC + b"\x00" * 504
    body += "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50 + "EncryptedPackage".encode("utf-16-le")
    target.write_bytes(body + b"\x00" * (4096 - len(body)))
    return target


def zip_bomb(target: Path, inflated_mb: int = 300) -> Path:
    """A workbook whose sheet inflates to hundreds of MB from a few hundred KB."""
    chunk = b"<!-- " + b"0" * (1 << 20) + b" -->"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(inflated_mb):
                fh.write(chunk)
    return target


def far_cell(target: Path, with_dimension: bool = True, lowercase: bool = False, filler_rows: int = 0) -> Path:
    """A tiny workbook with cells at A1 and XFD1048576 (calamine would allocate ~17 billion cells).

    ``lowercase`` writes the far reference as r="xfd1048576" (calamine takes it); ``filler_rows``
    puts that many ordinary rows (row 2 on, column A) before it, so it lies beyond the first MB.
    """
    wb = xlsxwriter.Workbook(str(target))
    ws = wb.add_worksheet()
    ws.write("A1", "项目名称")
    for r in range(1, filler_rows + 1):
        ws.write_number(r, 0, r)
    # With filler rows xlsxwriter itself would take minutes over XFD1048576 (it checks every
    # column of every row), so the far cell is written near and moved there in the XML.
    ws.write(filler_rows + 1 if filler_rows else 1048575, 1 if filler_rows else 16383, "远处")
    wb.close()
    if filler_rows:
        near = filler_rows + 2
        _rewrite(target, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
            b'<row r="%d"' % near, b'<row r="1048576"').replace(b'r="B%d"' % near, b'r="XFD1048576"'))
    if not with_dimension:
        _rewrite(target, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b'<dimension ref="A1:XFD1048576"/>', b""))
    if lowercase:
        _rewrite(target, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b'r="XFD1048576"', b'r="xfd1048576"'))
    return target


def entity_bomb(target: Path, source: Path) -> Path:
    """A real workbook whose sharedStrings carry a billion-laughs entity declaration."""
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                         for i in range(1, 10))
              + b"]>")
    target.write_bytes(source.read_bytes())
    _rewrite(target, "xl/sharedStrings.xml", lambda xml: laughs + xml.split(b"?>", 1)[1].replace(b"<t>", b"<t>&lol9;", 1))
    return target


def not_a_form(target: Path) -> Path:
    wb = xlsxwriter.Workbook(str(target))
    ws = wb.add_worksheet("通讯录")
    ws.write_row(0, 0, ["姓名", "电话"])
    ws.write_row(1, 0, ["张三", "123"])
    wb.close()
    return target


def _rewrite(path: Path, member: str, change) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, change(data) if info.filename == member else data)
    path.write_bytes(buffer.getvalue())
