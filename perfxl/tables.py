"""Projects and findings as the summary's tables (rows in the contract's columns) and the rollups.

summary.py writes these rows; ``frames`` gives them as pandas DataFrames. The columns are the
contract in contract.py (docs/summary.md).
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from operator import attrgetter

from .contract import (AMOUNT_COLUMNS, COUNT_COLUMNS, FINDING_COLUMNS, INDICATOR_COLUMNS, PROJECT_COLUMNS,
                       ROLLUP_COLUMNS, ROLLUP_KEYS, UNFILLED)
from .findings import finding
from .model import ERROR, LEVEL_NAMES, WARNING, Finding, Project, column_number
from .profile import Profile, framework_profile

_CELL = re.compile(r"([A-Z]+)(\d+)")


def cell_order(cell: str) -> tuple[int, int]:
    m = _CELL.fullmatch(cell or "")
    if not m:
        return (0, 0)
    return (int(m.group(2)), column_number(m.group(1)))


def project_key(p: Project) -> tuple:
    return (p.department, p.unit, p.file, p.sheet, p.position)


def sort_projects(projects: list[Project]) -> list[Project]:
    """The summary's order: 主管部门, 实施单位, source file, sheet, position in the sheet."""
    return sorted(projects, key=project_key)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """By file, sheet, cell (row, then column), project, code, message."""
    orders: dict[str, tuple[int, int]] = {}  # each cell parsed once: most recur in every form (half the sort's time)

    def key(f: Finding) -> tuple:
        order = orders.get(f.cell)
        if order is None:
            order = orders[f.cell] = cell_order(f.cell)
        return (f.file, f.sheet, order, f.project, f.code, f.message)

    return sorted(findings, key=key)


def summary_years(projects: list[Project], year: int | None = None) -> list[str]:
    """The years the summary is of: ``year`` if given, else every year its projects name, in order."""
    if year is not None:
        return [str(year)]
    return sorted({p.year for p in projects if p.year})


def check_years(projects: list[Project], year: int | None = None) -> list[Finding]:
    """A warning when the projects are of several years, or of another year than ``year``: the
    summary's title cannot then name one year without saying so."""
    counts = Counter(p.year for p in projects)
    named = sorted(y for y in counts if y)
    if len(named) < 2 and (year is None or named in ([], [str(year)])):
        return []
    parts = [f"{counts[y]} 个项目为 {y} 年度" for y in sorted(named, key=lambda y: (-counts[y], y))]
    parts = [parts[0]] + [p.replace("个项目为", "个为") for p in parts[1:]]
    if counts[""]:
        parts.append(f"{counts['']} 个未写年度")
    if year is None:
        fix = (f"汇总表标题写作“{'、'.join(named)}年度”；如只应汇总一个年度，请去掉其他年度的表，"
               "或用 --year 指定汇总表的年度")
    else:
        fix = f"汇总表按指定的年度定为 {year} 年度；请核对其他年度的项目是否应当汇总在内"
    return [finding("mixed-years", counts="，".join(parts), fix=fix)]


def project_rows(projects: list[Project], findings: list[Finding], profile: Profile) -> list[list]:
    """One row per project in PROJECT_COLUMNS order; amounts as Decimal or None.

    Indicators are counted by the role their 一级 plays in the profile (产出, 效益, 满意度; 成本 also
    as a 二级 under 产出 in 2015); errors and warnings by the project's id.
    """
    tally: dict[str, list[int]] = {}
    for f in findings:
        if f.level in (ERROR, WARNING) and f.project_id:
            tally.setdefault(f.project_id, [0, 0])[0 if f.level == ERROR else 1] += 1
    kinds: dict[tuple, tuple] = {}  # (framework, 一级, 二级) → what the indicator counts as: (role or None, cost?)
    rows = []
    for n, p in enumerate(projects, 1):
        errors, warnings = tally.get(p.id, [0, 0])
        counts = {"output": 0, "benefit": 0, "satisfaction": 0, "cost": 0}
        for i in p.indicators:
            key = (p.framework, i.level1, i.level2)
            kind = kinds.get(key)
            if kind is None:
                prof = framework_profile(p.framework, profile)  # each project counted by its own framework
                role = prof.roles.get(i.level1)
                kind = kinds[key] = (role if role in counts and role != "cost" else None, prof.is_cost(i.level1, i.level2))
            if kind[0]:
                counts[kind[0]] += 1
            if kind[1]:
                counts["cost"] += 1
        rows.append([
            n, p.name, p.department, p.unit, p.period, p.year, p.attribute, p.category, p.framework,
            p.funds_period.total, p.funds_period.fiscal, p.funds_period.other,
            p.funds_year.total, p.funds_year.fiscal, p.funds_year.other,
            counts["output"], counts["benefit"], counts["satisfaction"], counts["cost"], len(p.indicators),
            errors, warnings, p.contact, p.phone, p.file, p.sheet, p.goal_period, p.goal_year,
        ])
    return rows


def indicator_rows(projects: list[Project]) -> list[list]:
    rows = []
    n = 0
    fields = attrgetter("level1", "level2", "level3", "value")  # one C call for several attributes
    parsed = attrgetter("operator", "number", "unit", "kind", "direction")
    for p in projects:
        name, framework, file, sheet = p.name, p.framework, p.file, p.sheet
        for i in p.indicators:
            n += 1
            rows.append([n, name, framework, *fields(i), *parsed(i.target), file, sheet, i.cell])
    return rows


def finding_rows(findings: list[Finding], projects: list[Project]) -> list[list]:
    """One row per finding; 项目序号 is the project's 序号 in 项目汇总 (blank for a file's finding)."""
    number = {p.id: n for n, p in enumerate(projects, 1)}
    return [[n, LEVEL_NAMES[f.level], f.code, f.file, f.sheet, f.cell, f.project, number.get(f.project_id), f.message]
            for n, f in enumerate(findings, 1)]


def rollup_rows(project_rows_: list[list]) -> list[list]:
    """Rollups by 主管部门, 实施单位 and (where filled) 项目类别, with exact Decimal sums.

    Each row: 汇总方式, 名称, 项目数, 实施期金额, 年度金额, 年度财政拨款, 年度其他资金, 占比 (of 年度金额).
    Projects with the key left blank form one group named （未填写）: a chart never shows an empty name.
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
            out.append([label, name or UNFILLED, len(group), *sums, sums[1] / total_year if total_year else zero])
    return out


def summary_tables(projects: list[Project], findings: list[Finding], profile: Profile) -> dict[str, tuple]:
    """The summary's four tables, sheet name → (columns, rows); built once for the workbook and the CSVs."""
    p_rows = project_rows(projects, findings, profile)
    return {
        "项目汇总": (PROJECT_COLUMNS, p_rows),
        "指标明细": (INDICATOR_COLUMNS, indicator_rows(projects)),
        "资金汇总": (ROLLUP_COLUMNS, rollup_rows(p_rows)),
        "校验问题": (FINDING_COLUMNS, finding_rows(findings, projects)),
    }


FLOAT_COLUMNS = {*AMOUNT_COLUMNS, "数值", "占比"}
INT_COLUMNS = {*COUNT_COLUMNS, "序号", "项目数", "项目序号"}
CATEGORY_COLUMNS = {"指标体系", "一级指标", "二级指标", "指标性质", "指标方向", "汇总方式", "代码"}


def frames(projects: list[Project], findings: list[Finding], profile: Profile) -> dict:
    """The summary's four tables as pandas DataFrames with real dtypes, for analysis from Python.

    Amounts and 数值 are float64 (万元; blank is NaN), counts and numbers Int64 (blank is <NA>),
    级别 an ordered categorical (错误 < 警告 < 提示 … as the sheet's order), 一级/二级指标 and other
    short codes categorical, other text object. Exact decimals are in the Project objects.
    """
    import pandas as pd

    levels = pd.CategoricalDtype(list(LEVEL_NAMES.values()), ordered=True)
    out = {}
    for name, (columns, rows) in summary_tables(projects, findings, profile).items():
        data = {}
        for i, column in enumerate(columns):
            values = [r[i] for r in rows]
            if column in FLOAT_COLUMNS:
                data[column] = pd.array([float(v) if v is not None else float("nan") for v in values], dtype="float64")
            elif column in INT_COLUMNS:
                data[column] = pd.array(values, dtype="Int64")
            elif column == "级别":
                data[column] = pd.Categorical(values, dtype=levels)
            elif column in CATEGORY_COLUMNS:
                data[column] = pd.Categorical(values)
            else:
                data[column] = pd.Series(values, dtype="object")
        out[name] = pd.DataFrame(data, columns=columns)
    return out
