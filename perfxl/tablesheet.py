"""An xlsxwriter worksheet that stores and writes large plain tables fast, byte for byte as xlsxwriter would.

The summary's tables are ~150,000 cells per 1,000 projects, and xlsxwriter spends about 6 µs of
Python per cell (type dispatch and dimension checks on the way in, one method call and an
attribute list per cell on the way out). ``write_table`` stores a whole table in one loop, and
``_write_rows``/``_calculate_spans`` serialize rows of strings and numbers in one pass; any
other cell or row (formulas, row formats, comments) goes through xlsxwriter's own code.
``_prepare_formula`` skips xlsxwriter's 29 substitutions when none of them can apply. The
output is identical to the stock Worksheet's — tests/test_tablesheet.py compares the XML.

This relies on xlsxwriter's internals (``table``, ``row_info``, ``str_table``, the cell
namedtuples, how ``_store_workbook`` makes the zip file), which change between minor versions.
The fast path (FAST) was checked against xlsxwriter 3.3.0 and 3.3.1. With any other version
every method here leaves the work to xlsxwriter's own code, slower and the same; that fallback
was checked against 3.1.0, 3.1.7, 3.1.9, 3.2.0 and 3.2.9. tests/test_tablesheet.py runs every
case both ways, and .ci/run runs it with the oldest and the newest xlsxwriter pyproject.toml
allows. ``TableWorkbook`` deflates the package at a faster zlib level than xlsxwriter's fixed
default, on the fast path only.
"""

from __future__ import annotations

import re
import sys
import zipfile
from decimal import Decimal
from math import isfinite

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

FAST = xlsxwriter.__version__.split(".")[:2] == ["3", "3"]  # checked against 3.3.0 and 3.3.1
if FAST:
    from xlsxwriter.worksheet import CellNumberTuple, CellStringTuple

# What xlsxwriter's _prepare_formula rewrites to _xlfn. names. A formula calling none of them
# (the name before each "(", plus their odd "\SINGLE(" pattern) comes out of it unchanged.
_DYNAMIC = frozenset("ANCHORARRAY BYCOL BYROW CHOOSECOLS CHOOSEROWS DROP EXPAND FILTER HSTACK LAMBDA MAKEARRAY "
                     "MAP RANDARRAY REDUCE SCAN SEQUENCE SORT SORTBY SWITCH TAKE TEXTSPLIT TOCOL TOROW UNIQUE "
                     "VSTACK WRAPCOLS WRAPROWS XLOOKUP".split())
_CALLED = re.compile(r"([A-Za-z0-9_]+)\(")


def _may_be_rewritten(formula: str) -> bool:
    return "INGLE(" in formula or not _DYNAMIC.isdisjoint(_CALLED.findall(formula))


def _excel_number(value, row: int, col: int) -> float:
    """A float or Decimal as the double Excel stores; NaN and infinities have no cell to go in."""
    number = float(value)
    if not isfinite(number):
        raise TypeError(f"write_table: {number} in row {row}, column {col} is no number Excel can hold")
    return number


# Deflate level of the package. zlib's default (6) spends twice the time of level 4 on the
# summary's XML for 7% less size (1,000 forms: 0.10 s vs 0.04 s; 658 KB vs 706 KB).
ZIP_LEVEL = 4


class _ZipFile(zipfile.ZipFile):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("compresslevel", ZIP_LEVEL)
        super().__init__(*args, **kwargs)


class TableWorkbook(Workbook):
    """An xlsxwriter Workbook that deflates its package at ZIP_LEVEL (xlsxwriter has no option for it).

    Only with the xlsxwriter version FAST is for: the swap relies on how its _store_workbook
    makes the zip file; with any other version this is xlsxwriter's Workbook as it is.
    """

    def _store_workbook(self) -> None:
        module = sys.modules[Workbook.__module__]  # xlsxwriter.workbook calls ZipFile(...) by that name
        if not FAST or getattr(module, "ZipFile", None) is not zipfile.ZipFile:
            return super()._store_workbook()
        module.ZipFile = _ZipFile
        try:
            return super()._store_workbook()
        finally:
            module.ZipFile = zipfile.ZipFile


class TableSheet(Worksheet):
    """A Worksheet with ``write_table``; everything else is xlsxwriter's."""

    def __init__(self):
        super().__init__()
        self._rendered: dict[int, tuple[str, int, int]] = {}  # row → (its <c> elements, first, last column)

    def write_table(self, first_row: int, rows, formats: dict | None = None, clean=None, limit: int = 32767) -> None:
        """Store ``rows`` from ``first_row`` down, column 0 on: text as shared strings, numbers as numbers.

        None and "" leave the cell empty; Decimal is written as float; ``formats`` maps a column to
        its cell format; text that is longer than ``limit`` or not printable goes through ``clean``
        (which must make it fit). Same cells as ``write_row`` for each row, without its per-cell cost.

        Rows without formats (and without column formats on the sheet) are rendered to XML here
        and then final: formatting them or writing into them afterwards raises at close.
        """
        rows = rows if isinstance(rows, list) else list(rows)
        width = max(map(len, rows), default=0)
        if first_row < 0 or first_row + len(rows) > self.xls_rowmax or width > self.xls_colmax:
            raise ValueError(f"write_table: {len(rows)} rows from row {first_row} do not fit in the worksheet")
        if not FAST:
            return self._write_table_slowly(first_row, rows, formats or {}, clean, limit)
        targets = range(first_row, first_row + len(rows))
        taken = [r for r, cells in self.table.items() if cells] + list(self._rendered)  # rows written before
        if (formats or self.constant_memory or any(i.column_format is not None for i in self.col_info.values())
                or any(r in targets for r in taken)):
            return self._store_cells(first_row, rows, formats, clean, limit)
        return self._render_rows(first_row, rows, width, clean, limit)

    def _render_rows(self, first_row: int, rows: list, width: int, clean, limit: int) -> None:
        """Unformatted rows straight to their <c> elements, as _write_rows would write the cells."""
        tails: dict[str, str] = {}  # text as given → the rest of its <c> element, after the reference
        shared_count = 0
        rendered = self._rendered
        letters = [xl_col_to_name(c) for c in range(width)]
        low_col, high_col, low_row, high_row = None, None, None, None
        for r, row in enumerate(rows, first_row):
            number = r + 1
            parts = []
            first = last = None
            for c, v in enumerate(row):
                cls = v.__class__
                if cls is str:
                    tail = tails.get(v)
                    if tail is None:
                        if not v:
                            continue
                        tail = tails[v] = f'" t="s"><v>{self._text_index(v, clean, limit)}</v></c>'
                    shared_count += 1
                    parts.append(f'<c r="{letters[c]}{number}{tail}')
                elif v is None:
                    continue
                elif cls is int or cls is float or cls is Decimal:
                    if cls is not int:
                        v = _excel_number(v, r, c)
                    parts.append(f'<c r="{letters[c]}{number}"><v>{v:.16G}</v></c>')
                else:
                    raise TypeError(f"write_table: unsupported value {v!r} in row {r}, column {c}")
                if first is None:
                    first = c
                last = c
            if parts:
                rendered[r] = ("".join(parts), first, last)
                low_col = first if low_col is None else min(low_col, first)
                high_col = last if high_col is None else max(high_col, last)
                low_row = r if low_row is None else low_row
                high_row = r
        self._count_strings(shared_count)
        self._check_table_dimensions(low_row, low_col, high_row, high_col)

    def _store_cells(self, first_row: int, rows: list, formats, clean, limit: int) -> None:
        """Rows with formats: xlsxwriter's cell tuples, serialized by _write_rows.

        The type dispatch is _render_rows's, written out again on purpose: a shared helper would
        cost a function call per cell in the loop this class exists to make fast. The rules behind
        it are shared: _text_index (once per distinct text) and _excel_number.
        """
        indexes: dict[str, int] = {}  # text as given → its shared-string index
        shared_count = 0
        new = tuple.__new__  # what the namedtuples' __new__ calls, without its Python frame
        text, number = CellStringTuple, CellNumberTuple
        table = self.table
        low_col, high_col, low_row, high_row = None, None, None, None
        for r, row in enumerate(rows, first_row):
            cells = {}
            for c, v in enumerate(row):
                cls = v.__class__
                if cls is str:
                    index = indexes.get(v)
                    if index is None:
                        if not v:
                            continue
                        index = indexes[v] = self._text_index(v, clean, limit)
                    shared_count += 1
                    cells[c] = new(text, (index, formats.get(c) if formats else None))
                elif v is None:
                    continue
                elif cls is int or cls is float or cls is Decimal:
                    if cls is not int:
                        v = _excel_number(v, r, c)
                    cells[c] = new(number, (v, formats.get(c) if formats else None))
                else:
                    raise TypeError(f"write_table: unsupported value {v!r} in row {r}, column {c}")
            if cells:
                table[r].update(cells)
                low = min(cells)
                high = max(cells)
                low_col = low if low_col is None else min(low_col, low)
                high_col = high if high_col is None else max(high_col, high)
                low_row = r if low_row is None else low_row
                high_row = r
        self._count_strings(shared_count)
        self._check_table_dimensions(low_row, low_col, high_row, high_col)

    def _text_index(self, text: str, clean, limit: int) -> int:
        """A text's index in the shared strings, added if new, as _get_shared_string_index would.

        Text longer than half the limit (it counts UTF-16 units) or not printable goes through
        ``clean`` first. Called once per distinct text of a table, not per cell.
        """
        if clean is not None and (len(text) > limit // 2 or not text.isprintable()):
            text = clean(text)
        strings = self.str_table.string_table
        index = strings.get(text)
        if index is None:
            index = strings[text] = len(strings)
        return index

    def _count_strings(self, written: int) -> None:
        """What SharedStringTable._get_shared_string_index counts per string, for a whole table."""
        self.str_table.count += written
        self.str_table.unique_count = len(self.str_table.string_table)

    def _check_table_dimensions(self, low_row, low_col, high_row, high_col) -> None:
        if low_row is not None:  # within bounds (write_table checked): this widens the sheet's dimensions
            self._check_dimensions(low_row, low_col)
            self._check_dimensions(high_row, high_col)

    def _write_table_slowly(self, first_row, rows, formats, clean, limit) -> None:
        for r, row in enumerate(rows, first_row):
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                if isinstance(v, str) and clean is not None and (len(v) > limit // 2 or not v.isprintable()):
                    v = clean(v)
                elif isinstance(v, Decimal):
                    v = float(v)
                elif not isinstance(v, (str, int, float)) or isinstance(v, bool):
                    raise TypeError(f"write_table: unsupported value {v!r} in row {r}, column {c}")
                self._write(r, c, v, formats.get(c))

    def _prepare_formula(self, formula, *args, **kwargs):
        # xlsxwriter tries 29 regex substitutions on every formula; the rollup's SUMIFS need none.
        # Its arguments differ between versions (3.1.0 takes only the formula; 3.3 may add
        # expand_future_functions=True): any call with more than the formula goes to xlsxwriter as it came.
        if (not FAST or args or kwargs or self.use_future_functions or "_xlfn." in formula
                or _may_be_rewritten(formula)):
            return super()._prepare_formula(formula, *args, **kwargs)
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula

    def _calculate_spans(self) -> None:
        # Same spans as xlsxwriter's (per block of 16 rows, 1-based "min:max" of the columns used),
        # from each row's keys instead of testing every column of every row.
        if not FAST:
            return super()._calculate_spans()
        spans: dict[int, list[int]] = {}
        extents = [(r, min(cells), max(cells)) for r, cells in self.table.items() if cells]
        extents += [(r, low, high) for r, (_, low, high) in self._rendered.items()]
        extents += [(r, min(cols), max(cols)) for r, cols in self.comments.items() if cols]
        for row_num, low, high in extents:
            span = spans.get(row_num // 16)
            if span is None:
                spans[row_num // 16] = [low, high]
            else:
                span[0], span[1] = min(span[0], low), max(span[1], high)
        self.row_spans = {i: f"{low + 1}:{high + 1}" for i, (low, high) in spans.items()}

    def _write_rows(self) -> None:
        if not FAST or self.constant_memory or self.dim_rowmin is None:
            return super()._write_rows()
        self._calculate_spans()
        table, row_info, comments, spans = self.table, self.row_info, self.comments, self.row_spans
        letters = [xl_col_to_name(c) for c in range(self.dim_colmax + 1)]
        column_xf = {c: f' s="{info.column_format._get_xf_index()}"'
                     for c, info in self.col_info.items() if info.column_format is not None}
        xf: dict[int, str] = {}
        write = self.fh.write
        rendered = self._rendered
        if rendered and column_xf:
            raise ValueError("TableSheet: set_column() with a format after write_table(); set it before")
        # A row without row_info has a bare <row r spans> tag, unless the sheet's default height
        # or Excel 2010 attributes apply to every row (then xlsxwriter's _write_row writes it).
        bare_rows = self.default_row_height == self.original_row_height and self.excel_version != 2010
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)
            info = row_info.get(row_num)
            done = rendered.get(row_num)
            if done is not None:
                if cells or (info is not None and info.row_format):
                    raise ValueError(f"TableSheet: row {row_num + 1} was written by write_table() and changed afterwards")
                self._start_row(row_num, spans, info, bare_rows)
                write(done[0] + "</row>")
                continue
            if not cells:
                if info is not None or row_num in comments:
                    self._write_empty_row(row_num, spans.get(row_num // 16), info)
                continue
            self._start_row(row_num, spans, info, bare_rows)
            if info is not None and info.row_format:  # cells without a format take the row's: rare, leave to xlsxwriter
                for col in sorted(cells):
                    self._write_cell(row_num, col, cells[col])
                write("</row>")
                continue
            number = row_num + 1
            out = []
            for col in sorted(cells):
                cell = cells[col]
                cls = cell.__class__
                if cls is CellStringTuple or cls is CellNumberTuple:
                    fmt = cell.format
                    if fmt is None:
                        style = column_xf.get(col, "")
                    else:
                        style = xf.get(id(fmt))
                        if style is None:
                            style = xf[id(fmt)] = f' s="{fmt._get_xf_index()}"'
                    if cls is CellStringTuple:
                        out.append(f'<c r="{letters[col]}{number}"{style} t="s"><v>{cell.string}</v></c>')
                    else:
                        out.append(f'<c r="{letters[col]}{number}"{style}><v>{cell.number:.16G}</v></c>')
                else:
                    write("".join(out))
                    out.clear()
                    self._write_cell(row_num, col, cell)
            out.append("</row>")
            write("".join(out))

    def _start_row(self, row_num: int, spans: dict, info, bare: bool) -> None:
        span = spans.get(row_num // 16)
        if info is None and bare:
            self.fh.write(f'<row r="{row_num + 1}" spans="{span}">' if span else f'<row r="{row_num + 1}">')
        else:
            self._write_row(row_num, span, info)
