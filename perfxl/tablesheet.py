"""An xlsxwriter worksheet that stores and writes large plain tables fast, byte for byte as xlsxwriter would.

The summary's tables are ~150,000 cells per 1,000 projects, and xlsxwriter spends about 6 µs of
Python per cell (type dispatch and dimension checks on the way in, one method call and an
attribute list per cell on the way out). ``write_table`` checks a whole table column by column,
gives its new texts their shared-string indexes and keeps the rows; when the workbook closes,
``_write_rows`` renders them a few thousand rows at a time, column by column (a text's cell is
made once per column, then looked up; a row number goes into a row's cells in one replace), so
that a cell costs a few C-level calls and no sheet's XML is ever held whole. Any other cell or
row (formulas, row formats, comments) goes through xlsxwriter's own code. ``_prepare_formula``
skips xlsxwriter's 29 substitutions when none of them can apply; ``set_heights`` sets many row
heights at once. The output is identical to the stock Worksheet's — tests/test_tablesheet.py
compares the XML.

``TableWorkbook`` deflates the package at a faster zlib level than xlsxwriter's fixed default,
streams each TableSheet's XML into its zip entry and stores every part in a thread while Python
writes the next (zlib, crc32 and file I/O release the GIL: the second core deflates), and writes
plain shared strings in one step. Its file is byte for byte xlsxwriter's at that level (tested).

This relies on xlsxwriter's internals (``table``, ``row_info``, ``str_table``, the cell
namedtuples, how ``_store_workbook`` makes the zip file, how the Packager names the parts), which
change between minor versions. The fast path (FAST) was checked against xlsxwriter 3.3.0 and
3.3.1. With any other version every method here leaves the work to xlsxwriter's own code, slower
and the same; that fallback was checked against 3.1.0, 3.1.7, 3.1.9, 3.2.0 and 3.2.9.
tests/test_tablesheet.py runs every case both ways, and .ci/run runs it with the oldest and the
newest xlsxwriter pyproject.toml allows.
"""

from __future__ import annotations

import io
import os
import re
import sys
import threading
import time
import zipfile
from bisect import bisect_left
from queue import Full, Queue
from decimal import Decimal
from functools import partial
from itertools import chain, repeat, zip_longest
from math import isfinite
from operator import is_not

import xlsxwriter
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

FAST = xlsxwriter.__version__.split(".")[:2] == ["3", "3"]  # checked against 3.3.0 and 3.3.1
if FAST:
    from xlsxwriter.worksheet import CellNumberTuple, CellStringTuple, RowInfo

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


# A shared string xlsxwriter writes as it is unless it has one of these (or white space at an end).
_UNPLAIN = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")

# Deflate level of the package. zlib's default (6) spends twice the time of level 4 on the
# summary's XML for 7% less size (1,000 forms: 0.10 s vs 0.04 s; 658 KB vs 706 KB).
ZIP_LEVEL = 4


PART_CHUNK = 1 << 22  # characters a sheet is deflated by at a time: long GIL-free stretches for the thread
_STAMP = time.mktime((1980, 1, 31, 0, 0, 0, 0, 0, -1))  # the parts' time, as xlsxwriter's _store_workbook sets it


class _ZipFile(zipfile.ZipFile):
    """The package's zip file at ZIP_LEVEL; parts a _Zipper already stored are not written again."""

    zipper: _Zipper | None = None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("compresslevel", ZIP_LEVEL)
        super().__init__(*args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs):
        if self.zipper is not None and self.zipper.stored(filename):
            return None
        return super().write(filename, arcname, *args, **kwargs)


class _Zipper:
    """Stores the package's parts in the zip file in a thread while Python writes the next ones.

    A TableSheet streams its XML straight into its zip entry (``stream``); any other part is stored
    from its temp file once the packager has named the next part (``submit``). zlib, crc32 and file
    I/O release the GIL, so the second core deflates 指标明细 while Python renders it. One thread,
    parts in their order: the zip file is byte for byte what xlsxwriter makes.
    """

    def __init__(self):
        self.zip: _ZipFile | None = None
        self.jobs: Queue = Queue()
        self.thread = threading.Thread(target=self._work, name="perfxl-zip", daemon=True)
        self.thread.start()
        self.pending: dict[str, _Job] = {}  # temp file → its part's storing
        self.aborted = False
        self.names: dict[str, str] = {}  # temp file → the part's name in the package
        self.streams: list[_PartWriter] = []

    def submit(self, os_filename: str, xml_filename: str) -> None:
        self.pending[os_filename] = self._submit(self._store, os_filename, xml_filename)

    def _store(self, os_filename: str, xml_filename: str) -> None:
        os.utime(os_filename, (_STAMP, _STAMP))  # what _store_workbook does before zipping a part
        zipfile.ZipFile.write(self.zip, os_filename, xml_filename)

    def stream(self, os_filename: str) -> _PartWriter:
        """A text file for the part whose temp file this is, deflated into the zip as it is written."""
        os.utime(os_filename, (_STAMP, _STAMP))
        zinfo = zipfile.ZipInfo.from_file(os_filename, self.names[os_filename])  # as ZipFile.write makes it
        zinfo.compress_type = self.zip.compression
        zinfo._compresslevel = self.zip.compresslevel
        chunks: Queue = Queue(maxsize=4)
        writer = _PartWriter(chunks)
        self.streams.append(writer)
        writer.job = self.pending[os_filename] = self._submit(self._deflate, zinfo, chunks)
        return writer

    def _deflate(self, zinfo: zipfile.ZipInfo, chunks: Queue) -> None:
        with self.zip.open(zinfo, "w") as dest:
            while (chunk := chunks.get()) is not None:
                if not self.aborted:
                    dest.write(chunk)

    def stored(self, os_filename: str) -> bool:
        """Whether the thread stored this part (raising what it raised); waits until every earlier part is in."""
        job = self.pending.pop(os_filename, None)
        if job is not None:
            job.result()
            return True
        for earlier in list(self.pending.values()):
            earlier.result()
        return False

    def _submit(self, work, *args) -> _Job:
        job = _Job(work, args)
        self.jobs.put(job)
        return job

    def _work(self) -> None:
        while (job := self.jobs.get()) is not None:
            job.run(skip=self.aborted)

    def close(self, aborted: bool = False) -> None:
        """Wait for the thread to store every part; after an error (or Ctrl-C) it only ends its entry."""
        self.aborted = aborted
        for writer in self.streams:  # a sheet that raised half-way ends its entry, so the thread ends
            writer.close()
        self.jobs.put(None)
        self.thread.join()


class _Job:
    """One part for the zipper's thread; ``result`` waits for it and raises what it raised."""

    def __init__(self, work, args):
        self.work, self.args, self.error, self.finished = work, args, None, threading.Event()

    def run(self, skip: bool = False) -> None:
        try:
            if not skip:
                self.work(*self.args)
        except BaseException as error:  # handed to the thread waiting for this part
            self.error = error
        finally:
            self.finished.set()

    def done(self) -> bool:
        return self.finished.is_set()

    def result(self) -> None:
        self.finished.wait()
        if self.error is not None:
            raise self.error


class _PartWriter:
    """The file a worksheet writes its XML to, handing it on in chunks of PART_CHUNK characters, as
    UTF-8 with the line ends of a text file (what xlsxwriter's temp file would hold)."""

    job: _Job | None = None

    def __init__(self, chunks: Queue):
        self.chunks, self.parts, self.size, self.closed = chunks, [], 0, False

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= PART_CHUNK:
            self._hand("".join(self.parts))
            self.parts, self.size = [], 0

    def _hand(self, chunk) -> None:
        if chunk is not None:
            chunk = (chunk if os.linesep == "\n" else chunk.replace("\n", os.linesep)).encode()
        while True:  # the thread may have failed: its error is raised where the part is waited for
            try:
                return self.chunks.put(chunk, timeout=0.5)
            except Full:
                if self.job.done():
                    return None

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.parts:
                self._hand("".join(self.parts))
            self._hand(None)


class _SharedStrings(SharedStrings):
    """sharedStrings.xml as xlsxwriter writes it, with a plain text's <si> made in one step."""

    def _write_sst_strings(self) -> None:
        out = []
        for string in self.string_table.string_array:
            # str.isspace is regex's \s: the ends RE_LEADING_WHITESPACE and RE_TRAILING_WHITESPACE look at.
            if _UNPLAIN.search(string) or string[:1].isspace() or string[-1:].isspace():
                self.fh.write("".join(out))
                out.clear()
                self._write_si(string)  # escapes, xml:space="preserve", rich text: xlsxwriter's own code
            else:
                out.append(f"<si><t>{string}</t></si>")
        self.fh.write("".join(out))


class _Packager(Packager):
    """xlsxwriter's Packager, handing each finished part to a _Zipper and writing shared strings faster."""

    def __init__(self, zipper: _Zipper | None):
        super().__init__()
        self.zipper = zipper
        self.handed = 0  # parts handed to the zipper

    def _filename(self, xml_filename):
        name = super()._filename(xml_filename)
        if self.zipper is not None and not self.in_memory:  # every part before this new one is written
            for os_filename, xml_name, _ in self.filenames[self.handed:-1]:
                if os_filename not in self.zipper.pending:  # not streamed already
                    self.zipper.submit(os_filename, xml_name)
            self.handed = len(self.filenames) - 1
            self.zipper.names[name] = xml_filename
        return name

    def _write_shared_strings_file(self) -> None:
        if not self.workbook.str_table.count:
            return
        sst = _SharedStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


class TableWorkbook(Workbook):
    """An xlsxwriter Workbook that deflates its package at ZIP_LEVEL (xlsxwriter has no option for it),
    each part in a thread while the next is written (_Zipper), and writes shared strings faster.

    Only with the xlsxwriter version FAST is for: this relies on how its _store_workbook makes the
    zip file and its Packager names the parts; with any other version this is xlsxwriter's Workbook.
    """

    _zipper: _Zipper | None = None

    def _get_packager(self):
        return _Packager(self._zipper) if FAST else super()._get_packager()

    def _store_workbook(self) -> None:
        module = sys.modules[Workbook.__module__]  # xlsxwriter.workbook calls ZipFile(...) by that name
        if not FAST or getattr(module, "ZipFile", None) is not zipfile.ZipFile:
            return super()._store_workbook()
        # Not in memory (no temp files to hand on), nor with ZIP64 (decided on a part's size, unknown while streaming).
        zipper = self._zipper = None if self.in_memory or self.allow_zip64 else _Zipper()

        def make_zip(*args, **kwargs) -> _ZipFile:
            made = _ZipFile(*args, **kwargs)
            if zipper is not None:
                made.zipper, zipper.zip = zipper, made
            return made

        module.ZipFile = make_zip
        for sheet in self.worksheets():
            sheet._zipper = zipper
        failed = True
        try:
            super()._store_workbook()
            failed = False
        finally:
            module.ZipFile = zipfile.ZipFile
            if zipper is not None:
                zipper.close(aborted=failed)
            for sheet in self.worksheets():
                sheet._zipper = None
            self._zipper = None


class _Table:
    """A table stored by write_table: its rows (kept, not copied) and what rendering them needs."""

    __slots__ = ("first", "rows", "width", "formats", "strings", "cleaned", "spans")

    def __init__(self, first: int, rows: list, width: int, formats: dict, strings: dict, cleaned: dict, spans: dict):
        self.first, self.rows, self.width, self.formats = first, rows, width, formats
        self.strings = strings  # the workbook's text → index (xlsxwriter swaps in an empty dict at close)
        self.cleaned = cleaned  # text as given → its shared-string index, for texts ``clean`` changed
        self.spans = spans  # block of 16 rows → [first, last] column used

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1


CHUNK = 2048  # rows rendered at a time: the sheet's XML streams out instead of being held whole
_PLAIN = frozenset({str, int, float, Decimal, type(None)})  # what the column-wise code takes
_TEXT = frozenset({str, type(None)})
_INT = frozenset({int})
_BLANK = frozenset({None, ""})
_PRESENT = partial(is_not, None)
_EXACT = 2 ** 53  # whole numbers below this are exact as floats: str() prints them as "%.16G" does
_ROW = "\x00"  # stands for the row number in a rendered cell; replaced once per row, never in XML


class TableSheet(Worksheet):
    """A Worksheet with ``write_table``; everything else is xlsxwriter's."""

    _zipper: _Zipper | None = None  # set by TableWorkbook while it stores the package

    def __init__(self):
        super().__init__()
        self._tables: list[_Table] = []

    def _set_xml_writer(self, filename) -> None:
        # In a TableWorkbook the sheet's XML goes straight into the zip file (the temp file stays empty).
        if self._zipper is None or not isinstance(filename, str):
            return super()._set_xml_writer(filename)
        self.internal_fh = True
        self.fh = self._zipper.stream(filename)

    def write_table(self, first_row: int, rows, formats: dict | None = None, clean=None, limit: int = 32767) -> None:
        """Store ``rows`` from ``first_row`` down, column 0 on: text as shared strings, numbers as numbers.

        None and "" leave the cell empty; Decimal is written as float; ``formats`` maps a column to
        its cell format; text that is longer than ``limit`` or not printable goes through ``clean``
        (which must make it fit). Same cells as ``write_row`` for each row, without its per-cell cost.

        The rows are kept (not copied) and rendered when the workbook is closed, a few thousand at a
        time: do not change them afterwards. Nor may their rows take a cell, a row format or a column
        format afterwards: closing raises instead of losing it.
        """
        rows = rows if isinstance(rows, list) else list(rows)
        width = max(map(len, rows), default=0)
        if first_row < 0 or first_row + len(rows) > self.xls_rowmax or width > self.xls_colmax:
            raise ValueError(f"write_table: {len(rows)} rows from row {first_row} do not fit in the worksheet")
        if not FAST:
            return self._write_table_slowly(first_row, rows, formats or {}, clean, limit)
        last = first_row + len(rows) - 1
        if (self.constant_memory or any(i.column_format is not None for i in self.col_info.values())
                or any(first_row <= r <= last for r, cells in self.table.items() if cells)
                or any(t.first <= last and first_row <= t.last for t in self._tables)):
            return self._store_cells(first_row, rows, formats, clean, limit)
        taken = self._take(first_row, rows, clean, limit)
        if taken is None:  # a value the column-wise code does not take: the cell loop says what is wrong
            return self._store_cells(first_row, rows, formats, clean, limit)
        count, spans, low_row, high_row, cleaned = taken
        self._count_strings(count)
        if low_row is not None:
            low = min(lo for lo, _ in spans.values())
            high = max(hi for _, hi in spans.values())
            self._check_table_dimensions(low_row, low, high_row, high)
        self._tables.append(_Table(first_row, rows, width, dict(formats or {}), self.str_table.string_table, cleaned,
                                   spans))

    def set_heights(self, heights: dict[int, float]) -> None:
        """``set_row(row, height)`` for each row given, in one go: the summary sets tens of thousands."""
        pixels = {row: int(height * 4.0 / 3.0 + 0.5) for row, height in heights.items() if height is not None}
        if not FAST or not heights or len(pixels) < len(heights) or not all(pixels.values()):
            for row, height in heights.items():  # a height of None or 0 px resets or hides: set_row's own code
                self.set_row(row, height)
            return
        low_col = self.dim_colmin if self.dim_colmin is not None else 0
        if self._check_dimensions(min(pixels), low_col) or self._check_dimensions(max(pixels), low_col):
            raise ValueError("set_heights: a row is outside the worksheet")
        for row, height in pixels.items():  # what set_row_pixels stores for a height alone
            self.row_info[row] = RowInfo(height)
            self.row_sizes[row] = [height, False]

    def _take(self, first_row: int, rows: list, clean, limit: int):
        """Check the rows column by column and note what the sheet needs before they are written: each new
        text's shared-string index (in write_row's order, row by row), the number of text cells, each block
        of 16 rows' columns, the first and last row with a cell. None, with the strings table as it was,
        if a value is no text or finite number (the cell loop then raises as it should)."""
        strings = self.str_table.string_table
        size = len(strings)
        count, spans, low_row, high_row = 0, {}, None, None
        cleaned: dict[str, int] = {}  # text as given → its index, for texts ``clean`` changed
        checked: set[str] = set()
        try:
            for start in range(0, len(rows), CHUNK):
                part = rows[start:start + CHUNK]
                base = first_row + start
                full, partial, texts = [], [], []  # columns with a value in every row, in some; with new text
                for c, column in enumerate(zip_longest(*part)):
                    kinds = set(map(type, column))
                    if not kinds <= _PLAIN:
                        raise TypeError(c)
                    if (float in kinds or Decimal in kinds) and not all(map(isfinite, filter(_PRESENT, column))):
                        raise TypeError(c)
                    # None by identity: column.count(None) would compare every Decimal with None, slowly.
                    empty = len(column) - sum(map(is_not, column, repeat(None))) if type(None) in kinds else 0
                    if str in kinds:
                        distinct = set(column)
                        if "" in distinct:
                            empty += column.count("")
                        count += len(column) - empty if kinds <= _TEXT else sum(1 for v in column if v.__class__ is str and v)
                        if not distinct.difference(checked).issubset(_BLANK):
                            texts.append(column)
                    if empty == 0:
                        full.append((c, column))
                    elif empty < len(column):
                        partial.append((c, column))
                # First occurrences row by row, in the columns with new text: the order write_row indexes them in.
                for v in dict.fromkeys(chain.from_iterable(zip(*texts))) if texts else ():
                    if v.__class__ is not str or not v or v in checked:
                        continue
                    checked.add(v)
                    if clean is not None and (len(v) > limit // 2 or not v.isprintable()):
                        cleaned[v] = self._text_index(v, clean, limit)
                    elif v not in strings:
                        strings[v] = len(strings)
                # Spans: the columns present in every row bound each block; others count only outside them.
                low, high = (full[0][0], full[-1][0]) if full else (None, None)
                outside = {c: {(base + i) >> 4 for i, v in enumerate(column) if v is not None and v != ""}
                           for c, column in partial if low is None or not low < c < high}
                for b in range(base >> 4, ((base + len(part) - 1) >> 4) + 1):
                    used = [c for c, blocks in outside.items() if b in blocks] + ([low, high] if full else [])
                    if used:
                        span = spans.get(b)
                        lo, hi = min(used), max(used)
                        spans[b] = [lo, hi] if span is None else [min(span[0], lo), max(span[1], hi)]
                if full:
                    filled = range(base, base + len(part))
                else:
                    filled = [base + i for i, row in enumerate(part) if any(v is not None and v != "" for v in row)]
                if filled:
                    low_row = filled[0] if low_row is None else low_row
                    high_row = filled[-1]
        except (TypeError, ValueError, OverflowError):  # no text or finite number (isfinite raises on some)
            while len(strings) > size:
                strings.popitem()
            return None
        return count, spans, low_row, high_row, cleaned

    def _store_cells(self, first_row: int, rows: list, formats, clean, limit: int) -> None:
        """The table as xlsxwriter's cell tuples, merged into rows written before, serialized by _write_rows.

        For what a stored table cannot be: rows that hold cells already, a sheet with column formats
        or constant_memory, a value that is no text or finite number (raised here, cell by cell).
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
        # Its arguments differ between versions (3.1.0 takes only the formula; 3.3 adds
        # expand_future_functions=True for a conditional format, and then tries over 150, compiling
        # each pattern once a process, ≈ 10 ms): any call with more than the formula goes to xlsxwriter
        # as it came, unless the formula has no "(" (the summary's "TRUE" and '"错误"'), which every
        # substitution needs.
        if not FAST or "(" in formula and (args or kwargs or self.use_future_functions or "_xlfn." in formula
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
        extents = [(r >> 4, min(cells), max(cells)) for r, cells in self.table.items() if cells]
        extents += [(r >> 4, min(cols), max(cols)) for r, cols in self.comments.items() if cols]
        extents += [(b, low, high) for t in self._tables for b, (low, high) in t.spans.items()]
        for block, low, high in extents:
            span = spans.get(block)
            if span is None:
                spans[block] = [low, high]
            else:
                span[0], span[1] = min(span[0], low), max(span[1], high)
        self.row_spans = {i: f"{low + 1}:{high + 1}" for i, (low, high) in spans.items()}

    def _write_rows(self) -> None:
        if not FAST or self.constant_memory or self.dim_rowmin is None:
            return super()._write_rows()
        self._check_tables()
        self._calculate_spans()
        table, row_info, comments, spans = self.table, self.row_info, self.comments, self.row_spans
        # A stored table's last columns may be empty, outside the dimensions: their (empty) cells still need a letter.
        letters = [xl_col_to_name(c) for c in range(max([self.dim_colmax + 1] + [t.width for t in self._tables]))]
        column_xf = {c: f' s="{info.column_format._get_xf_index()}"'
                     for c, info in self.col_info.items() if info.column_format is not None}
        xf: dict[int, str] = {}
        write = self.fh.write
        # A row without row_info has a bare <row r spans> tag, unless the sheet's default height
        # or Excel 2010 attributes apply to every row (then xlsxwriter's _write_row writes it).
        bare_rows = self.default_row_height == self.original_row_height and self.excel_version != 2010
        # A table is written when the loop reaches its first row (or the sheet's, if rows above are empty).
        starts = {max(t.first, self.dim_rowmin): t for t in self._tables if t.last >= self.dim_rowmin}
        row_num = self.dim_rowmin
        while row_num <= self.dim_rowmax:
            stored = starts.get(row_num)
            if stored is not None:
                self._write_table_rows(stored, row_num, letters, bare_rows)
                row_num = stored.last + 1
                continue
            cells = table.get(row_num)
            info = row_info.get(row_num)
            row_num += 1
            r = row_num - 1
            if not cells:
                if info is not None or r in comments:
                    self._write_empty_row(r, spans.get(r >> 4), info)
                continue
            self._start_row(r, spans, info, bare_rows)
            if info is not None and info.row_format:  # cells without a format take the row's: rare, leave to xlsxwriter
                for col in sorted(cells):
                    self._write_cell(r, col, cells[col])
                write("</row>")
                continue
            number = r + 1
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
                    self._write_cell(r, col, cell)
            out.append("</row>")
            write("".join(out))

    def _get_range_data(self, row_start, col_start, row_end, col_end):
        # A chart's cached values, read from the stored tables as xlsxwriter reads its own cells.
        if not FAST or not any(t.first <= row_end and row_start <= t.last for t in self._tables):
            return super()._get_range_data(row_start, col_start, row_end, col_end)
        data = []
        for row_num in range(row_start, row_end + 1):
            stored = next((t for t in self._tables if t.first <= row_num <= t.last), None)
            if stored is None:
                data += super()._get_range_data(row_num, col_start, row_num, col_end)
                continue
            row = stored.rows[row_num - stored.first]
            if all(v is None or v == "" for v in row):
                data.append(None)  # a row without cells: one None, as for a row xlsxwriter does not have
                continue
            for col_num in range(col_start, col_end + 1):
                v = row[col_num] if col_num < len(row) else None
                if v is None or v == "":
                    data.append(None)
                elif v.__class__ is str:
                    data.append(self.str_table._get_shared_string(stored.cleaned.get(v, stored.strings.get(v))))
                else:
                    data.append(f"{v if v.__class__ is int else float(v):.16g}")
        return data

    def _check_tables(self) -> None:
        """A stored table's rows are its own: a cell, a row format or a column format added afterwards raises."""
        if not self._tables:
            return
        if any(i.column_format is not None for i in self.col_info.values()):
            raise ValueError("TableSheet: set_column() with a format after write_table(); set it before")
        changed = [r for r, cells in self.table.items() if cells]
        changed += [r for r, info in self.row_info.items() if info.row_format]
        for t in self._tables:
            for r in changed:
                if t.first <= r <= t.last:
                    raise ValueError(f"TableSheet: row {r + 1} was written by write_table() and changed afterwards")

    def _write_table_rows(self, t: _Table, begin: int, letters: list[str], bare: bool) -> None:
        """A stored table as XML, CHUNK rows at a time and column by column: each column's cells become
        strings with a placeholder for the row number, joined and numbered once per row. That is a few
        C-level calls per cell where a loop over cells would run a dozen bytecodes each."""
        styles = self._table_styles(t)
        known: list[dict] = [{None: "", "": ""} for _ in range(t.width)]  # per column: value → its cell
        row_info, comments, spans = self.row_info, self.comments, self.row_spans
        tags: dict[tuple, str] = {}  # (span, row_info) → the <row> tag, after the </row> of the row before

        def tag(span: str | None, info) -> str:
            key = (span, None) if info is None else (span, info.height, info.hidden, info.level, info.collapsed)
            text = tags.get(key)
            if text is None:
                text = tags[key] = f'</row><row r="{_ROW}"' + (
                    (f' spans="{span}">' if span else ">") if info is None and bare else self._row_tag(span, info))
            return text

        first, last = t.first, t.last
        with_info = sorted(r for r in row_info if first <= r <= last)  # rows with a height or the like
        write = self.fh.write
        end = min(t.last, self.dim_rowmax)
        for start in range(begin, end + 1, CHUNK):
            part = t.rows[start - t.first:min(end + 1, start + CHUNK) - t.first]
            cells = []
            for c, column in enumerate(zip_longest(*part)):
                if len(known[c]) > 50_000:  # a column of mostly distinct values: keep the memory bounded
                    known[c] = {None: "", "": ""}
                cells += self._column_cells(column, f'<c r="{letters[c]}{_ROW}"{styles[c]}', known[c], t)
            bodies = list(map("".join, zip(*cells)))
            rows = range(start, start + len(part))
            if "" in bodies:  # a row without cells: written only if it has row_info or a comment
                for r, body in zip(rows, bodies):
                    if body:
                        head = tag(spans.get(r >> 4), row_info.get(r))[6:]
                        write(head.replace(_ROW, str(r + 1)) + body.replace(_ROW, str(r + 1)) + "</row>")
                    elif r in row_info or r in comments:
                        self._write_empty_row(r, spans.get(r >> 4), row_info.get(r))
                continue
            # Each row's tag starts with the </row> of the row before: one string per row, numbered at once.
            # A row's tag is its block of 16's unless it has row_info (a few rows, found by bisection).
            plain = {b: tag(spans.get(b), None) for b in range(start >> 4, (rows[-1] >> 4) + 1)}
            heads = [plain[r >> 4] for r in rows]
            for r in with_info[bisect_left(with_info, start):bisect_left(with_info, rows[-1] + 1)]:
                heads[r - start] = tag(spans.get(r >> 4), row_info[r])
            numbers = map(str, range(start + 1, start + len(part) + 1))
            numbered = map(str.replace, map(str.__add__, heads, bodies), repeat(_ROW), numbers)
            write("".join(numbered)[6:] + "</row>")

    @staticmethod
    def _column_cells(column: tuple, head: str, known: dict, t: _Table) -> list:
        """A column's cells (with the row number left as _ROW) as iterables for zip: a text's cell is made
        once and looked up after; whole numbers are str()'d in C; other numbers are cached but for
        zeros, since 0 and -0.0 are one key and print apart."""
        kinds = set(map(type, column))
        if kinds <= _TEXT:
            for v in set(column).difference(known):
                known[v] = f'{head} t="s"><v>{t.cleaned.get(v, t.strings.get(v))}</v></c>'
            return [list(map(known.__getitem__, column))]
        if kinds == _INT and -_EXACT < min(column) and max(column) < _EXACT:  # str(v) is then what .16G prints
            return [repeat(f"{head}><v>"), map(str, column), repeat("</v></c>")]
        if str not in kinds:
            for v in set(column).difference(known):
                if v != 0:
                    known[v] = f"{head}><v>{v if v.__class__ is int else float(v):.16G}</v></c>"
            out = list(map(known.get, column))
            if None in out:
                out = [x if x is not None else f"{head}><v>{v if v.__class__ is int else float(v):.16G}</v></c>"
                       for x, v in zip(out, column)]
            return [out]
        return [[(f'{head} t="s"><v>{t.cleaned.get(v, t.strings.get(v))}</v></c>' if v.__class__ is str else  # rare
                  f"{head}><v>{v if v.__class__ is int else float(v):.16G}</v></c>") if v is not None and v != "" else ""
                 for v in column]]

    def _table_styles(self, t: _Table) -> list[str]:
        """Each column's s="…" attribute. xlsxwriter numbers a format when a cell first uses it, so the
        formats are numbered here in the order of the cells that first use them (row by row)."""
        first_use = []
        for c, fmt in t.formats.items():
            if fmt is None or c >= t.width:
                continue
            used = next((i for i, row in enumerate(t.rows) if c < len(row) and row[c] is not None and row[c] != ""), None)
            if used is not None:
                first_use.append((used, c, fmt))
        styles = [""] * t.width
        for _, c, fmt in sorted(first_use, key=lambda u: u[:2]):
            styles[c] = f' s="{fmt._get_xf_index()}"'
        return styles

    def _row_tag(self, span: str | None, info) -> str:
        """What xlsxwriter's _write_row writes after r="…" for a row of this span and row_info."""
        fh, self.fh = self.fh, io.StringIO()
        try:
            self._write_row(0, span, info)
            return self.fh.getvalue()[len('<row r="1"'):]
        finally:
            self.fh = fh

    def _start_row(self, row_num: int, spans: dict, info, bare: bool) -> None:
        span = spans.get(row_num // 16)
        if info is None and bare:
            self.fh.write(f'<row r="{row_num + 1}" spans="{span}">' if span else f'<row r="{row_num + 1}">')
        else:
            self._write_row(row_num, span, info)
