"""Checks of a Project against the form's rules and the indicator profile (docs/domain.md, docs/findings.md).

Every finding carries a stable code, its level, where it is (file, sheet, cell) and a Chinese
message that says what to change. Thresholds come from the profile.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from decimal import Decimal, InvalidOperation
from operator import attrgetter

from .findings import about, finding
from .model import AMOUNT_LIMIT, PROJECT_ATTRIBUTES, Finding, Indicator, Project
from .output import CONTROL_CHARS, EXCEL_CELL_LIMIT
from .profile import Profile

FIELD_NAMES = {
    "name": "项目名称", "department": "主管部门", "unit": "实施单位", "period": "项目实施期",
    "funds_period.total": "实施期金额", "funds_period.fiscal": "实施期财政拨款", "funds_period.other": "实施期其他资金",
    "funds_year.total": "年度金额", "funds_year.fiscal": "年度财政拨款", "funds_year.other": "年度其他资金",
}
# What a cell shows when its formula fails (calamine reads these as blank; scan/reading restore them).
EXCEL_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!"}
REQUIRED_FIELDS = {"name": "missing-project-name", "department": "missing-department",
                   "unit": "missing-implementing-unit"}
# A whole-department form (部门整体支出绩效目标表) is about one department: no 主管部门/实施单位 to fill.
REQUIRED_BY_KIND = {"项目": REQUIRED_FIELDS, "整体支出": {"name": "missing-department-name"}}


def too_large(text: str) -> str | None:
    """A refused amount that is a number, only too large for one (≥ AMOUNT_LIMIT): how to show it."""
    plain = unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "").rstrip("元").rstrip("万")
    try:
        number = Decimal(plain)
    except InvalidOperation:
        return None
    if not number.is_finite() or float(abs(number)) < float(AMOUNT_LIMIT):  # float: a cell's 1e28 is just below
        return None
    return text if len(text) <= 30 else f"{number:.6E}"


_TOLERANCE, _ZERO = Decimal("0.01"), Decimal(0)  # made once: a Decimal costs a call each time


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def check_project(project: Project, profile: Profile) -> list[Finding]:
    """All findings of one project, in form order."""
    out: list[Finding] = []
    add = about(project, out)
    cells = project.cells

    for key in sorted(project.absent):
        add("field-not-in-layout", "", field=FIELD_NAMES[key])
    for key in sorted(project.derived):
        add("amount-from-parts", cells.get(key, ""), field=FIELD_NAMES[key], total=_money(getattr(
            getattr(project, key.split(".")[0]), "total")))
    for key, code in REQUIRED_BY_KIND.get(project.kind, REQUIRED_FIELDS).items():
        if not getattr(project, key) and key not in project.absent:
            add(code, cells.get(key, ""))
    for key, text in project.bad_amounts.items():
        if text in EXCEL_ERRORS:
            add("formula-error", cells.get(key, ""), field=FIELD_NAMES[key], shown=text, content="金额（万元）")
        elif (huge := too_large(text)) is not None:
            add("amount-too-large", cells.get(key, ""), field=FIELD_NAMES[key], text=huge)
        else:
            add("amount-not-number", cells.get(key, ""), field=FIELD_NAMES[key], text=text)
    if (project.funds_year.total is None and "funds_year.total" not in project.bad_amounts
            and "funds_year.total" not in project.absent):
        add("missing-year-amount", cells.get("funds_year.total", ""))
    tolerance = profile.thresholds.get("amount_tolerance", _TOLERANCE)
    for side, funds in (("funds_period", project.funds_period), ("funds_year", project.funds_year)):
        total, fiscal, other = funds.total, funds.fiscal, funds.other
        for slot, value in (("total", total), ("fiscal", fiscal), ("other", other)):
            if value is not None and value < 0:
                key = f"{side}.{slot}"
                add("amount-negative", cells.get(key, ""), field=FIELD_NAMES[key], value=value)
        if (total is not None and (fiscal is not None or other is not None)
                and not (other is None and f"{side}.other" in project.absent)):  # the form has no 其他资金 row
            parts = (fiscal or _ZERO) + (other or _ZERO)
            if abs(total - parts) > tolerance:
                add("amount-sum-mismatch", cells.get(f"{side}.total", ""), field=FIELD_NAMES[f"{side}.total"],
                    total=_money(total), parts=_money(parts))
    if (project.funds_year.total is not None and project.funds_period.total is not None
            and project.funds_year.total > project.funds_period.total + tolerance):
        add("year-exceeds-period", cells.get("funds_year.total", ""), year=_money(project.funds_year.total),
            period=_money(project.funds_period.total))

    # Only where the layout has the field: the reader records a label's cell even when it is blank.
    if "goal_year" in cells and not project.goal_year:
        add("missing-year-goal", cells["goal_year"])
    if "attribute" in cells and not project.attribute:
        add("missing-attribute", cells["attribute"], choices="、".join(PROJECT_ATTRIBUTES))
    out.extend(check_indicators(project, profile))
    out.extend(check_text(project))
    return out


TEXT_FIELDS = {"name": "项目名称", "department": "主管部门", "unit": "实施单位", "period": "项目实施期",
               "attribute": "项目属性", "category": "项目类别", "goal_period": "实施期目标", "goal_year": "年度目标"}
# Getters that save a Python-level loop per form in check_text.
_TEXT_VALUES, _LEVEL3, _VALUE = attrgetter(*TEXT_FIELDS), attrgetter("level3"), attrgetter("value")


def check_text(project: Project) -> list[Finding]:
    """Text a spreadsheet cannot hold as is: control characters, more than 32,767 characters."""
    plain = [*_TEXT_VALUES(project), *map(_LEVEL3, project.indicators), *map(_VALUE, project.indicators)]
    joined = "".join(plain)
    fits = len(joined) <= EXCEL_CELL_LIMIT or max(map(len, plain)) <= EXCEL_CELL_LIMIT  # all together fit: each does
    # The common case, with no loop; isprintable says "no control character" in one quick pass
    # (a line break or a wide space is not printable either: then the pattern decides).
    if fits and EXCEL_ERRORS.isdisjoint(plain) and (joined.isprintable() or not CONTROL_CHARS.search(joined)):
        return []
    out = []
    add = about(project, out)
    texts = [(label, getattr(project, key), project.cells.get(key, "")) for key, label in TEXT_FIELDS.items()]
    for ind in project.indicators:
        texts += [("三级指标", ind.level3, ind.cell), ("年度指标值", ind.value, ind.value_cell)]
    for label, text, cell in texts:
        if text in EXCEL_ERRORS and label != "年度指标值":  # 年度指标值: check_indicators says it
            add("formula-error", cell, field=label, shown=text, content="内容")
        if len(text) > EXCEL_CELL_LIMIT:
            add("text-too-long", cell, field=label, length=len(text), limit=EXCEL_CELL_LIMIT)
        if CONTROL_CHARS.search(text):
            add("control-characters", cell, field=label)
    return out


_SATISFACTION_MIN, _RATE_MAX = Decimal(80), Decimal(100)  # defaults of the profile's thresholds


def check_indicators(project: Project, profile: Profile) -> list[Finding]:
    out: list[Finding] = []
    add = about(project, out)
    where = project.cells.get("name", "")
    if not project.indicators:
        add("no-indicators", where)
        return out
    present = profile.present_level1(project.indicators)
    for level1 in profile.required:
        if level1 not in present:
            add("missing-level1", where, level1=level1, framework=profile.name)

    satisfaction_min = profile.thresholds.get("satisfaction_min", _SATISFACTION_MIN)
    rate_max = profile.thresholds.get("rate_max", _RATE_MAX)
    satisfaction_l2 = profile.satisfaction_level2
    level3s = [ind.level3 for ind in project.indicators if ind.level3]
    names = Counter(level3s) if len(set(level3s)) < len(level3s) else {}  # counted only when a name repeats
    reported_duplicates: set[str] = set()
    reported_levels: set[tuple[str, str]] = set()  # a merged 一级 cell over five rows is one thing to change
    parent = profile.parent
    make = None  # findings for check_levels, made only for a form with a level that does not fit
    for ind in project.indicators:
        t = ind.target
        if not (ind.level1 and parent.get(ind.level2) == ind.level1):  # else it fits: check_levels says nothing
            make = make or about(project)
            for f in check_levels(make, profile, ind):
                if (f.code, f.cell) not in reported_levels:
                    reported_levels.add((f.code, f.cell))
                    out.append(f)
        if not ind.level3:
            add("missing-level3", ind.cell, value=ind.value)
        if not ind.value:
            add("missing-value", ind.value_cell, level3=ind.level3)
            continue
        if ind.value in EXCEL_ERRORS:
            add("formula-error", ind.value_cell, field=f"三级指标“{ind.level3}”的年度指标值", shown=ind.value,
                content="目标值")
            continue
        if t.placeholder:
            add("placeholder-value", ind.value_cell, value=ind.value)
            continue
        if t.kind == "定量" and not t.unit and not t.is_date:
            add("value-without-unit", ind.value_cell, value=ind.value)
        if ind.percent_number:
            add("percent-number", ind.value_cell, number=ind.percent_number, value=ind.value)
        if t.implicit_operator:
            add("implicit-operator", ind.value_cell, value=ind.value)
        if t.unit == "%" and t.number is not None:
            is_satisfaction = ind.level2 in satisfaction_l2 or "满意" in ind.level3
            if is_satisfaction and t.number < satisfaction_min:
                add("satisfaction-low", ind.value_cell, value=ind.value, minimum=satisfaction_min)
            elif is_satisfaction and t.implicit_operator and t.number == 100:
                add("satisfaction-100", ind.value_cell)
            if t.number > rate_max and any(w in ind.level3 for w in profile.rate_words):
                add("rate-over-100", ind.value_cell, level3=ind.level3, value=ind.value, maximum=rate_max)
        if t.operator in ("≥", ">") and profile.is_cost(ind.level1, ind.level2):
            add("cost-greater-than", ind.value_cell, level3=ind.level3, value=ind.value)
        if names.get(ind.level3, 0) > 1 and ind.level3 not in reported_duplicates:
            reported_duplicates.add(ind.level3)
            add("duplicate-indicator", ind.cell, level3=ind.level3, count=names[ind.level3])
    return out


def check_levels(add, profile: Profile, ind: Indicator) -> list[Finding]:
    """An indicator's 一级 and 二级 against the framework, each finding at the cell to change.

    A name outside the framework is an error listing the names it allows (counts by 一级 and
    the required-一级 check mean nothing otherwise); a 二级 the profile declares as a local
    hybrid under this 一级 is kept with a notice; a framework 二级 under another 一级 is a warning.
    ``add`` makes a finding about the indicator's project (findings.about).
    """
    l1_cell, l2_cell = ind.level1_cell or ind.cell, ind.level2_cell or ind.cell
    framework = profile.name
    if ind.level1 and ind.level1 not in profile.levels:
        return [add("unknown-level1", l1_cell, level1=ind.level1, framework=framework,
                    choices="、".join(profile.levels))]
    out = []
    if not ind.level1:
        out.append(add("missing-level1-cell", l1_cell, choices="、".join(profile.levels)))
    if not ind.level2:
        if ind.level1:
            out.append(add("missing-level2", l2_cell, level1=ind.level1,
                           choices="、".join(profile.levels[ind.level1])))
    elif ind.level2 not in profile.parent:
        if profile.foreign_level2.get(ind.level2) == ind.level1 and ind.note:
            out.append(add("level-hybrid", l2_cell, note=ind.note))
        else:
            allowed = profile.levels.get(ind.level1) or list(profile.parent)
            out.append(add("unknown-level2", l2_cell, level2=ind.level2, framework=framework,
                           choices="、".join(allowed)))
    elif ind.level1 and profile.parent[ind.level2] != ind.level1:
        out.append(add("level2-elsewhere", l2_cell, level1=ind.level1, level2=ind.level2, framework=framework,
                       home=profile.parent[ind.level2], choices="、".join(profile.levels[ind.level1])))
    return out


SHOWN_DUPLICATES = 5  # places named in a duplicate-project finding


def check_duplicates(projects: list[Project]) -> list[Finding]:
    """A project met twice (same 项目名称 and 实施单位) is kept twice and flagged on both."""
    groups: dict[tuple[str, str], list[Project]] = {}
    for p in projects:
        if p.name:
            groups.setdefault((p.name, p.unit), []).append(p)
    out = []
    for (name, unit), group in groups.items():
        if len(group) < 2:
            continue
        places = [f"{o.file}!{o.sheet}" for o in group[:SHOWN_DUPLICATES + 1]]
        for i, p in enumerate(group):
            # A few of the others, and how many: listing all would grow with the square of the copies.
            others = "；".join([x for j, x in enumerate(places) if j != i][:SHOWN_DUPLICATES])
            if len(group) - 1 > SHOWN_DUPLICATES:
                others += f" 等 {len(group) - 1} 处"
            out.append(finding("duplicate-project", project=p, cell=p.cells.get("name", ""), name=name,
                               unit=f"（{unit}）" if unit else "", others=others))
    return out
