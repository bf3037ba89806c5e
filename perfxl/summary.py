"""Write the departmental summary workbook (xlsxwriter) and its CSV files; pipeline.py decides when.

Contract (docs/summary.md): sheets 项目汇总, 指标明细, 资金汇总, 校验问题 (and 说明), a header row within
the first 6 rows, amounts as numbers in 万元 with two decimals, every formula written with its
computed value cached, text from inputs always written as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from decimal import Decimal
from pathlib import Path

from . import __version__
from .contract import (AMOUNT_COLUMNS, COUNT_COLUMNS, FINDING_COLUMNS, INDICATOR_COLUMNS, PROJECT_COLUMNS,
                       ROLLUP_COLUMNS, ROLLUP_KEYS)
from .model import ERROR, NOTICE, WARNING, Consolidation, Project, column_letter
from .output import EXCEL_CELL_LIMIT, atomic_path, build_time, cell_text, mark
from .profile import Profile, framework_profile

HEADER_ROW = 2  # 0-based: title, 单位 line, then the header
FIRST = HEADER_ROW + 1
MONEY = "#,##0.00"
CSV_INJECTION = ("=", "+", "-", "@", "\t", "\r")


def default_title(projects: list[Project]) -> str:
    years = Counter(p.year for p in projects if p.year)
    departments = {p.department for p in projects if p.department}
    parts = [f"{years.most_common(1)[0][0]}年度" if years else "", next(iter(departments)) if len(departments) == 1 else ""]
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
        self.key = add({**font, "bold": True, "valign": "top"})

    def sheet(self, name: str, title: str, columns: list[str], widths: dict[str, float], landscape=True,
              unit_line="单位：万元", printed: int | None = None):
        """A sheet with title, 单位 line and header; ``printed`` columns (default all) go on paper."""
        from .tablesheet import TableSheet

        ws = self.wb.add_worksheet(name, worksheet_class=TableSheet)
        last = (printed or len(columns)) - 1
        ws.set_row(0, 28)
        ws.merge_range(0, 0, 0, last, cell_text(title), self.title)
        if unit_line:
            ws.merge_range(1, 0, 1, last, unit_line, self.unit)
        ws.set_row(HEADER_ROW, 30)
        ws.write_row(HEADER_ROW, 0, columns, self.head)
        for i, name_ in enumerate(columns):
            ws.set_column(i, i, widths.get(name_, 10))
        ws.freeze_panes(FIRST, 2 if len(columns) > 8 else 0)
        ws.set_paper(9)
        if landscape:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(HEADER_ROW)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.set_footer("&C第 &P 页，共 &N 页")
        return ws


def _widths(columns: list[str], rows: list[list], cap: float = 40, floor: float = 6) -> dict[str, float]:
    """Column widths that fit the header and the (first 300 rows of) data, Chinese text counted double."""
    out = {}
    for i, name in enumerate(columns):
        widest = max([text_width(name)] + [text_width(r[i]) for r in rows[:300]])
        out[name] = max(floor, min(cap, widest + 1.5))
    return out


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
        _indicators_sheet(book, title, tables["指标明细"][1])
        _rollup_sheet(book, title, tables["资金汇总"][1], p_rows)
        _findings_sheet(book, title, tables["校验问题"][1])
        _about_sheet(book, result, profile, created)
        book.wb.close()


def _projects_sheet(book: _Book, title: str, rows: list[list]) -> None:
    widths = _widths(PROJECT_COLUMNS, rows)
    widths.update({c: 13 for c in AMOUNT_COLUMNS})
    widths.update({c: 7 for c in COUNT_COLUMNS})
    widths.update({"序号": 6, "实施期目标": 40, "年度目标": 40})
    printed = PROJECT_COLUMNS.index("警告数") + 1  # sources and goals are for the screen
    ws = book.sheet("项目汇总", title, PROJECT_COLUMNS, widths, printed=printed)
    formats = {PROJECT_COLUMNS.index(c): book.money for c in AMOUNT_COLUMNS}
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


def _indicators_sheet(book: _Book, title: str, rows: list[list]) -> None:
    widths = _widths(INDICATOR_COLUMNS, rows)
    widths.update({"序号": 7, "单元格": 8, "符号": 5})
    ws = book.sheet("指标明细", title, INDICATOR_COLUMNS, widths, unit_line="")
    _write_rows(ws, book, rows, {}, len(INDICATOR_COLUMNS))
    ws.autofilter(HEADER_ROW, 0, HEADER_ROW + max(1, len(rows)), len(INDICATOR_COLUMNS) - 1)


def _rollup_sheet(book: _Book, title: str, rows: list[list], project_rows_: list[list]) -> None:
    """SUMIFS/COUNTIFS over 项目汇总, so a corrected amount there flows through; charts beside."""
    widths = _widths(ROLLUP_COLUMNS, rows)
    widths.update({c: 14 for c in ROLLUP_COLUMNS[3:]})
    widths["汇总方式"] = 11
    ws = book.sheet("资金汇总", title, ROLLUP_COLUMNS, widths)
    n = len(project_rows_)
    last = FIRST + max(n, 1)  # 1-based last data row of 项目汇总
    total_row = FIRST + n + 1  # 1-based 合计 row of 项目汇总

    def rng(column: str) -> str:
        letter = column_letter(PROJECT_COLUMNS.index(column))
        return f"'项目汇总'!${letter}${FIRST + 1}:${letter}${last}"

    year_total = f"'项目汇总'!${column_letter(PROJECT_COLUMNS.index('年度金额'))}${total_row}"
    for r, row in enumerate(rows):
        x = FIRST + r
        key_column = dict(ROLLUP_KEYS)[row[0]]
        ws.write_string(x, 0, row[0], book.center)
        ws.write_string(x, 1, cell_text(row[1]), book.text)
        # Exact match: escape the wildcards ~ * ? and lead with "=" so a name like ">5" is text.
        criterion = f'"="&SUBSTITUTE(SUBSTITUTE(SUBSTITUTE($B{x + 1},"~","~~"),"*","~*"),"?","~?")'
        ws.write_formula(x, 2, f"=COUNTIFS({rng(key_column)},{criterion})", book.integer, row[2])
        for c, column in zip(range(3, 7), ("实施期金额", "年度金额", "年度财政拨款", "年度其他资金")):
            ws.write_formula(x, c, f"=SUMIFS({rng(column)},{rng(key_column)},{criterion})", book.money,
                             float(row[c]))
        ws.write_formula(x, 7, f"=IF({year_total}=0,0,E{x + 1}/{year_total})", book.percent, float(row[7]))
    if rows:
        ws.autofilter(HEADER_ROW, 0, FIRST + len(rows) - 1, len(ROLLUP_COLUMNS) - 1)
    _charts(book, ws, rows, project_rows_)


def _charts(book: _Book, ws, rows: list[list], project_rows_: list[list]) -> None:
    col = len(ROLLUP_COLUMNS) + 1
    name_i, year_i = PROJECT_COLUMNS.index("项目名称"), PROJECT_COLUMNS.index("年度金额")
    anchor = FIRST + len(rows) + 2  # charts stack below the rollup table
    ranked = sorted(((r[year_i] or Decimal(0), r[0], r[name_i]) for r in project_rows_), key=lambda t: (-t[0], t[1]))[:20]
    if ranked:
        ws.write_string(HEADER_ROW, col, "年度金额前 20 的项目", book.head)
        ws.write_string(HEADER_ROW, col + 1, "年度金额", book.head)
        ws.set_column(col, col, 30)
        ws.set_column(col + 1, col + 1, 13)
        for i, (amount, number, name) in enumerate(ranked):
            source = FIRST + number  # 1-based row of that project in 项目汇总
            ws.write_formula(FIRST + i, col, f"='项目汇总'!{column_letter(name_i)}{source}", book.text, cell_text(name))
            ws.write_formula(FIRST + i, col + 1, f"='项目汇总'!{column_letter(year_i)}{source}", book.money, float(amount))
        chart = book.wb.add_chart({"type": "bar"})
        chart.add_series({"name": "年度金额（万元）",
                          "categories": ["资金汇总", FIRST, col, FIRST + len(ranked) - 1, col],
                          "values": ["资金汇总", FIRST, col + 1, FIRST + len(ranked) - 1, col + 1],
                          "data_labels": {"value": True, "num_format": "0.00"}})
        chart.set_title({"name": "年度金额最多的项目（万元）", "name_font": {"size": 12}})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        height = 80 + 24 * len(ranked)
        chart.set_size({"width": 640, "height": height})
        ws.insert_chart(anchor, 0, chart)
        anchor += height // 20 + 2
    units = [i for i, r in enumerate(rows) if r[0] == "按实施单位"]
    if units:
        chart = book.wb.add_chart({"type": "pie" if len(units) <= 8 else "bar"})
        chart.add_series({"name": "按实施单位",
                          "categories": ["资金汇总", FIRST + units[0], 1, FIRST + units[-1], 1],
                          "values": ["资金汇总", FIRST + units[0], 4, FIRST + units[-1], 4],
                          "data_labels": {"percentage": True} if len(units) <= 8 else {"value": True}})
        chart.set_title({"name": "年度金额按实施单位（万元）", "name_font": {"size": 12}})
        chart.set_size({"width": 480, "height": 320})
        ws.insert_chart(anchor, 0, chart)


def _findings_sheet(book: _Book, title: str, rows: list[list]) -> None:
    widths = _widths(FINDING_COLUMNS, rows, cap=60)
    widths.update({"序号": 6, "级别": 6, "单元格": 8})
    ws = book.sheet("校验问题", title, FINDING_COLUMNS, widths, unit_line="")
    _write_rows(ws, book, rows, {}, len(FINDING_COLUMNS))
    if rows:
        ws.autofilter(HEADER_ROW, 0, FIRST + len(rows) - 1, len(FINDING_COLUMNS) - 1)
        ws.conditional_format(FIRST, 1, FIRST + len(rows) - 1, 1,
                              {"type": "cell", "criteria": "==", "value": '"错误"', "format": book.error_text})


def _frameworks(projects, profile: Profile) -> str:
    """The frameworks the projects were checked against; with their project counts when several."""
    used = Counter(p.framework or profile.name for p in projects) or Counter({profile.name: 0})
    named = {name: framework_profile(name, profile) for name in used}
    if len(used) == 1:
        ((name, _),) = used.items()
        return f"{name}版 {named[name].title}"
    return "；".join(f"{name}版 {named[name].title}（{n} 个项目）" for name, n in sorted(used.items()))


def _about_sheet(book: _Book, result: Consolidation, profile: Profile, created) -> None:
    ws = book.wb.add_worksheet("说明")
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 80)
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, 1, cell_text(result.title), book.title)
    levels = Counter(f.level for f in result.findings)
    facts = [
        ("汇总表", result.title),
        ("生成时间", created.strftime("%Y-%m-%d %H:%M") + "（UTC）"),
        ("生成工具", f"perfxl {__version__}"),
        ("指标体系", _frameworks(result.projects, profile)),
        ("读取文件数", str(len(result.files))),
        ("项目数", str(len(result.projects))),
        ("指标数", str(result.indicator_count)),
        ("年度金额合计", f"{result.year_total:.2f} 万元"),
        ("错误", f"{levels[ERROR]} 个"),
        ("警告", f"{levels[WARNING]} 个"),
        ("提示", f"{levels[NOTICE]} 个"),
        ("各工作表", "项目汇总：每个项目一行，末行合计；指标明细：每个三级指标一行；资金汇总：按主管部门、实施单位、"
                  "项目类别汇总（公式引用项目汇总，修改金额后自动更新）；校验问题：需要修改之处。"),
    ]
    for r, (key, value) in enumerate(facts, 2):
        ws.write_string(r, 0, key, book.key)
        ws.write_string(r, 1, cell_text(value), book.plain)
    r = len(facts) + 3
    ws.write_string(r, 0, "读取的文件", book.key)
    per_file = Counter(p.file for p in result.projects)
    for i, name in enumerate(sorted(result.files)):
        ws.write_string(r + i, 1, cell_text(f"{name}（{per_file[name]} 个项目）"), book.plain)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def csv_safe(value) -> str:
    """A cell for CSV: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    text = str(value)
    return "'" + text if text.startswith(CSV_INJECTION) else text


CSV_NAMES = {"项目汇总": "projects.csv", "指标明细": "indicators.csv", "资金汇总": "rollup.csv", "校验问题": "findings.csv"}
CSV_COLUMNS = {"项目汇总": PROJECT_COLUMNS, "指标明细": INDICATOR_COLUMNS, "资金汇总": ROLLUP_COLUMNS,
               "校验问题": FINDING_COLUMNS}


def csv_header(sheet: str) -> bytes:
    """The first line perfxl writes in a sheet's CSV: how a later run knows the file as its own."""
    out = io.StringIO()
    csv.writer(out).writerow(CSV_COLUMNS[sheet])
    return "\ufeff".encode() + out.getvalue().encode()


def write_csvs(folder: Path, tables: dict[str, tuple]) -> list[Path]:
    """The four tables as CSV with the sheets' headers, UTF-8 with BOM for Excel."""
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
