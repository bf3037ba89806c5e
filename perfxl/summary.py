"""Write the departmental summary workbook (xlsxwriter) and its CSV files; pipeline.py decides when.

Contract (docs/summary.md): sheets 项目汇总, 指标明细, 资金汇总, 校验问题 (and 说明), a header row within
the first 6 rows, amounts as numbers in 万元 with two decimals, every formula written with its
computed value cached, text from inputs always written as text.

Print: every table prints one page wide (fit to width) at 72% or more, so 10 pt text prints at
7 pt or more: the columns a reviewer reads are in the print area, the long texts (来源文件, the goals)
are not, and text columns wrap (narrowed as needed) instead of widening the page. 项目汇总's 24
printed columns need about 2,000 px: on A4 landscape (1,060 px) that is 53%, so it prints on A3
landscape, the paper budget tables are printed on and every office copier takes; the other tables
fit A4 landscape, 说明 A4 portrait. docs/summary.md describes the printed pages.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import Counter
from decimal import Decimal
from operator import itemgetter
from pathlib import Path

from . import __version__
from .contract import (AMOUNT_COLUMNS, COUNT_COLUMNS, FINDING_COLUMNS, INDICATOR_COLUMNS, PROJECT_COLUMNS,
                       ROLLUP_COLUMNS, ROLLUP_KEYS, UNFILLED, continuation)
from .model import ERROR, NOTICE, WARNING, Consolidation, Project, column_letter
from .output import EXCEL_CELL_LIMIT, atomic_path, build_time, cell_text, exact_match, mark
from .profile import Profile, framework_profile
from .tables import summary_years

HEADER_ROW = 2  # 0-based: title, 单位 line, then the header
FIRST = HEADER_ROW + 1
MONEY = "#,##0.00"
CSV_INJECTION = ("=", "+", "-", "@", "\t", "\r")
A4, A3 = 9, 8  # xlsxwriter's paper codes
PAPER_INCHES = {A4: (11.69, 8.27), A3: (16.54, 11.69)}  # long side, short side
SIDE_MARGIN = 0.3  # inches, left and right
# A column of width w takes about 7w + 5 px in 宋体 10 at 96 dpi, 8.3w + 5 in LibreOffice without 宋体;
# widths are planned with 8.5 so that the scale the application picks to fit the width stays ≥ 72%.
PX_PER_UNIT, PX_PER_COLUMN = 8.5, 5
MIN_SCALE = 72


def default_title(projects: list[Project], year: int | None = None) -> str:
    """“2023年度 某局 项目绩效目标汇总表”: every year of the projects (“2023、2024年度” when mixed,
    which a warning explains) or ``year``; the 主管部门 when there is only one."""
    years = summary_years(projects, year)
    departments = {p.department for p in projects if p.department}
    parts = [f"{'、'.join(years)}年度" if years else "", next(iter(departments)) if len(departments) == 1 else ""]
    return " ".join(x for x in parts if x) + (" " if any(parts) else "") + "项目绩效目标汇总表"


def text_width(value) -> float:
    """Display width of a cell's text in Excel character units: GBK bytes, so CJK counts double."""
    return 1.05 * len(str(value if value is not None else "").encode("gbk", "replace"))


class _Book:
    """The xlsxwriter workbook with the formats every sheet shares."""

    def __init__(self, path: Path, created: dt.datetime):
        from .tablesheet import TableWorkbook

        self.wb = TableWorkbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False, "use_future_functions": False,
                                            "default_format_properties": {"font_name": "宋体", "font_size": 10}})
        self.wb.set_properties({"title": "项目绩效目标汇总表", "created": created, "comments": f"perfxl {__version__}"})
        mark(self.wb, "summary")
        add = self.wb.add_format
        font = {"font_name": "宋体", "font_size": 10}
        self.title = add({"font_name": "宋体", "font_size": 16, "bold": True, "align": "center", "valign": "vcenter"})
        self.unit = add({**font, "align": "right"})
        self.head = add({**font, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
                         "text_wrap": True, "bg_color": "#D9E1F2"})
        self.text = add({**font, "border": 1, "valign": "vcenter"})
        self.center = add({**font, "border": 1, "align": "center", "valign": "vcenter"})
        self.money = add({**font, "border": 1, "num_format": MONEY, "valign": "vcenter"})
        self.integer = add({**font, "border": 1, "num_format": "0", "align": "center", "valign": "vcenter"})
        self.grid = add({"border": 1})
        self.percent = add({**font, "border": 1, "num_format": "0.00%", "valign": "vcenter"})
        self.total_label = add({**font, "bold": True, "border": 1, "align": "center", "bg_color": "#F2F2F2"})
        self.total_money = add({**font, "bold": True, "border": 1, "num_format": MONEY, "bg_color": "#F2F2F2"})
        self.total_int = add({**font, "bold": True, "border": 1, "num_format": "0", "align": "center",
                              "bg_color": "#F2F2F2"})
        self.total_blank = add({**font, "border": 1, "bg_color": "#F2F2F2"})
        self.error_text = add({"font_color": "#C00000"})
        self.plain = add({**font, "text_wrap": True, "valign": "top"})
        self.wrap = add({**font, "text_wrap": True, "valign": "vcenter"})
        self.middle = add({**font, "valign": "vcenter"})
        self.total_text = add({**font, "bold": True, "border": 1, "bg_color": "#F2F2F2"})
        self.total_percent = add({**font, "bold": True, "border": 1, "num_format": "0.00%", "bg_color": "#F2F2F2"})
        self.key = add({**font, "bold": True, "valign": "top"})

    def sheet(self, name: str, title: str, columns: list[str], widths: dict[str, float], paper=A4,
              unit_line="单位：万元", printed: int | None = None, header_lines: int = 2):
        """A sheet with title, 单位 line and header; the first ``printed`` columns (default all) go on
        paper, one page wide (``print_setup``); ``widths`` may be narrowed for that."""
        from .tablesheet import TableSheet

        ws = self.wb.add_worksheet(name, worksheet_class=TableSheet)
        last = (printed or len(columns)) - 1
        ws.set_row(0, 28)
        ws.merge_range(0, 0, 0, last, cell_text(title), self.title)
        if unit_line:
            ws.merge_range(1, 0, 1, last, unit_line, self.unit)
        ws.set_row(HEADER_ROW, 14 * header_lines + 2)
        ws.write_row(HEADER_ROW, 0, columns, self.head)
        print_setup(ws, paper)
        for i, name_ in enumerate(columns):
            ws.set_column(i, i, widths.get(name_, 10))
        ws.freeze_panes(FIRST, 2 if len(columns) > 8 else 0)
        ws.repeat_rows(HEADER_ROW)
        return ws


def printable_px(paper: int = A4, landscape: bool = True) -> float:
    long, short = PAPER_INCHES[paper]
    return ((long if landscape else short) - 2 * SIDE_MARGIN) * 96


def print_scale(widths: list[float], paper: int = A4, landscape: bool = True) -> int:
    """The scale (%) at which columns of these widths fill the page's width, at most 100 (an estimate:
    the application computes the real one when it fits the page)."""
    natural = sum((w + 0.71) * PX_PER_UNIT + PX_PER_COLUMN for w in widths)
    return min(100, int(printable_px(paper, landscape) * 100 / natural)) if natural else 100


def narrow(widths: dict[str, float], printed: list[str], wrapped: list[str], paper: int = A4,
           floor: float = 8) -> None:
    """Narrow the ``wrapped`` columns (their text wraps onto more lines) until ``printed`` columns
    print at MIN_SCALE or more; numbers keep their width, so they never show as ####."""
    def scale():
        return print_scale([widths[c] for c in printed], paper)

    while scale() < MIN_SCALE and any(widths[c] > floor for c in wrapped):
        for c in wrapped:
            widths[c] = max(floor, widths[c] - 1)


def print_setup(ws, paper: int = A4, landscape: bool = True) -> None:
    """The paper, one page wide (the application picks the scale), header row repeated, pages numbered."""
    ws.set_paper(paper)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=SIDE_MARGIN, right=SIDE_MARGIN, top=0.5, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")


def money_width(values) -> float:
    """Width for amounts shown as #,##0.00, the 合计 included. The text grows with the size of the
    amount on either side of zero, so only the largest and the smallest need formatting."""
    present = [v for v in values if v is not None]
    if not present:
        return 9.0
    return max(9.0, *(len(f"{v:,.2f}") + 2.0 for v in (max(present), min(present))))


def _widths(columns: list[str], rows: list[list], cap: float = 40, floor: float = 6) -> dict[str, float]:
    """Column widths that fit the header and the (first 300 rows of) data, Chinese text counted double."""
    out = {}
    for i, name in enumerate(columns):
        shown = {str(v) for v in map(itemgetter(i), rows[:300]) if v is not None}  # each text measured once
        widest = max([text_width(name)] + [text_width(v) for v in shown])
        out[name] = max(floor, min(cap, widest + 1.5))
    return out


LINE_PT = 13.5  # one line of 宋体 10


def _line_count(text: str, per_line: float) -> int:
    """Lines a wrapped text takes in a column holding ``per_line`` GBK bytes a line; a line break starts one."""
    if "\n" not in text:
        return math.ceil(len(text.encode("gbk", "replace")) / per_line) or 1
    return sum(math.ceil(len(part.encode("gbk", "replace")) / per_line) or 1 for part in text.split("\n"))


def _fit_rows(ws, rows: list[list], widths: list[float], wrapped: list[int]) -> None:
    """Heights for rows whose wrapped text takes several lines: LibreOffice keeps a row without a
    height at one line (the text then overlaps), Excel and WPS would fit it themselves. A full-width
    character takes about 1.8 width units, a half-width one 0.9.

    Column by column: each distinct text is measured once, then a row's lines are the most of its
    columns' (C-level map and zip over the rows instead of a loop over every cell).
    """
    counts = []
    for i in wrapped:
        column = list(map(itemgetter(i), rows))
        per_line = (widths[i] + 0.5) / 0.9  # GBK bytes (2 a Chinese character) a line holds
        lines = {text: _line_count(str(text), per_line) if text else 1 for text in set(column)}
        counts.append(map(lines.__getitem__, column))
    heights = {FIRST + r: LINE_PT * n + 2 for r, n in enumerate(map(max, zip(*counts))) if n > 1} if counts else {}
    ws.set_heights(heights)


def _write_rows(ws, book: "_Book", rows: list[list], formats: dict[int, object], width: int) -> None:
    """Write the data rows in one pass (TableSheet.write_table), number columns with their format.

    Per-cell formats cost xlsxwriter ~40% more time, so the grid lines of the table come from
    one conditional format over the whole range instead of a border on every cell.
    """
    ws.write_table(FIRST, rows, formats, clean=cell_text, limit=EXCEL_CELL_LIMIT)
    if rows:
        ws.conditional_format(FIRST, 0, FIRST + len(rows) - 1, width - 1,
                              {"type": "formula", "criteria": "TRUE", "format": book.grid})


def write_summary(output: Path, tables: dict[str, tuple], result: Consolidation, profile: Profile) -> None:
    """Write the summary workbook (atomically) from ``tables.summary_tables``."""
    created = build_time()
    title, p_rows = result.title, tables["项目汇总"][1]
    with atomic_path(output) as tmp:
        book = _Book(tmp, created)
        _projects_sheet(book, title, p_rows)
        continued = _indicators_sheet(book, title, tables["指标明细"][1])
        _rollup_sheet(book, title, tables["资金汇总"][1], p_rows)
        continued += _findings_sheet(book, title, tables["校验问题"][1])
        _about_sheet(book, result, profile, created, continued)
        book.wb.close()


PROJECT_PRINTED = PROJECT_COLUMNS[:PROJECT_COLUMNS.index("联系电话") + 1]  # 来源文件 and the goals stay on screen
PROJECT_WRAPPED = ["项目名称", "主管部门", "实施单位", "项目实施期", "项目属性", "项目类别", "填表人"]


def _projects_sheet(book: _Book, title: str, rows: list[list]) -> None:
    widths = _widths(PROJECT_COLUMNS, rows)
    for i, c in enumerate(PROJECT_COLUMNS):
        if c in AMOUNT_COLUMNS:
            values = [r[i] for r in rows]
            widths[c] = money_width(values + [sum((v for v in values if v is not None), Decimal(0))])
    widths.update({c: 5 for c in COUNT_COLUMNS})
    widths.update({"序号": 5, "年度": 5, "联系电话": min(widths["联系电话"], 14), "实施期目标": 40, "年度目标": 40})
    for c, cap in (("项目名称", 24), ("主管部门", 18), ("实施单位", 18), ("项目实施期", 12), ("项目属性", 8),
                   ("项目类别", 8), ("填表人", 8)):
        widths[c] = min(widths[c], cap)
    narrow(widths, PROJECT_PRINTED, PROJECT_WRAPPED, A3)
    printed = len(PROJECT_PRINTED)
    ws = book.sheet("项目汇总", title, PROJECT_COLUMNS, widths, paper=A3, printed=printed, header_lines=3)
    formats = {i: book.middle for i in range(len(PROJECT_COLUMNS))}  # tall rows: every cell centred
    formats.update({PROJECT_COLUMNS.index(c): book.money for c in AMOUNT_COLUMNS})
    formats.update({PROJECT_COLUMNS.index(c): book.wrap for c in PROJECT_WRAPPED})
    _fit_rows(ws, rows, [widths[c] for c in PROJECT_COLUMNS], [PROJECT_COLUMNS.index(c) for c in PROJECT_WRAPPED])
    _write_rows(ws, book, rows, formats, len(PROJECT_COLUMNS))
    total = FIRST + len(rows)
    ws.write_string(total, 0, "合计", book.total_label)
    for c, name in enumerate(PROJECT_COLUMNS[1:], 1):
        if name in AMOUNT_COLUMNS or name in COUNT_COLUMNS:
            values = [r[c] for r in rows if r[c] is not None]
            cached = sum(values, Decimal(0)) if name in AMOUNT_COLUMNS else sum(values)
            letter = column_letter(c)
            formula = f"=SUM({letter}{FIRST + 1}:{letter}{total})" if rows else "=0"
            ws.write_formula(total, c, formula, book.total_money if name in AMOUNT_COLUMNS else book.total_int,
                             float(cached))
        else:
            ws.write_blank(total, c, None, book.total_blank)
    ws.autofilter(HEADER_ROW, 0, max(HEADER_ROW, total - 1), len(PROJECT_COLUMNS) - 1)
    ws.conditional_format(FIRST, PROJECT_COLUMNS.index("错误数"), max(FIRST, total - 1), PROJECT_COLUMNS.index("错误数"),
                          {"type": "cell", "criteria": ">", "value": 0, "format": book.error_text})
    ws.print_area(0, 0, total, printed - 1)


INDICATOR_PRINTED = INDICATOR_COLUMNS[:INDICATOR_COLUMNS.index("指标方向") + 1]  # not where it was read


SHEET_ROWS = 1_048_576  # rows of a worksheet in Excel (and WPS, LibreOffice)


def _sheet_parts(rows: list[list]) -> list[list[list]]:
    """A table's rows as they fit on sheets below the title and header: one part unless a sheet is too short."""
    per_sheet = SHEET_ROWS - FIRST
    if len(rows) <= per_sheet:
        return [rows]
    return [rows[i:i + per_sheet] for i in range(0, len(rows), per_sheet)]


def _indicators_sheet(book: _Book, title: str, rows: list[list]) -> list[str]:
    """The longest table (8 rows a project) stays on the fast unformatted path: its columns are wide
    enough for the usual texts (12 characters of 项目名称, 15 of 三级指标 and 年度指标值) without wrapping;
    a longer text is whole in its cell but cut at the column's edge on paper. Wrapping every cell would
    double the time to write this sheet.

    More rows than a sheet holds (about 130,000 projects) go on in 指标明细（二）, （三）…, each with the
    title and header, 序号 counting on; returns the names of those further sheets."""
    widths = _widths(INDICATOR_COLUMNS, rows, cap=30)
    widths.update({"序号": 6, "单元格": 8, "符号": 5, "指标性质": 6, "指标方向": 6})
    widths["项目名称"] = min(widths["项目名称"], 24)
    parts = _sheet_parts(rows)
    for n, part in enumerate(parts, 1):
        ws = book.sheet(continuation("指标明细", n), title, INDICATOR_COLUMNS, widths, unit_line="",
                        printed=len(INDICATOR_PRINTED))
        _write_rows(ws, book, part, {}, len(INDICATOR_COLUMNS))
        ws.autofilter(HEADER_ROW, 0, HEADER_ROW + max(1, len(part)), len(INDICATOR_COLUMNS) - 1)
        ws.print_area(0, 0, HEADER_ROW + max(1, len(part)), len(INDICATOR_PRINTED) - 1)
    return [continuation("指标明细", n) for n in range(2, len(parts) + 1)]


def _rollup_sheet(book: _Book, title: str, rows: list[list], project_rows_: list[list]) -> None:
    """SUMIFS/COUNTIFS over 项目汇总, so a corrected amount there flows through; a 合计 row after each
    way of grouping; charts below, inside the print area."""
    widths = _widths(ROLLUP_COLUMNS, rows, cap=30)
    widths.update({c: max(14.0, money_width(r[i] for r in rows)) for i, c in enumerate(ROLLUP_COLUMNS[3:7], 3)})
    widths.update({"汇总方式": 11, "项目数": 7, "占比": 9})
    ws = book.sheet("资金汇总", title, ROLLUP_COLUMNS, widths)
    n = len(project_rows_)
    last = FIRST + max(n, 1)  # 1-based last data row of 项目汇总
    total_row = FIRST + n + 1  # 1-based 合计 row of 项目汇总

    def rng(column: str) -> str:
        letter = column_letter(PROJECT_COLUMNS.index(column))
        return f"'项目汇总'!${letter}${FIRST + 1}:${letter}${last}"

    year_total = f"'项目汇总'!${column_letter(PROJECT_COLUMNS.index('年度金额'))}${total_row}"
    x = FIRST
    blocks: dict[str, tuple[int, int]] = {}  # 汇总方式 → its first and last 0-based sheet rows
    for r, row in enumerate(rows):
        key_column = dict(ROLLUP_KEYS)[row[0]]
        ws.write_string(x, 0, row[0], book.center)
        ws.write_string(x, 1, cell_text(row[1]), book.text)
        if row[1] == UNFILLED:  # the blank cells of 项目汇总, not the label
            criterion = '""'
        else:
            criterion = exact_match(f"$B{x + 1}")
        ws.write_formula(x, 2, f"=COUNTIFS({rng(key_column)},{criterion})", book.integer, row[2])
        for c, column in zip(range(3, 7), ("实施期金额", "年度金额", "年度财政拨款", "年度其他资金")):
            ws.write_formula(x, c, f"=SUMIFS({rng(column)},{rng(key_column)},{criterion})", book.money,
                             float(row[c]))
        ws.write_formula(x, 7, f"=IF({year_total}=0,0,E{x + 1}/{year_total})", book.percent, float(row[7]))
        blocks[row[0]] = (blocks.get(row[0], (x, x))[0], x)
        x += 1
        if r + 1 == len(rows) or rows[r + 1][0] != row[0]:
            _rollup_total(book, ws, x, row[0], blocks[row[0]], [g for g in rows if g[0] == row[0]])
            x += 1
    if rows:
        ws.autofilter(HEADER_ROW, 0, x - 1, len(ROLLUP_COLUMNS) - 1)
    bottom = _charts(book, ws, x + 2, blocks.get("按实施单位"), project_rows_)
    ws.print_area(0, 0, max(bottom, x), len(ROLLUP_COLUMNS) - 1)


def _rollup_total(book: _Book, ws, x: int, label: str, block: tuple[int, int], group: list[list]) -> None:
    """The 合计 row of one way of grouping: SUM over its rows (each block adds up to the whole)."""
    first, last = block[0] + 1, block[1] + 1
    ws.write_string(x, 0, label, book.total_label)
    ws.write_string(x, 1, "合计", book.total_text)
    ws.write_formula(x, 2, f"=SUM(C{first}:C{last})", book.total_int, sum(g[2] for g in group))
    for c in range(3, 8):
        letter = column_letter(c)
        ws.write_formula(x, c, f"=SUM({letter}{first}:{letter}{last})",
                         book.total_percent if c == 7 else book.total_money,
                         float(sum((g[c] for g in group), Decimal(0))))


PAGE_ROWS = 28  # rows of the default height (20 px) on an A4 landscape page, with room to spare
MAX_UNIT_BARS = 20  # more 实施单位 than this make a chart nobody can read: the table has their figures


def _charts(book: _Book, ws, anchor: int, units: tuple[int, int] | None, project_rows_: list[list]) -> int:
    """The top-20 bar chart (its data beside the table, off the page) and the 实施单位 chart (a pie for
    up to 8 units, bars up to MAX_UNIT_BARS, none beyond), stacked from row ``anchor`` down; a chart
    that would cross a page starts a new one. Returns the row below them. A blank 项目名称 shows as
    （未填写）."""
    page_start = (anchor // PAGE_ROWS) * PAGE_ROWS
    breaks = []

    def place(height_px: int) -> int:
        nonlocal anchor, page_start
        rows = height_px // 20 + 1
        if anchor + rows > page_start + PAGE_ROWS:
            breaks.append(anchor)
            page_start = anchor
        at, anchor = anchor, anchor + rows + 1
        return at

    col = len(ROLLUP_COLUMNS) + 1
    name_i, year_i = PROJECT_COLUMNS.index("项目名称"), PROJECT_COLUMNS.index("年度金额")
    ranked = sorted(((r[year_i] or Decimal(0), r[0], r[name_i]) for r in project_rows_), key=lambda t: (-t[0], t[1]))[:20]
    if ranked:
        ws.write_string(HEADER_ROW, col, "年度金额前 20 的项目", book.head)
        ws.write_string(HEADER_ROW, col + 1, "年度金额", book.head)
        ws.set_column(col, col, 30)
        ws.set_column(col + 1, col + 1, 13)
        for i, (amount, number, name) in enumerate(ranked):
            source = f"'项目汇总'!{column_letter(name_i)}{FIRST + number}"  # that project's row in 项目汇总
            ws.write_formula(FIRST + i, col, f'=IF({source}="","{UNFILLED}",{source})', book.text,
                             cell_text(name) or UNFILLED)
            ws.write_formula(FIRST + i, col + 1, f"='项目汇总'!{column_letter(year_i)}{FIRST + number}", book.money,
                             float(amount))
        chart = book.wb.add_chart({"type": "bar"})
        chart.add_series({"name": "年度金额（万元）",
                          "categories": ["资金汇总", FIRST, col, FIRST + len(ranked) - 1, col],
                          "values": ["资金汇总", FIRST, col + 1, FIRST + len(ranked) - 1, col + 1],
                          "data_labels": {"value": True, "num_format": "0.00"}})
        chart.set_title({"name": "年度金额最多的项目（万元）", "name_font": {"size": 12}})
        chart.set_x_axis({"min": 0})  # bars measured from 0, not from an automatic minimum
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        height = 80 + 22 * len(ranked)
        chart.set_size({"width": 640, "height": height})
        ws.insert_chart(place(height), 0, chart)
    count = units[1] - units[0] + 1 if units else 0
    if 0 < count <= MAX_UNIT_BARS:
        pie = count <= 8
        chart = book.wb.add_chart({"type": "pie" if pie else "bar"})
        chart.add_series({"name": "按实施单位",
                          "categories": ["资金汇总", units[0], 1, units[1], 1],
                          "values": ["资金汇总", units[0], 4, units[1], 4],
                          "data_labels": {"percentage": True} if pie else {"value": True, "num_format": "0.00"}})
        chart.set_title({"name": "年度金额按实施单位（万元）", "name_font": {"size": 12}})
        if not pie:
            chart.set_x_axis({"min": 0})
            chart.set_y_axis({"reverse": True})
            chart.set_legend({"none": True})
        height = 320 if pie else 80 + 22 * count
        chart.set_size({"width": 640 if not pie else 480, "height": height})
        ws.insert_chart(place(height), 0, chart)
    if breaks:
        ws.set_h_pagebreaks(breaks)
    return anchor


FINDING_WRAPPED = ["代码", "文件", "工作表", "项目名称", "说明"]


def _findings_sheet(book: _Book, title: str, rows: list[list]) -> list[str]:
    """Every finding on paper: long messages and paths wrap inside their cells. More findings than a
    sheet holds go on in 校验问题（二）…; returns the names of those further sheets."""
    widths = _widths(FINDING_COLUMNS, rows, cap=60)
    widths.update({"序号": 6, "级别": 5, "单元格": 7, "项目序号": 5})
    for c, cap in (("代码", 16), ("文件", 24), ("工作表", 10), ("项目名称", 18)):
        widths[c] = min(widths[c], cap)
    narrow(widths, FINDING_COLUMNS, FINDING_WRAPPED)
    wrapped = [FINDING_COLUMNS.index(c) for c in FINDING_WRAPPED]
    parts = _sheet_parts(rows)
    for n, part in enumerate(parts, 1):
        ws = book.sheet(continuation("校验问题", n), title, FINDING_COLUMNS, widths, unit_line="", header_lines=3)
        _fit_rows(ws, part, [widths[c] for c in FINDING_COLUMNS], wrapped)
        _write_rows(ws, book, part, {i: book.wrap if i in wrapped else book.middle
                                     for i in range(len(FINDING_COLUMNS))}, len(FINDING_COLUMNS))
        if part:
            ws.autofilter(HEADER_ROW, 0, FIRST + len(part) - 1, len(FINDING_COLUMNS) - 1)
            ws.conditional_format(FIRST, 1, FIRST + len(part) - 1, 1,
                                  {"type": "cell", "criteria": "==", "value": '"错误"', "format": book.error_text})
    return [continuation("校验问题", n) for n in range(2, len(parts) + 1)]


def local_time(created: dt.datetime) -> str:
    """A UTC time (naive, as build_time gives it) in this machine's local time with its offset:
    “2023-11-15 06:13（UTC+08:00）”. SOURCE_DATE_EPOCH fixes the instant; the zone is the machine's."""
    local = created.replace(tzinfo=dt.timezone.utc).astimezone()
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M}（UTC{offset[:3]}:{offset[3:]}）"


def _frameworks(projects, profile: Profile) -> str:
    """The frameworks the projects were checked against; with their project counts when several."""
    used = Counter(p.framework or profile.name for p in projects) or Counter({profile.name: 0})
    named = {name: framework_profile(name, profile) for name in used}
    if len(used) == 1:
        ((name, _),) = used.items()
        return f"{name}版 {named[name].title}"
    return "；".join(f"{name}版 {named[name].title}（{n} 个项目）" for name, n in sorted(used.items()))


def _about_sheet(book: _Book, result: Consolidation, profile: Profile, created, continued: list[str]) -> None:
    from .tablesheet import TableSheet

    ws = book.wb.add_worksheet("说明", worksheet_class=TableSheet)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 80)
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, 1, cell_text(result.title), book.title)
    levels = Counter(f.level for f in result.findings)
    facts = [
        ("汇总表", result.title),
        ("生成时间", local_time(created)),
        ("生成工具", f"perfxl {__version__}"),
        ("指标体系", _frameworks(result.projects, profile)),
        ("读取文件数", str(len(result.files))),
        ("项目数", str(len(result.projects))),
        ("指标数", str(result.indicator_count)),
        ("年度金额合计", f"{result.year_total:.2f} 万元"),
        ("错误", f"{levels[ERROR]} 个"),
        ("警告", f"{levels[WARNING]} 个"),
        ("提示", f"{levels[NOTICE]} 个"),
        *([("空白表", f"{result.blank_forms} 张，什么也没有填写，已跳过（见校验问题）")] if result.blank_forms else []),
        ("各工作表", "项目汇总：每个项目一行，末行合计；指标明细：每个三级指标一行；资金汇总：按主管部门、实施单位、"
                  "项目类别汇总（公式引用项目汇总，修改金额后自动更新）；校验问题：需要修改之处。"
                  + (f"一张工作表放不下的，接续在{'、'.join(continued)}中。" if continued else "")),
    ]
    for r, (key, value) in enumerate(facts, 2):
        ws.write_string(r, 0, key, book.key)
        ws.write_string(r, 1, cell_text(value), book.plain)
    per_file = Counter(p.via or p.file for p in result.projects)
    listed = [f"{name}（{per_file[name]} 个项目）" for name in sorted(result.files)] or [None]
    rows = [["读取的文件", listed[0]]] + [[None, text] for text in listed[1:]]  # thousands of files at a bureau
    ws.write_table(len(facts) + 3, rows, {0: book.key, 1: book.plain}, clean=cell_text, limit=EXCEL_CELL_LIMIT)
    print_setup(ws, landscape=False)


def csv_safe(value) -> str:
    """A cell for CSV: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    text = str(value)
    return "'" + text if text.startswith(CSV_INJECTION) else text


CSV_COLUMNS = {"项目汇总": PROJECT_COLUMNS, "指标明细": INDICATOR_COLUMNS, "资金汇总": ROLLUP_COLUMNS,
               "校验问题": FINDING_COLUMNS}
CSV_NAMES = {sheet: f"{sheet}.csv" for sheet in CSV_COLUMNS}  # as write_csvs names them


def csv_header(sheet: str) -> bytes:
    """The first line perfxl writes in a sheet's CSV: how a later run knows the file as its own."""
    out = io.StringIO()
    csv.writer(out).writerow(CSV_COLUMNS[sheet])
    return "\ufeff".encode() + out.getvalue().encode()


def write_csvs(folder: Path, tables: dict[str, tuple]) -> list[Path]:
    """The four tables as CSV named like the sheets (项目汇总.csv …), with the sheets' headers, UTF-8
    with BOM for Excel. The data rows only: no title, no 合计 rows."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for sheet, (columns, rows) in tables.items():
        name = CSV_NAMES[sheet]
        with atomic_path(folder / name) as tmp:
            with open(tmp, "w", encoding="utf-8-sig", errors="backslashreplace", newline="") as fh:  # stray bytes of a name
                writer = csv.writer(fh)
                writer.writerow(columns)
                writer.writerows([csv_safe(v) for v in row] for row in rows)
        written.append(folder / name)
    return written
