"""TableSheet writes exactly what xlsxwriter's own Worksheet writes (XlsxWriter-style comparison tests).

Each case builds one workbook twice, once with write_row on the stock Worksheet and once with
TableSheet.write_table, and compares every part of the two packages byte for byte.
"""

import datetime as dt
import inspect
import re
import zipfile
import zlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from perfxl import tablesheet
from perfxl.output import cell_text
from perfxl.tablesheet import TableSheet


@pytest.fixture(autouse=True, params=["fast", "fallback"])
def writer_path(request, monkeypatch):
    """Every case twice: TableSheet's own code, and the fallback other xlsxwriter versions get."""
    if request.param == "fast" and not tablesheet.FAST:
        pytest.skip(f"TableSheet's own code is for xlsxwriter 3.3, not {xlsxwriter.__version__}: "
                    "check its internals and update FAST")
    if request.param == "fallback":
        monkeypatch.setattr(tablesheet, "FAST", False)

ROWS = [
    ["序号", "项目名称", "金额", None, "", "备注"],
    [1, "信息化建设运维经费", Decimal("578.83"), 12.5, "", None],
    [2, "A&B <公司> \"引号\"", Decimal("0"), -3, "  前后空格  ", "第二行\n换行"],
    [3, "=SUM(A1:A2)", 1e20, 0.1 + 0.2, "http://example.com", "x" * 40],
]


def _package(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _build(path, cls, fill, options=None):
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False, **(options or {})})
    wb.set_properties({"created": dt.datetime(2023, 1, 1)})
    money = wb.add_format({"num_format": "#,##0.00", "border": 1})
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet("表", worksheet_class=cls)
    fill(ws, {"money": money, "bold": bold})
    wb.close()
    return _package(path)


def _stock_rows(ws, first, rows, formats):
    for r, row in enumerate(rows, first):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            ws.write(r, c, float(v) if isinstance(v, Decimal) else v, formats.get(c))


def _same(tmp_path, fill_stock, fill_table, options=None):
    stock = _build(tmp_path / "stock.xlsx", Worksheet, fill_stock, options)
    table = _build(tmp_path / "table.xlsx", TableSheet, fill_table, options)
    assert stock.keys() == table.keys()
    for name in stock:
        assert stock[name] == table[name], name
    return table


def test_plain_table_is_identical(tmp_path):
    out = _same(tmp_path, lambda ws, f: _stock_rows(ws, 3, ROWS, {}), lambda ws, f: ws.write_table(3, ROWS))
    sheet = out["xl/worksheets/sheet1.xml"].decode()
    assert '<dimension ref="A4:F7"/>' in sheet
    assert '<c r="C5"><v>578.83</v></c>' in sheet
    assert '<c r="C7"><v>1E+20</v></c>' in sheet
    assert 'r="D4"' not in sheet and 'r="E5"' not in sheet  # None and "" leave no cell
    assert "A&amp;B &lt;公司&gt;" in out["xl/sharedStrings.xml"].decode()


def test_formats_formulas_and_row_settings_are_identical(tmp_path):
    def around(ws, f):
        ws.set_column(0, 0, 8, f["bold"])  # a column format shows on cells without their own
        ws.set_row(5, 30)
        ws.set_row(6, None, f["bold"])  # a row format: the row goes through xlsxwriter's own code
        ws.merge_range(0, 0, 0, 5, "标题", f["bold"])
        ws.write_comment(10, 7, "批注")  # spans count comments too
        ws.write_formula(8, 2, "=SUM(C4:C7)", f["money"], 578.83)
        ws.write_blank(8, 3, None, f["money"])

    def stock(ws, f):
        around(ws, f)
        _stock_rows(ws, 3, ROWS, {2: f["money"], 3: f["money"]})

    def table(ws, f):
        around(ws, f)
        ws.write_table(3, ROWS, {2: f["money"], 3: f["money"]})

    out = _same(tmp_path, stock, table)
    sheet = out["xl/worksheets/sheet1.xml"].decode()
    assert '<c r="A5" s="1"><v>1</v></c>' in sheet  # the column's format
    assert "<f>SUM(C4:C7)</f><v>578.83</v>" in sheet


FORMULAS = ['=SUMIFS($C$4:$C$7,$B$4:$B$7,"="&SUBSTITUTE($B4,"~","~~"))', "=UNIQUE(B4:B7)", "{=SUM(C4:C7*2)}",
            "=XSINGLE(1)", "=_xlfn.XLOOKUP(1,A4:A7,B4:B7)", "=STDEV.S(C4:C7)"]


@pytest.mark.parametrize("future", [False, True])
def test_formulas_are_identical(tmp_path, future):
    def fill(ws, f):
        for r, formula in enumerate(FORMULAS):
            ws.write_formula(r, 0, formula, None, 0)

    out = _same(tmp_path, fill, fill, {"use_future_functions": future})
    sheet = out["xl/worksheets/sheet1.xml"].decode()
    assert "<f>UNIQUE(B4:B7)</f>" not in sheet and "_xlfn.UNIQUE(B4:B7)" in sheet
    assert ('_xlfn.STDEV.S' in sheet) is future


def test_conditional_format_formulas_are_identical(tmp_path):
    """The summary's conditional formats ("TRUE", '"错误"') skip xlsxwriter's substitutions; one with a
    function still gets them (xlsxwriter 3.3 prefixes future functions in conditional formats)."""
    def fill(ws, f):
        ws.write_table(0, ROWS) if isinstance(ws, TableSheet) else _stock_rows(ws, 0, ROWS, {})
        ws.conditional_format(0, 0, 3, 5, {"type": "formula", "criteria": "TRUE", "format": f["bold"]})
        ws.conditional_format(0, 1, 3, 1, {"type": "cell", "criteria": "==", "value": '"错误"', "format": f["bold"]})
        ws.conditional_format(0, 2, 3, 2, {"type": "formula", "criteria": "=ISFORMULA(C1)", "format": f["money"]})

    sheet = _same(tmp_path, fill, fill)["xl/worksheets/sheet1.xml"].decode()
    assert "<formula>TRUE</formula>" in sheet and "<formula>\"错误\"</formula>" in sheet
    future_in_formats = len(EXTRA_ARGUMENTS) > 1  # 3.1.0 writes conditional formats' formulas as given
    assert ("<formula>_xlfn.ISFORMULA(C1)</formula>" in sheet) is future_in_formats


# Sheet settings that change every <row> tag, so rendered rows must not take the bare one.
ROW_TAG_SETTINGS = {
    "none": lambda ws: None,
    "default row height": lambda ws: ws.set_default_row(20),
    "Excel 2010 data bar": lambda ws: ws.conditional_format(0, 9, 5, 9, {"type": "data_bar", "data_bar_2010": True}),
}


@pytest.mark.parametrize("setting", ROW_TAG_SETTINGS)
@pytest.mark.parametrize("formatted", [True, False])  # cell tuples, or rows rendered at once
def test_many_rows_spans_and_shared_strings_are_identical(tmp_path, formatted, setting):
    rows = [[i, f"项目{i % 97}", Decimal(i) / 7, None if i % 5 else "注", f"单位{i % 13}"] for i in range(3000)]
    rows[1500] = []  # an empty row in the middle
    rows[1501] = [None, None, None, "只有第四列"]

    def around(ws, f):
        ws.set_row(10, 40)  # a row height on a table row
        ws.write_comment(3100, 8, "批注")  # a comment widens the spans of its block
        ws.write_string(3005, 0, "合计", f["bold"])
        ROW_TAG_SETTINGS[setting](ws)

    def fill(ws, f, write):
        write(ws, f)
        around(ws, f)

    formats = (lambda f: {2: f["money"]}) if formatted else (lambda f: {})
    out = _same(tmp_path, lambda ws, f: fill(ws, f, lambda ws, f: _stock_rows(ws, 2, rows, formats(f))),
                lambda ws, f: fill(ws, f, lambda ws, f: ws.write_table(2, rows, formats(f))))
    assert out["xl/sharedStrings.xml"].count(b"<si>") == 97 + 1 + 13 + 2


@pytest.mark.parametrize("before", ["a cell", "a table"])
def test_a_table_over_rows_written_before_is_identical(tmp_path, before):
    """Rows that already hold cells are merged as write_row would, not rendered over."""
    def earlier(ws, f, stock):
        if before == "a cell":
            ws.write_string(5, 7, "先写", f["bold"])
        elif stock:
            _stock_rows(ws, 4, [["旧", 1], ["旧", 2]], {})
        else:
            ws.write_table(4, [["旧", 1], ["旧", 2]])

    def stock(ws, f):
        earlier(ws, f, True)
        _stock_rows(ws, 3, ROWS, {})

    def table(ws, f):
        earlier(ws, f, False)
        ws.write_table(3, ROWS)

    if before == "a table" and tablesheet.FAST:  # rendered rows are final: writing into them again raises
        with pytest.raises(ValueError, match="write_table"):
            _same(tmp_path, stock, table)
        return
    sheet = _same(tmp_path, stock, table)["xl/worksheets/sheet1.xml"].decode()
    assert ('<c r="H6" s="1" t="s">' in sheet) is (before == "a cell")


@pytest.mark.parametrize("change", ["write", "row format", "column format"])
def test_rendered_rows_are_final(tmp_path, change):
    """Rows rendered by write_table cannot take a format or a cell later: closing says so instead of losing it.

    (xlsxwriter's own code, the fallback, stores cells and takes the change.)
    """
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet(worksheet_class=TableSheet)
    ws.write_table(0, [["甲", 1], ["乙", 2]])
    {"write": lambda: ws.write(1, 5, "后写"), "row format": lambda: ws.set_row(1, None, bold),
     "column format": lambda: ws.set_column(0, 0, 10, bold)}[change]()
    if not tablesheet.FAST:
        wb.close()
        return
    with pytest.raises(ValueError, match="write_table"):
        wb.close()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("-Infinity")])
def test_numbers_excel_cannot_hold_are_refused(bad):
    wb = xlsxwriter.Workbook("unused.xlsx", {"in_memory": True})
    ws = wb.add_worksheet(worksheet_class=TableSheet)
    with pytest.raises(TypeError):
        ws.write_table(0, [["数", bad]])


@pytest.mark.parametrize("formatted", [False, True])  # rendered rows, or cell tuples
def test_text_is_cleaned_as_write_would_need(formatted):
    wb = xlsxwriter.Workbook("unused.xlsx", {"in_memory": True})
    ws = wb.add_worksheet(worksheet_class=TableSheet)
    formats = {3: wb.add_format({"bold": True})} if formatted else None
    ws.write_table(0, [["控制\x07字符", "长" * 40000, "😀" * 20000, "控制\x07字符"]], formats,
                   clean=cell_text, limit=32767)
    strings = list(wb.str_table.string_table)
    assert strings[0] == "控制字符"
    assert len(strings[1]) == 32767
    assert len(strings[2]) == 16383 and len(strings[2].encode("utf-16-le")) == 2 * 32766  # Excel counts UTF-16 units
    assert (wb.str_table.count, wb.str_table.unique_count) == (4, 3)  # the repeated text is one shared string
    with pytest.raises(TypeError):
        ws.write_table(2, [[object()]])
    with pytest.raises(ValueError):
        ws.write_table(1048576, [["太远"]])


TOKENS = ["UNIQUE(", "SORT(", "SORTBY(", "XSINGLE(", "SINGLE(", "INGLE(", "MAP(", "SUM(", "XOR(", "X.", "_", "1", "汇",
          " ", ",", "(", ")", "+", '"', "A1", "$B$2", "'项目汇总'!", "_xlfn.", "{", "}", "="]


# xlsxwriter 3.1.0 prepares a formula alone; later versions take expand_future_functions too.
EXTRA_ARGUMENTS = [()]
if "expand_future_functions" in inspect.signature(Worksheet._prepare_formula).parameters:
    EXTRA_ARGUMENTS += [(True,), (False,)]


@given(st.lists(st.sampled_from(TOKENS), max_size=12).map("".join))
def test_prepared_formulas_are_xlsxwriters(formula):
    """TableSheet's shortcut in _prepare_formula never changes what xlsxwriter would make of a formula."""
    stock, table = Worksheet(), TableSheet()
    for future in (False, True):
        stock.use_future_functions = table.use_future_functions = future
        for extra in EXTRA_ARGUMENTS:
            assert table._prepare_formula(formula, *extra) == stock._prepare_formula(formula, *extra)


def _deflated_size(data: bytes, level: int) -> int:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return len(compressor.compress(data) + compressor.flush())


def test_table_workbook_deflates_at_its_level_and_puts_zipfile_back(tmp_path):
    """ZIP_LEVEL with the fast path; xlsxwriter's own level with the fallback."""
    import xlsxwriter.workbook

    path = tmp_path / "level.xlsx"
    wb = tablesheet.TableWorkbook(str(path))
    ws = wb.add_worksheet("表", worksheet_class=TableSheet)
    ws.write_table(0, [[f"项目{i}", i, f"第{i % 7}类"] for i in range(3000)])
    wb.close()
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        data = zf.read(info)
    stock_level = 6  # xlsxwriter passes no level: zlib's default
    level, other = (tablesheet.ZIP_LEVEL, stock_level) if tablesheet.FAST else (stock_level, tablesheet.ZIP_LEVEL)
    assert info.compress_size == _deflated_size(data, level)
    assert info.compress_size != _deflated_size(data, other)
    assert data.count(b"<row ") == 3000


def _odd_rows():
    """Rows the column-wise code must treat as write_row would: empty rows before and inside the table,
    rows of several lengths, text and numbers in one column, signed zeros, whole numbers too large to
    print exactly, a column used only by a few rows outside the others, and more rows than one chunk."""
    rows = [[], [None, ""]]
    for i in range(tablesheet.CHUNK + 300):
        row = [i, f"项目{i % 61}", [0, -0.0, Decimal("-0"), 0.5, Decimal("1.10"), None][i % 6],
               [None, 7, "文字", 10 ** 17, -(10 ** 16) + 1, Decimal("2.5")][i % 6],
               (2 ** 53 - 1) * (-1) ** i, 10 ** 16 - 1 - i]  # whole numbers just within float's exact ones, and past
        if i % 97 == 0:
            row += [None, None, "远列"]
        rows.append(row[:2] if i % 11 == 0 else row)
    rows[900] = [None, None, None]
    rows[1800] = []
    return rows


@pytest.mark.parametrize("formatted", [False, True])
def test_odd_tables_are_identical(tmp_path, formatted):
    rows = _odd_rows()

    def fill(ws, f, write):
        ws.set_row(5, 30)  # a height on an empty row of the table
        ws.set_row(902, 30)  # ... and on the empty row inside it
        ws.set_row(40, 45)
        write(ws, f)
        ws.write_string(len(rows) + 10, 0, "合计", f["bold"])

    formats = (lambda f: {1: f["bold"], 2: f["money"], 8: f["money"]}) if formatted else (lambda f: {})
    out = _same(tmp_path, lambda ws, f: fill(ws, f, lambda ws, f: _stock_rows(ws, 3, rows, formats(f))),
                lambda ws, f: fill(ws, f, lambda ws, f: ws.write_table(3, rows, formats(f))))
    sheet = out["xl/worksheets/sheet1.xml"].decode()
    assert '<c r="C6"' not in sheet and '<c r="C7"' in sheet  # 0 at the first row, then -0.0
    assert "<v>-0</v>" in sheet and "<v>1E+17</v>" in sheet and "<v>-1E+16</v>" in sheet
    assert "<v>9007199254740991</v>" in sheet and "<v>-9007199254740991</v>" in sheet
    assert "<v>9999999999999998</v>" in sheet  # 10**16 - 2 as the double Excel stores


def test_a_table_whose_last_columns_are_empty_is_identical(tmp_path):
    """Columns of a table with no value in any row lie outside the sheet's dimensions; they are simply not written."""
    rows = [[i, f"项目{i}", None, "" if i % 2 else None] for i in range(50)]
    _same(tmp_path, lambda ws, f: _stock_rows(ws, 0, rows, {}), lambda ws, f: ws.write_table(0, rows))


def test_set_heights_is_set_row(tmp_path):
    heights = {r: 13.5 * (r % 3 + 1) + 2 for r in range(2, 400, 3)}
    heights.update({401: 0.2, 402: 0})  # no pixels: set_row hides the row

    def stock(ws, f):
        for r, h in heights.items():
            ws.set_row(r, h)
        ws.write_row(3, 0, ["甲", 1])

    def table(ws, f):
        ws.set_heights({r: h for r, h in heights.items() if r < 400})
        ws.set_heights({r: h for r, h in heights.items() if r >= 400})
        ws.write_table(3, [["甲", 1]])

    sheet = _same(tmp_path, stock, table)["xl/worksheets/sheet1.xml"].decode()
    assert re.search(r'<row r="6" spans="1:2" ht="42\.(75|5)" customHeight="1"/>', sheet) and 'hidden="1"' in sheet  # 3.3 rounds to pixels, 3.1 does not


TEXTS = ["普通", "  前导空格", "末尾空格 ", "\u3000全角空格", "换行结尾\n", "控制\x07字符", "_x0041_ 像转义", "<r>富文本</r>",
         "A&B <c>", "\ufffe非字符", "引号\"'", "x" * 300]


def test_table_workbook_package_is_xlsxwriters(tmp_path, monkeypatch):
    """TableWorkbook (parts deflated in a thread, sheets streamed into the zip, shared strings written in one
    step) makes byte for byte the file xlsxwriter's Workbook makes at the same deflate level."""
    import xlsxwriter.workbook

    monkeypatch.setattr(tablesheet, "PART_CHUNK", 1000)  # many chunks per part
    level = tablesheet.ZIP_LEVEL if tablesheet.FAST else None

    class LevelZip(zipfile.ZipFile):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **{"compresslevel": level, **kwargs})

    def build(path, workbook_class, stock):
        wb = workbook_class(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties({"created": dt.datetime(2023, 1, 1)})
        bold = wb.add_format({"bold": True})
        for n in range(2):
            ws = wb.add_worksheet(f"表{n}", worksheet_class=Worksheet if stock else TableSheet)
            rows = [[i, TEXTS[i % len(TEXTS)], f"第{i}行", Decimal(i) / 3] for i in range(3000)]
            if stock:
                _stock_rows(ws, 1, rows, {1: bold})
            else:
                ws.write_table(1, rows, {1: bold})
            ws.write_formula(0, 0, "=SUM(A2:A3001)", bold, sum(range(3000)))
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({"values": ["表0", 1, 0, 10, 0], "categories": ["表0", 1, 1, 10, 1]})  # cached from the table
        wb.worksheets()[0].insert_chart(3, 6, chart)
        wb.close()
        return path.read_bytes()

    table = build(tmp_path / "table.xlsx", tablesheet.TableWorkbook, stock=False)
    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", LevelZip if level else zipfile.ZipFile)
    stock = build(tmp_path / "stock.xlsx", xlsxwriter.Workbook, stock=True)
    assert table == stock
    assert xlsxwriter.workbook.ZipFile is (LevelZip if level else zipfile.ZipFile)  # put back after the table's
    with zipfile.ZipFile(tmp_path / "table.xlsx") as zf:
        strings = zf.read("xl/sharedStrings.xml").decode()
    assert '<t xml:space="preserve">  前导空格</t>' in strings and "控制_x0007_字符" in strings
    assert "_x005F_x0041_" in strings and "A&amp;B &lt;c&gt;" in strings


def test_table_workbook_ends_its_thread_when_a_sheet_raises(tmp_path):
    """A sheet that cannot be written stops the close with its error; the zip thread does not outlive it."""
    import threading

    wb = tablesheet.TableWorkbook(str(tmp_path / "x.xlsx"))
    ws = wb.add_worksheet(worksheet_class=TableSheet)
    ws.write_table(0, [[f"项目{i}", i] for i in range(5000)])
    wb.add_worksheet("二", worksheet_class=TableSheet).write_table(0, [["甲", 1]])
    wb.worksheets()[1].write(0, 5, "后写")  # into a stored table's row: refused when the sheet is written
    if not tablesheet.FAST:  # xlsxwriter's own code takes the cell
        wb.close()
        return
    with pytest.raises(ValueError, match="write_table"):
        wb.close()
    assert not [t for t in threading.enumerate() if t.name == "perfxl-zip"]
