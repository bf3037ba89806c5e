"""Checks of a Project against the form's rules and the indicator profile (DESIGN.md §5).

Every finding carries a stable code, its level, where it is (file, sheet, cell) and a Chinese
message that says what to change. Thresholds come from the profile.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from .model import ERROR, NOTICE, WARNING, Finding, Project
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
REQUIRED_BY_KIND = {"项目": REQUIRED_FIELDS, "整体支出": {"name": "missing-project-name"}}
NAME_LABEL = {"项目": "项目名称", "整体支出": "部门名称"}


def _finding(project: Project, level: str, code: str, cell: str, message: str) -> Finding:
    return Finding(level=level, code=code, message=message, file=project.file, sheet=project.sheet,
                   cell=cell, project=project.name)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def check_project(project: Project, profile: Profile) -> list[Finding]:
    """All findings of one project, in form order."""
    out: list[Finding] = []
    add = lambda level, code, cell, message: out.append(_finding(project, level, code, cell, message))  # noqa: E731
    cells = project.cells

    for key in sorted(project.absent):
        add(NOTICE, "field-not-in-layout", "", f"表中没有“{FIELD_NAMES[key]}”栏目，未检查{FIELD_NAMES[key]}；"
                                              f"如需汇总{FIELD_NAMES[key]}，请改用带此栏目的表样")
    for key, code in REQUIRED_BY_KIND.get(project.kind, REQUIRED_FIELDS).items():
        label = NAME_LABEL.get(project.kind, FIELD_NAMES[key]) if key == "name" else FIELD_NAMES[key]
        if not getattr(project, key) and key not in project.absent:
            add(ERROR, code, cells.get(key, ""), f"{label}为空：请填写{label}")
    for key, text in project.bad_amounts.items():
        if text in EXCEL_ERRORS:
            add(ERROR, "formula-error", cells.get(key, ""),
                f"{FIELD_NAMES[key]}的公式出错（显示 {text}）：请改正公式，或直接填写金额（万元）")
        else:
            add(ERROR, "amount-not-number", cells.get(key, ""),
                f"{FIELD_NAMES[key]}“{text}”不是数字：请只填数字，单位万元（如 8.2）")
    if (project.funds_year.total is None and "funds_year.total" not in project.bad_amounts
            and "funds_year.total" not in project.absent):
        add(ERROR, "missing-year-amount", cells.get("funds_year.total", ""), "年度金额为空：请填写本年度预算金额（万元）")
    tolerance = profile.thresholds.get("amount_tolerance", Decimal("0.01"))
    for side, funds in (("funds_period", project.funds_period), ("funds_year", project.funds_year)):
        for slot in ("total", "fiscal", "other"):
            value = getattr(funds, slot)
            key = f"{side}.{slot}"
            if value is not None and value < 0:
                add(ERROR, "amount-negative", cells.get(key, ""), f"{FIELD_NAMES[key]}为负数（{value}）：金额不能小于 0")
        if funds.total is not None and (funds.fiscal is not None or funds.other is not None):
            parts = (funds.fiscal or Decimal(0)) + (funds.other or Decimal(0))
            if abs(funds.total - parts) > tolerance:
                name = FIELD_NAMES[f"{side}.total"]
                add(ERROR, "amount-sum-mismatch", cells.get(f"{side}.total", ""),
                    f"{name} {_money(funds.total)} 不等于财政拨款与其他资金之和 {_money(parts)}：请核对金额")
    if (project.funds_year.total is not None and project.funds_period.total is not None
            and project.funds_year.total > project.funds_period.total + tolerance):
        add(ERROR, "year-exceeds-period", cells.get("funds_year.total", ""),
            f"年度金额 {_money(project.funds_year.total)} 大于实施期金额 {_money(project.funds_period.total)}：请核对")

    out.extend(check_indicators(project, profile))
    out.extend(check_text(project))
    return out


TEXT_FIELDS = {"name": "项目名称", "department": "主管部门", "unit": "实施单位", "period": "项目实施期",
               "attribute": "项目属性", "category": "项目类别", "goal_period": "实施期目标", "goal_year": "年度目标"}


def check_text(project: Project) -> list[Finding]:
    """Text a spreadsheet cannot hold as is: control characters, more than 32,767 characters."""
    out = []
    texts = [(label, getattr(project, key), project.cells.get(key, "")) for key, label in TEXT_FIELDS.items()]
    for ind in project.indicators:
        texts += [("三级指标", ind.level3, ind.cell), ("年度指标值", ind.value, ind.value_cell)]
    for label, text, cell in texts:
        if text in EXCEL_ERRORS and label != "年度指标值":  # 年度指标值: check_indicators says it
            out.append(_finding(project, ERROR, "formula-error", cell,
                                f"{label}的公式出错（显示 {text}）：请改正公式，或直接填写内容"))
        if len(text) > EXCEL_CELL_LIMIT:
            out.append(_finding(project, WARNING, "text-too-long", cell,
                                f"{label}长达 {len(text)} 个字符，超过表格单元格上限 {EXCEL_CELL_LIMIT}：汇总表中只保留前 "
                                f"{EXCEL_CELL_LIMIT} 个字符，请精简"))
        if CONTROL_CHARS.search(text):
            out.append(_finding(project, WARNING, "control-characters", cell,
                                f"{label}含有不可见的控制字符：汇总表中已删去，请检查原文是否完整"))
    return out


def check_indicators(project: Project, profile: Profile) -> list[Finding]:
    out: list[Finding] = []
    add = lambda level, code, cell, message: out.append(_finding(project, level, code, cell, message))  # noqa: E731
    where = project.cells.get("name", "")
    if not project.indicators:
        add(ERROR, "no-indicators", where, "没有绩效指标：请在指标表中填写一级、二级、三级指标和年度指标值")
        return out
    present = {ind.level1 for ind in project.indicators}
    for level1 in profile.required:
        if level1 not in present:
            add(ERROR, "missing-level1", where,
                f"缺少{level1}：每个项目至少要有一个{level1}（{profile.name}版指标体系），请补充")

    satisfaction_min = profile.thresholds.get("satisfaction_min", Decimal(80))
    rate_max = profile.thresholds.get("rate_max", Decimal(100))
    satisfaction_l2 = set(profile.levels.get("满意度指标", []))
    names = Counter(ind.level3 for ind in project.indicators if ind.level3)
    reported_duplicates: set[str] = set()
    for ind in project.indicators:
        t = ind.target
        if ind.note:
            add(NOTICE, "level-hybrid", ind.cell, ind.note)
        elif ind.level1 and ind.level1 not in profile.levels:
            add(WARNING, "unknown-level1", ind.cell,
                f"一级指标“{ind.level1}”不在{profile.name}版指标体系中：请改为 {'、'.join(profile.levels)} 之一")
        elif ind.level2 and ind.level2 not in profile.parent:
            add(WARNING, "unknown-level2", ind.cell,
                f"二级指标“{ind.level2}”不在{profile.name}版指标体系中：请从下拉列表选择")
        if not ind.level1:
            add(ERROR, "missing-level1-cell", ind.cell, "一级指标为空：请填写一级指标")
        elif not ind.level2:
            add(WARNING, "missing-level2", ind.cell, "二级指标为空：请填写二级指标")
        if not ind.level3:
            add(ERROR, "missing-level3", ind.cell, f"年度指标值“{ind.value}”没有对应的三级指标：请填写指标名称")
        if not ind.value:
            add(ERROR, "missing-value", ind.value_cell, f"三级指标“{ind.level3}”没有年度指标值：请填写（如 ≥90%）")
            continue
        if ind.value in EXCEL_ERRORS:
            add(ERROR, "formula-error", ind.value_cell,
                f"三级指标“{ind.level3}”的年度指标值公式出错（显示 {ind.value}）：请改正公式，或直接填写目标值")
            continue
        if t.placeholder:
            add(ERROR, "placeholder-value", ind.value_cell,
                f"年度指标值“{ind.value}”是模板占位符：请填写实际目标值")
            continue
        if t.kind == "定量" and not t.unit and not t.is_date:
            add(WARNING, "value-without-unit", ind.value_cell,
                f"年度指标值“{ind.value}”没有计量单位：请写明单位（如 {ind.value}个、{ind.value}%）")
        if ind.percent_number:
            add(NOTICE, "percent-number", ind.value_cell,
                f"年度指标值单元格是数字 {ind.percent_number}，按百分数“{ind.value}”理解；如不是，请改为文字")
        if t.implicit_operator:
            add(NOTICE, "implicit-operator", ind.value_cell,
                f"年度指标值“{ind.value}”未写符号，按“={ind.value}”理解；如为下限请写“≥”")
        is_satisfaction = ind.level2 in satisfaction_l2 or "满意" in ind.level3
        if t.unit == "%" and t.number is not None:
            if is_satisfaction and t.number < satisfaction_min:
                add(WARNING, "satisfaction-low", ind.value_cell,
                    f"满意度目标 {ind.value} 低于 {satisfaction_min}%：请核实，一般应不低于 {satisfaction_min}%")
            elif is_satisfaction and t.implicit_operator and t.number == 100:
                add(WARNING, "satisfaction-100", ind.value_cell,
                    "满意度目标写成 100%：满意度难以全部满意，建议写成“≥90%”之类")
            if t.number > rate_max and any(w in ind.level3 for w in profile.rate_words):
                add(WARNING, "rate-over-100", ind.value_cell,
                    f"比率类指标“{ind.level3}”目标 {ind.value} 超过 {rate_max}%：请核对")
        if (ind.level1 == "成本指标" or ind.level2 in profile.cost_level2) and t.operator in ("≥", ">"):
            add(WARNING, "cost-greater-than", ind.value_cell,
                f"成本指标“{ind.level3}”写成 {ind.value}：成本应设上限，请用“≤”")
        if names[ind.level3] > 1 and ind.level3 not in reported_duplicates:
            reported_duplicates.add(ind.level3)
            add(WARNING, "duplicate-indicator", ind.cell,
                f"三级指标“{ind.level3}”在本项目中出现 {names[ind.level3]} 次：请合并或改名")
    return out


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
        for p in group:
            others = "；".join(f"{o.file}!{o.sheet}" for o in group if o is not p)
            out.append(_finding(p, ERROR, "duplicate-project", p.cells.get("name", ""),
                                f"项目“{name}”（{unit}）重复出现，另见 {others}：请删除重复的一份"))
    return out
