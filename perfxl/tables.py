"""Projects and findings as the summary's tables, the rollups, and the way back from a summary.

The column lists here are the summary workbook contract (DESIGN.md §6); summary.py writes
these rows (``frames`` gives them as pandas DataFrames), and ``projects_from_summary`` reads a written summary back into Projects so
that a finance bureau can consolidate departments' summaries again.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .model import ERROR, LEVEL_NAMES, WARNING, Finding, Indicator, Project
from .targets import parse_target, value_text

PROJECT_COLUMNS = [
    "序号", "项目名称", "主管部门", "实施单位", "项目实施期", "项目属性", "项目类别",
    "实施期金额", "实施期财政拨款", "实施期其他资金", "年度金额", "年度财政拨款", "年度其他资金",
    "产出指标数", "效益指标数", "满意度指标数", "成本指标数", "指标总数", "错误数", "警告数",
    "来源文件", "来源工作表", "实施期目标", "年度目标",
]
AMOUNT_COLUMNS = ["实施期金额", "实施期财政拨款", "实施期其他资金", "年度金额", "年度财政拨款", "年度其他资金"]
COUNT_COLUMNS = ["产出指标数", "效益指标数", "满意度指标数", "成本指标数", "指标总数", "错误数", "警告数"]
INDICATOR_COLUMNS = [
    "序号", "项目名称", "一级指标", "二级指标", "三级指标", "年度指标值", "符号", "数值", "计量单位",
    "指标性质", "指标方向", "来源文件", "来源工作表", "单元格",
]
ROLLUP_COLUMNS = ["汇总方式", "名称", "项目数", "实施期金额", "年度金额", "年度财政拨款", "年度其他资金", "占比"]
ROLLUP_KEYS = [("按主管部门", "主管部门"), ("按实施单位", "实施单位"), ("按项目类别", "项目类别")]
FINDING_COLUMNS = ["序号", "级别", "代码", "文件", "工作表", "单元格", "项目名称", "说明"]
_CELL = re.compile(r"([A-Z]+)(\d+)")


def cell_order(cell: str) -> tuple[int, int]:
    m = _CELL.fullmatch(cell or "")
    if not m:
        return (0, 0)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return (int(m.group(2)), col)


def project_key(p: Project) -> tuple:
    return (p.department, p.unit, p.file, p.sheet, p.position)


def sort_projects(projects: list[Project]) -> list[Project]:
    """The summary's order: 主管部门, 实施单位, source file, sheet, position in the sheet."""
    return sorted(projects, key=project_key)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.file, f.sheet, cell_order(f.cell), f.project, f.code, f.message))


def _count(project: Project, level1: str) -> int:
    return sum(i.level1 == level1 for i in project.indicators)


def project_rows(projects: list[Project], findings: list[Finding], cost_level2=()) -> list[list]:
    """One row per project in PROJECT_COLUMNS order; amounts as Decimal or None."""
    tally: dict[tuple, list[int]] = {}
    for f in findings:
        if f.level in (ERROR, WARNING):
            counts = tally.setdefault((f.file, f.sheet, f.project), [0, 0])
            counts[0 if f.level == ERROR else 1] += 1
    rows = []
    for n, p in enumerate(projects, 1):
        errors, warnings = tally.get((p.file, p.sheet, p.name), [0, 0])
        cost = sum(i.level1 == "成本指标" or i.level2 in cost_level2 for i in p.indicators)
        rows.append([
            n, p.name, p.department, p.unit, p.period, p.attribute, p.category,
            p.funds_period.total, p.funds_period.fiscal, p.funds_period.other,
            p.funds_year.total, p.funds_year.fiscal, p.funds_year.other,
            _count(p, "产出指标"), _count(p, "效益指标"), _count(p, "满意度指标"), cost, len(p.indicators),
            errors, warnings, p.file, p.sheet, p.goal_period, p.goal_year,
        ])
    return rows


def indicator_rows(projects: list[Project]) -> list[list]:
    rows = []
    n = 0
    for p in projects:
        for i in p.indicators:
            n += 1
            t = i.target
            rows.append([n, p.name, i.level1, i.level2, i.level3, i.value, t.operator,
                         t.number, t.unit, t.kind, t.direction, p.file, p.sheet, i.cell])
    return rows


def finding_rows(findings: list[Finding]) -> list[list]:
    return [[n, LEVEL_NAMES[f.level], f.code, f.file, f.sheet, f.cell, f.project, f.message]
            for n, f in enumerate(findings, 1)]


def rollup_rows(project_rows_: list[list]) -> list[list]:
    """Rollups by 主管部门, 实施单位 and (where filled) 项目类别, with exact Decimal sums.

    Each row: 汇总方式, 名称, 项目数, 实施期金额, 年度金额, 年度财政拨款, 年度其他资金, 占比 (of 年度金额).
    Plain dicts, not pandas: 10,000 rows group in milliseconds and the import costs more.
    """
    zero = Decimal(0)
    index = {name: i for i, name in enumerate(PROJECT_COLUMNS)}
    amounts = [index[c] for c in ("实施期金额", "年度金额", "年度财政拨款", "年度其他资金")]
    total_year = sum((r[index["年度金额"]] or zero for r in project_rows_), zero)
    out = []
    for label, column in ROLLUP_KEYS:
        key = index[column]
        if column == "项目类别" and not any(r[key] for r in project_rows_):
            continue
        groups: dict[str, list] = {}
        for r in project_rows_:
            groups.setdefault(r[key], []).append(r)
        for name in sorted(groups):
            group = groups[name]
            sums = [sum((r[i] or zero for r in group), zero) for i in amounts]
            out.append([label, name, len(group), *sums, sums[1] / total_year if total_year else zero])
    return out


def summary_tables(projects: list[Project], findings: list[Finding], cost_level2=()) -> dict[str, tuple]:
    """The summary's four tables, sheet name → (columns, rows); built once for the workbook and the CSVs."""
    p_rows = project_rows(projects, findings, cost_level2)
    return {
        "项目汇总": (PROJECT_COLUMNS, p_rows),
        "指标明细": (INDICATOR_COLUMNS, indicator_rows(projects)),
        "资金汇总": (ROLLUP_COLUMNS, rollup_rows(p_rows)),
        "校验问题": (FINDING_COLUMNS, finding_rows(findings)),
    }


def frames(projects: list[Project], findings: list[Finding], cost_level2=()) -> dict:
    """The summary's four tables as pandas DataFrames, for analysis from Python."""
    import pandas as pd

    return {name: pd.DataFrame(rows, columns=columns)
            for name, (columns, rows) in summary_tables(projects, findings, cost_level2).items()}


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except ArithmeticError:
        return None


def _header_index(rows: list[list], required: list[str]) -> int | None:
    for r, row in enumerate(rows[:6]):
        texts = [str(v).strip() for v in row]
        if all(name in texts for name in required):
            return r
    return None


def is_summary(sheet_names) -> bool:
    return {"项目汇总", "指标明细"} <= set(sheet_names)


def projects_from_summary(book, file: str) -> tuple[list[Project], list[Finding]] | None:
    """Projects and carried-over findings of a summary workbook written by perfxl, or None."""
    from .model import Funds

    sheets = {meta.name for meta in book.sheets_metadata}
    if not is_summary(sheets):
        return None
    rows = book.get_sheet_by_name("项目汇总").to_python(skip_empty_area=False)
    h = _header_index(rows, ["项目名称", "年度金额", "来源文件"])
    if h is None:
        return None
    year = re.search(r"(\d{4})年度", " ".join(str(v) for row in rows[:h] for v in row))
    col = {str(v).strip(): i for i, v in enumerate(rows[h])}
    get = lambda row, name: row[col[name]] if name in col and col[name] < len(row) else ""  # noqa: E731
    text = lambda row, name: str(get(row, name)).strip()  # noqa: E731
    projects: dict[tuple, Project] = {}
    order = []
    for row in rows[h + 1:]:
        if text(row, "序号") in ("", "合计") or not any(str(v).strip() for v in row):
            continue
        p = Project(
            name=text(row, "项目名称"), department=text(row, "主管部门"), unit=text(row, "实施单位"),
            period=text(row, "项目实施期"), attribute=text(row, "项目属性"), category=text(row, "项目类别"),
            funds_period=Funds(*(_decimal(get(row, c)) for c in ("实施期金额", "实施期财政拨款", "实施期其他资金"))),
            funds_year=Funds(*(_decimal(get(row, c)) for c in ("年度金额", "年度财政拨款", "年度其他资金"))),
            goal_period=text(row, "实施期目标"), goal_year=text(row, "年度目标"),
            file=text(row, "来源文件"), sheet=text(row, "来源工作表"), year=year.group(1) if year else "",
        )
        projects.setdefault((p.file, p.sheet, p.name), p)
        order.append(p)
    by_sheet: dict[tuple, int] = {}
    for p in order:
        p.position = by_sheet.get((p.file, p.sheet), 0)
        by_sheet[(p.file, p.sheet)] = p.position + 1

    rows = book.get_sheet_by_name("指标明细").to_python(skip_empty_area=False)
    h = _header_index(rows, ["项目名称", "三级指标", "年度指标值"])
    if h is not None:
        col = {str(v).strip(): i for i, v in enumerate(rows[h])}
        for row in rows[h + 1:]:
            key = (text(row, "来源文件"), text(row, "来源工作表"), text(row, "项目名称"))
            p = projects.get(key)
            if p is None:
                continue
            value = value_text(get(row, "年度指标值"))
            p.indicators.append(Indicator(text(row, "一级指标"), text(row, "二级指标"), text(row, "三级指标"),
                                          value, parse_target(value), cell=text(row, "单元格")))

    findings: list[Finding] = []
    if "校验问题" in sheets:
        rows = book.get_sheet_by_name("校验问题").to_python(skip_empty_area=False)
        h = _header_index(rows, ["级别", "代码", "说明"])
        levels = {v: k for k, v in LEVEL_NAMES.items()}
        if h is not None:
            col = {str(v).strip(): i for i, v in enumerate(rows[h])}
            for row in rows[h + 1:]:
                level = levels.get(text(row, "级别"))
                if level and text(row, "代码") != "duplicate-project":
                    findings.append(Finding(level, text(row, "代码"), text(row, "说明"), text(row, "文件"),
                                            text(row, "工作表"), text(row, "单元格"), text(row, "项目名称")))
    return order, findings
