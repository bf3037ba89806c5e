"""Read a summary workbook written by perfxl back into Projects (a bureau consolidates again).

The departments send their summaries; the bureau gives them to ``perfxl consolidate`` with any
loose forms. Each carried project keeps the source file named in the summary (``file``) and the
summary it came in (``via``), and the findings listed in its 校验问题 stay attached to it. Each
project keeps its own 年度 (a column since perfxl 0.1; older summaries give the title's year).
A received workbook is checked like a form: amounts that are no numbers or absurdly large are
findings, never sums.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .contract import AMOUNT_COLUMNS, is_summary, table_sheets
from .findings import carried, finding
from .model import AMOUNT_LIMIT, LEVEL_NAMES, Finding, Funds, Indicator, Project, column_letter
from .targets import parse_target, value_text


def _amount(value) -> tuple[Decimal | None, str]:
    """An amount read back, checked as a form's is: (amount, "") or (None, the finding's code).

    A received workbook is anybody's: NaN, infinities or 1e308 in 年度金额 must not reach a sum.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None, ""
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except ArithmeticError:
        return None, "amount-not-number"
    if not number.is_finite():
        return None, "amount-not-number"
    if abs(number) >= AMOUNT_LIMIT:
        return None, "amount-too-large"
    return number, ""


def _shown(value) -> str:
    text = value_text(value) if not isinstance(value, float) else repr(value)
    return text if len(text) <= 30 else text[:30] + "…"


def _header_index(rows: list[list], required: list[str]) -> int | None:
    for r, row in enumerate(rows[:6]):
        texts = [str(v).strip() for v in row]
        if all(name in texts for name in required):
            return r
    return None


class _Table:
    """A sheet's rows below its header, read by column name."""

    def __init__(self, book, sheet: str, required: list[str]):
        self.rows: list[list] = []
        self.col: dict[str, int] = {}
        self.above: list[list] = []
        self.header = 0  # 0-based row of the header
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        h = _header_index(rows, required)
        if h is not None:
            self.col = {str(v).strip(): i for i, v in enumerate(rows[h])}
            self.rows, self.above, self.header = rows[h + 1:], rows[:h], h

    def get(self, row: list, name: str):
        i = self.col.get(name)
        return row[i] if i is not None and i < len(row) else ""

    def text(self, row: list, name: str) -> str:
        return value_text(self.get(row, name))


def projects_from_summary(book, file: str) -> tuple[list[Project], list[Finding]] | None:
    """Projects and carried-over findings of a summary workbook written by perfxl, or None."""
    sheets = {meta.name for meta in book.sheets_metadata}
    if not is_summary(sheets):
        return None
    t = _Table(book, "项目汇总", ["项目名称", "年度金额", "来源文件"])
    if not t.col:
        return None
    year = re.search(r"(\d{4})年度", " ".join(str(v) for row in t.above for v in row))
    by_number: dict[str, Project] = {}
    by_place: dict[tuple, Project] = {}
    order: list[Project] = []
    places: dict[tuple, int] = {}
    findings: list[Finding] = []
    for r, row in enumerate(t.rows):
        number = t.text(row, "序号")
        if number in ("", "合计") or not any(str(v).strip() for v in row):
            continue
        amounts = {}
        for column in AMOUNT_COLUMNS:
            amounts[column], problem = _amount(t.get(row, column))
            if problem:
                cell = f"{column_letter(t.col[column])}{t.header + r + 2}"
                findings.append(finding(problem, file=file, sheet="项目汇总", cell=cell, field=column,
                                        text=_shown(t.get(row, column))))
        p = Project(
            name=t.text(row, "项目名称"), department=t.text(row, "主管部门"), unit=t.text(row, "实施单位"),
            period=t.text(row, "项目实施期"), attribute=t.text(row, "项目属性"), category=t.text(row, "项目类别"),
            framework=t.text(row, "指标体系"),
            funds_period=Funds(*(amounts[c] for c in AMOUNT_COLUMNS[:3])),
            funds_year=Funds(*(amounts[c] for c in AMOUNT_COLUMNS[3:])),
            goal_period=t.text(row, "实施期目标"), goal_year=t.text(row, "年度目标"),
            file=t.text(row, "来源文件"), sheet=t.text(row, "来源工作表"),
            year=t.text(row, "年度") or (year.group(1) if year else ""),  # older summaries: the title's year
            contact=t.text(row, "填表人"), phone=t.text(row, "联系电话"), via=file,
        )
        p.position = places.get((p.file, p.sheet), 0)
        places[(p.file, p.sheet)] = p.position + 1
        by_number[number] = p
        by_place.setdefault((p.file, p.sheet, p.name), p)
        order.append(p)

    for sheet in table_sheets("指标明细", sheets):  # 指标明细（二）… continue a table too long for one sheet
        t = _Table(book, sheet, ["项目名称", "三级指标", "年度指标值"])
        for row in t.rows:
            p = by_place.get((t.text(row, "来源文件"), t.text(row, "来源工作表"), t.text(row, "项目名称")))
            if p is None:
                continue
            value = t.text(row, "年度指标值")
            p.indicators.append(Indicator(t.text(row, "一级指标"), t.text(row, "二级指标"), t.text(row, "三级指标"),
                                          value, parse_target(value), cell=t.text(row, "单元格")))

    levels = {v: k for k, v in LEVEL_NAMES.items()}
    for sheet in table_sheets("校验问题", sheets):
        t = _Table(book, sheet, ["级别", "代码", "说明"])
        for row in t.rows:
            level, code = levels.get(t.text(row, "级别")), t.text(row, "代码")
            if not level or code in ("duplicate-project", "mixed-years"):  # judged again across the new run
                continue
            p = by_number.get(t.text(row, "项目序号")) or by_place.get(
                (t.text(row, "文件"), t.text(row, "工作表"), t.text(row, "项目名称")))
            findings.append(carried(level, code, t.text(row, "说明"), t.text(row, "文件"), t.text(row, "工作表"),
                                    t.text(row, "单元格"), p))
    return order, findings
