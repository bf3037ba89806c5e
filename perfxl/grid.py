"""Grids: the cells of a worksheet, a .docx body or a text dump, as rows of plain values.

Every reader downstream (form recognition) works on a Grid, whatever the file was.
Merged areas hold their value in the top-left cell only and are blank elsewhere, which is
exactly how a Word table copied as text looks, so "blank means same as above" works for all.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import COLUMN_LETTERS, column_letter


@dataclass
class Grid:
    file: str
    sheet: str
    rows: list[list[object]]
    top: int = 0  # 0-based sheet row of rows[0]
    left: int = 0  # 0-based sheet column of rows[r][0]
    percent: set[tuple[int, int]] | None = None  # (row, col) of numbers shown as percent; None: formats unknown

    def address(self, row: int, col: int) -> str:
        col += self.left
        return f"{COLUMN_LETTERS[col] if 0 <= col < 702 else column_letter(col)}{row + self.top + 1}"


def decode_text(data: bytes) -> str:
    """Text dumps come as UTF-8 (with or without BOM) or, saved on Windows, GBK/GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def grid_from_text(text: str, file: str = "", sheet: str = "") -> Grid:
    """One row per line, cells split on tabs, as a Word table reads when copied out."""
    rows = [line.rstrip("\r").split("\t") for line in text.split("\n")]
    return Grid(file=file, sheet=sheet, rows=[[c.strip() for c in r] for r in rows])


def grid_from_docx(source, file: str = "") -> Grid:
    """The document body in order: each paragraph a one-cell row, each table its rows.

    python-docx repeats a merged cell for every grid column and row it spans; repeats are
    blanked, so merges read like the text dump. ``source`` is a path or a binary file object.
    """
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(source if hasattr(source, "read") else str(source))
    rows: list[list[object]] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            rows.append([block.text.strip()])
        elif isinstance(block, Table):
            above: list = []
            for row in block.rows:
                values, elements, left = [], [], None
                for i, cell in enumerate(row.cells):
                    tc = cell._tc
                    repeat = tc is left or (i < len(above) and above[i] is tc)
                    values.append("" if repeat else cell.text.strip())
                    elements.append(tc)
                    left = tc
                rows.append(values)
                above = elements
            rows.append([""])
    return Grid(file=file or str(source), sheet="", rows=rows)


def grids_from_workbook(source, file: str = "", skip=()) -> list[Grid]:
    """Every worksheet (but those named in ``skip``) read by python-calamine.

    ``source`` is a path or a CalamineWorkbook already opened; formulas come as cached values.
    """
    import python_calamine

    book = source if hasattr(source, "sheets_metadata") else python_calamine.load_workbook(str(source))
    grids = []
    for meta in book.sheets_metadata:
        if meta.name in skip or str(meta.typ) != "SheetTypeEnum.WorkSheet":
            continue
        sheet = book.get_sheet_by_name(meta.name)
        rows = sheet.to_python()
        top, left = sheet.start or (0, 0)
        grids.append(Grid(file=file, sheet=meta.name, rows=rows, top=top, left=left))
    return grids
