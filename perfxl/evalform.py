"""Write one 项目支出绩效自评表 (财预〔2020〕10号 annex) per project, prefilled from approved targets.

(Not named selfeval.py: a submodule of that name would replace the ``perfxl.selfeval`` function.)

Layout, columns A–H: title and (年度); 项目名称; 主管部门 | 实施单位; the fund block (年初预算数,
全年预算数, 全年执行数, 分值, 执行率, 得分; rows 年度资金总额, 其中：当年财政拨款, 上年结转资金,
其他资金); 年度总体目标 as 预期目标 | 实际完成情况; the indicator grid (一级 … 年度指标值, 实际完成值,
分值, 得分, 偏差原因分析及改进措施); 总分; 自评等级. Input cells are unlocked, the rest locked
(no password). 执行率, every 得分, 总分 and 等级 are formulas that Excel, WPS and LibreOffice
compute, using hidden helper columns J–O that perfxl writes per indicator row: the scoring kind,
the target's number and unit (so the user types only the actual), the actual as a number in the
target's unit, whether the row counts, and whether it is still unscored. An actual the formula
cannot read (anything but a number, "N%" or "N" plus the target's unit) leaves 得分 empty, and
``perfxl validate`` gives the rule's score instead. The rules are perfxl/scoring.py's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from .errors import InputError, UsageError, describe_os_error
from .evaluation import Evaluation, Row, applicable, rescore
from .form import parse_amount
from .grid import decode_text
from .model import Project
from .output import atomic_path, build_time, cell_text, mark, refuse_inputs, safe_filename, written_kind
from .profile import Profile, label_key, load_profile
from .scoring import EXECUTION, LESS, MORE, NONE, TIER, ZERO, Rules, plan_weights, scoring_kind, total_score
from .template import finish_form_sheet, sheet_title

FUND_ROW, FUND_LABELS = 5, ("年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金")
HEADER = 11  # 0-based row of the indicator grid's header
KIND_NAMES = {MORE: "正向", LESS: "反向", ZERO: "零目标", TIER: "定性", NONE: "无目标"}  # the helper column's words
HELPER = ["评分方式", "目标数值", "计量单位", "实际数值", "计入总分", "未评分"]  # columns J–O, hidden


@dataclass
class Actuals:
    """全年预算数 and 全年执行数 per project from a budget-system export; unmatched rows kept for the report."""

    amounts: dict[tuple[str, str], tuple[Decimal | None, Decimal | None]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)  # "第 N 行 项目名称（实施单位）"


@dataclass
class SelfevalResult:
    written: list[Path] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    findings: list = field(default_factory=list)  # of reading the target forms
    unmatched: list[str] = field(default_factory=list)  # rows of --actuals matching no project
    notes: list[str] = field(default_factory=list)  # e.g. a project whose 分值 do not add up to 100
    filled: int = 0  # projects whose fund block --actuals filled


def _key(text: str) -> str:
    return label_key(text or "")


_ACTUAL_COLUMNS = {"项目名称": "name", "实施单位": "unit", "全年预算数": "budget", "全年执行数": "spent",
                   "项目单位": "unit", "预算单位": "unit", "全年执行": "spent", "执行数": "spent", "预算数": "budget"}


def read_actuals(path: str | Path) -> list[tuple[int, str, str, Decimal | None, Decimal | None]]:
    """Rows (row number, 项目名称, 实施单位, 全年预算数, 全年执行数) of a CSV (UTF-8 or GBK) or xlsx export."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"无法读取执行数文件 {path}（{describe_os_error(exc)}）") from None
    if data[:2] == b"PK" or data[:4] == b"\xd0\xcf\x11\xe0":
        # Guarded like any input workbook before calamine sees it (bombs, far cells, entities).
        from .reading import Unreadable, classify, open_book

        try:
            book, _ = open_book(str(path), data, classify(str(path), data))
            rows = book.get_sheet_by_index(0).to_python()
        except Unreadable as exc:
            raise InputError(f"执行数文件 {path}：{exc.finding.message}") from None
        except Exception:  # calamine's own errors on damaged files
            raise InputError(f"执行数文件 {path} 已损坏，无法读取：请另存为 xlsx 或 CSV") from None
    else:
        rows = list(csv.reader(io.StringIO(decode_text(data))))
    for h, row in enumerate(rows[:20]):
        columns: dict[str, tuple[int, bool]] = {}
        for c, v in enumerate(row):
            key = _key(str(v))
            in_yuan = key.endswith("(元)")
            key = re.sub(r"\((万元|元)\)$", "", key)
            if key in _ACTUAL_COLUMNS and _ACTUAL_COLUMNS[key] not in columns:
                columns[_ACTUAL_COLUMNS[key]] = (c, in_yuan)
        if "name" in columns and ("budget" in columns or "spent" in columns):
            break
    else:
        raise InputError(f"执行数文件 {path} 中找不到表头（项目名称、实施单位、全年预算数、全年执行数）：请检查第一行")
    out = []
    for r in range(h + 1, len(rows)):
        row = rows[r]
        get = lambda k: row[columns[k][0]] if k in columns and columns[k][0] < len(row) else ""  # noqa: E731
        name = str(get("name")).strip()
        if not name:
            continue
        amounts = []
        for k in ("budget", "spent"):
            value, ok = parse_amount(get(k), columns.get(k, (0, False))[1])
            if not ok:
                raise InputError(f"执行数文件 {path} 第 {r + 1} 行的{'全年预算数' if k == 'budget' else '全年执行数'}"
                                 f"“{get(k)}”不是数字：请只填数字（万元）")
            amounts.append(value)
        out.append((r + 1, name, str(get("unit")).strip(), amounts[0], amounts[1]))
    return out


def match_actuals(projects: list[Project], rows) -> Actuals:
    """Match rows to projects by 项目名称 and 实施单位 (by name alone when the row has no unit or the name is unique)."""
    result = Actuals()
    by_name: dict[str, list[Project]] = {}
    for p in projects:
        by_name.setdefault(_key(p.name), []).append(p)
    for number, name, unit, budget, spent in rows:
        candidates = by_name.get(_key(name), [])
        hit = next((p for p in candidates if _key(p.unit) == _key(unit)), None)
        if hit is None and len(candidates) == 1 and not unit:
            hit = candidates[0]
        if hit is None:
            result.unmatched.append(f"第 {number} 行 {name}" + (f"（{unit}）" if unit else ""))
            continue
        result.amounts[(hit.name, hit.unit)] = (budget, spent)
    return result


def evaluation_of(project: Project, rules: Rules, budget=None, spent=None) -> Evaluation:
    """The Evaluation a fresh 自评表 starts with: targets, planned 分值, the fund block if known."""
    fund_weight, weights = plan_weights([i.level1 for i in project.indicators], rules)
    ev = Evaluation(budget_start=project.funds_year.total, budget=budget, spent=spent, fund_weight=fund_weight,
                    goal_actual="", ours=True)
    for ind, weight in zip(project.indicators, weights):
        ev.rows.append(Row(level1=ind.level1, level2=ind.level2, level3=ind.level3, value=ind.value, weight=weight))
    return rescore(ev, rules)


def selfeval(paths, output_dir: str | Path, *, actuals: str | Path | None = None,
             profile: str | Profile | None = None, progress=None) -> SelfevalResult:
    """Read approved target forms (any layout perfxl reads) and write one 自评表 per project (``perfxl.selfeval``).

    An existing file in ``output_dir`` is replaced only if perfxl wrote it as a 自评表; otherwise
    nothing is written and UsageError says which file is in the way.
    """
    from .pipeline import read

    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    rules = prof.rules
    folder = Path(output_dir)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    for p in paths:
        if Path(p).is_dir() and folder.resolve() == Path(p).resolve():
            raise UsageError(f"输出文件夹 {folder} 就是输入文件夹：自评表会和目标表混在一起；请用 -o 指定另一个文件夹")
    read_result = read(paths, prof, progress=progress)
    projects = [p for p in read_result.projects if p.evaluation is None]
    result = SelfevalResult(projects=projects, findings=read_result.findings)
    matched = Actuals()
    if actuals is not None:
        matched = match_actuals(projects, read_actuals(actuals))
        result.unmatched = matched.unmatched
    if not projects:
        return result
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    plan = [(p, folder / safe_filename(p.name, taken, suffix="_自评表.xlsx", limit=60)) for p in projects]
    inputs = [Path(f) for f in read_result.files] + ([Path(actuals)] if actuals else [])
    for _, path in plan:
        refuse_inputs(path, inputs)
        if path.exists() and written_kind(path) != "selfeval":  # saved since, or not ours
            raise UsageError(f"{path} 已存在，且不是 perfxl 生成的自评表：为免覆盖，请换一个输出文件夹或先移走它")
    for project, path in plan:
        budget, spent = matched.amounts.get((project.name, project.unit), (None, None))
        result.filled += (project.name, project.unit) in matched.amounts
        ev = evaluation_of(project, rules, budget, spent)
        if ev.weights_total() != 100:
            result.notes.append(f"{project.name}：分值合计 {ev.weights_total():.2f}，不是 100"
                                f"（{profile_missing(ev, rules)}）；请在生成的自评表中调整分值")
        write_selfeval(path, project, ev, rules, prof)
        result.written.append(path)
    return result


class _Formats:
    def __init__(self, wb):
        font = {"font_name": "宋体", "font_size": 11}
        box = {**font, "border": 1, "valign": "vcenter", "text_wrap": True}
        add = wb.add_format
        self.title = add({"font_name": "宋体", "font_size": 18, "bold": True, "align": "center", "valign": "vcenter"})
        self.sub = add({**font, "align": "center"})
        self.label = add({**box, "bold": True, "align": "center", "bg_color": "#F2F2F2"})
        self.text = add({**box})  # locked, prefilled
        self.center = add({**box, "align": "center"})
        self.money = add({**box, "num_format": "0.00", "align": "right"})
        self.money_in = add({**box, "num_format": "0.00", "align": "right", "locked": False, "bg_color": "#FFFDE7"})
        self.points_in = add({**box, "num_format": "0.00", "align": "center", "locked": False, "bg_color": "#FFFDE7"})
        self.points = add({**box, "num_format": "0.00", "align": "center"})
        self.percent = add({**box, "num_format": "0.00%", "align": "center"})
        self.input = add({**box, "locked": False, "num_format": "@", "bg_color": "#FFFDE7"})
        self.input_center = add({**box, "locked": False, "num_format": "@", "align": "center", "bg_color": "#FFFDE7"})
        self.goal_in = add({**box, "locked": False, "num_format": "@", "valign": "top", "bg_color": "#FFFDE7"})
        self.goal = add({**box, "valign": "top"})
        self.grade = add({**box, "bold": True, "align": "center", "font_size": 14})
        self.helper = add({**font})
        self.note = add({**font, "text_wrap": True, "valign": "top", "font_size": 9})


def _num(value: Decimal | None):
    return "" if value is None else float(value)


def write_selfeval(output: Path, project: Project, ev: Evaluation, rules: Rules, profile: Profile) -> Path:
    """One 自评表 workbook, atomically; cached values are the rule's where the form is prefilled."""
    import xlsxwriter

    year = project.year or ""
    created = build_time(dt.datetime(int(year) + 1 if year.isdigit() else 2000, 1, 1))
    with atomic_path(output) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        wb.set_properties({"title": "项目支出绩效自评表", "created": created,
                           "comments": f"perfxl 指标体系 {profile.name}"})
        mark(wb, "selfeval")
        wb.set_custom_property("perfxl_profile", profile.name)
        ws = wb.add_worksheet(sheet_title(project.name, set()))
        _write_sheet(ws, _Formats(wb), project, ev, rules, year)
        wb.close()
    return output


def _score_formula(kind: str, r: int, rules: Rules) -> str:
    """得分 of indicator row r (1-based) by its kind; E actual, F 分值, K target number, M actual number."""
    full = f"ROUND(F{r},2)"
    if kind == TIER:
        inner = '""'
        for tier in reversed(rules.tiers):
            inner = f'IF(E{r}={_text(tier.name)},ROUND(F{r}*{tier.high},2),{inner})'
        body = f'IF(TRIM(E{r})="","",{inner})'
    elif kind == ZERO:
        body = f'IF(M{r}="","",IF(M{r}<=0,{full},0))'
    elif kind == MORE:
        body = f'IF(M{r}="","",IF(M{r}>=K{r},{full},IF(K{r}<=0,0,ROUND(MIN(F{r},MAX(0,M{r}/K{r}*F{r})),2))))'
    elif kind == LESS and rules.reverse == "ratio":
        body = f'IF(M{r}="","",IF(M{r}<=K{r},{full},IF(M{r}<=0,0,ROUND(MIN(F{r},MAX(0,K{r}/M{r}*F{r})),2))))'
    elif kind == LESS:
        body = (f'IF(M{r}="","",IF(M{r}<=K{r},{full},IF(K{r}<=0,0,'
                f'ROUND(MIN(F{r},MAX(0,(1-(M{r}-K{r})/K{r})*F{r})),2))))')
    else:
        return '=""'
    if rules.rescale:
        body = f'IF({_not_applicable(r, rules)},"",{body})'
    return "=" + body


def _text(value: str) -> str:
    """A text constant inside a formula: quoted, its quotes doubled (a profile's words are data)."""
    return '"' + value.replace('"', '""') + '"'


def _not_applicable(r: int, rules: Rules) -> str:
    tests = ",".join(f'TRIM(E{r})={_text(w)}' for w in rules.not_applicable)
    return f"OR({tests})"


def _actual_formula(r: int) -> str:
    """The actual as a number in the target's unit, or "": a number cell, or text that is a number with
    the target's unit or %; for a percent target above 1, a value up to 1 without % is a fraction."""
    e, k, unit = f"E{r}", f"K{r}", f"L{r}"
    strip = f'IF({unit}="",TRIM({e}),SUBSTITUTE(TRIM({e}),{unit},""))'
    fraction = f'AND({unit}="%",NOT(ISNUMBER(SEARCH("%",{e}))),{{v}}<=1,{k}>1)'
    number_cell = f"IF({fraction.format(v=e)},{e}*100,{e})"
    text = f"IF({fraction.format(v=f'VALUE({strip})')},VALUE({strip})*100,VALUE({strip}))"
    return (f'=IF(TRIM({e})="","",IF(ISNUMBER({e}),{number_cell},'
            f'IF(AND({unit}<>"%",ISNUMBER(SEARCH("%",{e}))),"",IF(ISNUMBER(VALUE({strip})),{text},""))))')


def _write_sheet(ws, f: _Formats, p: Project, ev: Evaluation, rules: Rules, year: str) -> None:
    ws.set_column("A:A", 12)
    ws.set_column("B:B", 17)
    ws.set_column("C:C", 24)
    ws.set_column("D:D", 12)
    ws.set_column("E:E", 18)
    ws.set_column("F:G", 8)
    ws.set_column("H:H", 24)
    ws.set_column("J:O", 10, f.helper, {"hidden": True})
    ws.set_row(0, 30)
    ws.merge_range("A1:H1", "项目支出绩效自评表", f.title)
    ws.merge_range("A2:H2", f"（{year}年度）" if year else "（    年度）", f.sub)
    ws.write_string(2, 0, "项目名称", f.label)
    ws.merge_range("B3:H3", cell_text(p.name), f.text)
    ws.write_string(3, 0, "主管部门", f.label)
    ws.merge_range("B4:D4", cell_text(p.department), f.text)
    ws.write_string(3, 4, "实施单位", f.label)
    ws.merge_range("F4:H4", cell_text(p.unit), f.text)

    # Fund block: rows 5–9 (1-based), the 年度资金总额 row scored.
    ws.merge_range("A5:A9", "项目资金\n（万元）", f.label)
    for c, name in enumerate(["", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"], 1):
        ws.write_string(4, c, name, f.label)
    starts = [p.funds_year.total, p.funds_year.fiscal, None, p.funds_year.other]
    for i, label in enumerate(FUND_LABELS):
        r0 = FUND_ROW + i
        r = r0 + 1
        ws.write_string(r0, 1, label, f.label)
        ws.write(r0, 2, _num(starts[i]), f.money)
        first = i == 0
        ws.write(r0, 3, _num(ev.budget) if first else "", f.money_in)
        ws.write(r0, 4, _num(ev.spent) if first else "", f.money_in)
        rate = ev.rate if first else None
        ws.write_formula(r0, 6, f'=IF(AND(ISNUMBER(D{r}),ISNUMBER(E{r})),IF(D{r}>0,E{r}/D{r},""),"")', f.percent,
                         _num(rate))
        if first:
            ws.write_number(r0, 5, float(ev.fund_weight), f.points_in)
            ws.write_formula(r0, 7, f'=IF(G{r}="","",ROUND(MIN(G{r},1)*F{r},2))', f.points, _num(ev.rule_fund_score))
        else:
            ws.write_string(r0, 5, "—", f.center)
            ws.write_string(r0, 7, "—", f.center)
    money_rule = {"validate": "decimal", "criteria": ">=", "value": 0, "ignore_blank": True,
                  "error_title": "金额有误", "error_message": "请填写不小于 0 的数字，单位万元。"}
    ws.data_validation(FUND_ROW, 3, FUND_ROW + 3, 4, money_rule)

    ws.merge_range("A10:A11", "年度总体目标", f.label)
    ws.merge_range("B10:E10", "预期目标", f.label)
    ws.merge_range("F10:H10", "实际完成情况", f.label)
    ws.merge_range("B11:E11", cell_text(p.goal_year), f.goal)
    ws.merge_range("F11:H11", "", f.goal_in)
    ws.set_row(10, max(90, min(400, 15 * (len(p.goal_year) // 24 + 2))))

    h = HEADER
    for c, name in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                              "偏差原因分析及改进措施"]):
        ws.write_string(h, c, name, f.label)
    for c, name in enumerate(HELPER, 9):
        ws.write_string(h, c, name, f.helper)
    ws.set_row(h, 30)
    tiers = [t.name for t in rules.tiers]
    first, last = h + 1, h + len(ev.rows)  # 0-based
    for i, row in enumerate(ev.rows):
        r0 = first + i
        r = r0 + 1
        target = row.target
        kind = scoring_kind(target)
        previous = ev.rows[i - 1] if i else None
        same1 = previous is not None and previous.level1 == row.level1
        ws.write_string(r0, 0, "" if same1 else cell_text(row.level1), f.center)
        ws.write_string(r0, 1, "" if same1 and previous.level2 == row.level2 else cell_text(row.level2), f.center)
        ws.write_string(r0, 2, cell_text(row.level3), f.text)
        # Rows do not grow by themselves in Excel: room for the wrapped 三级指标 and a tier's long name.
        lines = max(-(-len(row.level3) // 12), 2 if kind == TIER else 1)
        ws.set_row(r0, 16 * lines + 4)
        ws.write_string(r0, 3, cell_text(row.value), f.center)
        ws.write_string(r0, 4, "", f.input_center)
        if kind == TIER:
            ws.data_validation(r0, 4, r0, 4, {"validate": "list", "source": tiers, "error_type": "warning",
                                              "error_title": "实际完成值", "error_message": "定性指标请从下拉列表选择完成档次。"})
        ws.write_number(r0, 5, float(row.weight), f.points_in)
        ws.write_formula(r0, 6, _score_formula(kind, r, rules), f.points, _num(row.rule.value if row.rule else None))
        ws.write_string(r0, 7, cell_text(row.reason), f.input)
        ws.write_string(r0, 9, KIND_NAMES[kind], f.helper)
        if target.number is not None and kind in (MORE, LESS, ZERO):
            ws.write_number(r0, 10, float(target.number), f.helper)
        ws.write_string(r0, 11, target.unit if kind in (MORE, LESS, ZERO) else "", f.helper)
        ws.write_formula(r0, 12, _actual_formula(r), f.helper, _num(row.rule.actual if row.rule else None))
        counts = (f"=IF(OR({_not_applicable(r, rules)},ROUND(F{r},2)=0),0,1)" if rules.rescale else "=1")
        ws.write_formula(r0, 13, counts, f.helper, 1)
        scored = row.rule is not None and row.rule.value is not None
        ws.write_formula(r0, 14, f"=IF(AND(N{r}=1,NOT(ISNUMBER(G{r}))),1,0)", f.helper, 0 if scored else 1)
        if kind in (MORE, LESS, ZERO):
            ws.data_validation(r0, 4, r0, 4, {"validate": "any", "input_title": "实际完成值",
                                              "input_message": f"填写数值，单位与年度指标值相同，如 {_example(target)}。"})

    t0 = last + 1  # 0-based row of 总分
    t = t0 + 1
    fund = FUND_ROW + 1
    rng = lambda col: f"{col}{first + 1}:{col}{last + 1}"  # noqa: E731 - the indicator rows of a column
    grid = bool(ev.rows)  # a form without indicators still gets its fund row scored, and no self-reference
    ws.merge_range(t0, 0, t0, 4, "总分", f.label)
    ws.write_formula(t0, 5, f"=SUM(F{fund}{',' + rng('F') if grid else ''})", f.points, float(ev.weights_total()))
    core = f"SUM(H{fund}{',' + rng('G') if grid else ''})"
    if rules.rescale and grid:
        core = f"{core}*100/(F{fund}+SUMIF({rng('N')},1,{rng('F')}))"
    elif rules.rescale:
        core = f"{core}*100/F{fund}"
    open_rows = f'OR(NOT(ISNUMBER(H{fund})),SUM({rng("O")})>0)' if grid else f"NOT(ISNUMBER(H{fund}))"
    raw_total = None
    if ev.rule_total is not None:
        raw_total = ev.rule_total if not rules.caps else _uncapped(ev, rules)
    ws.write_formula(t0, 9, f'=IF({open_rows},"",ROUND({core},2))', f.helper, _num(raw_total))
    capped = f"J{t}"
    for below, cap in reversed(rules.caps):
        capped = f"IF(G{fund}<{below},MIN(J{t},{cap}),{capped})"
    ws.write_formula(t0, 6, f'=IF(J{t}="","",{capped})', f.points, _num(ev.rule_total))
    ws.write_blank(t0, 7, None, f.text)
    g0 = t0 + 1
    grade_formula = _text(rules.grades[-1][0])
    for name, low in reversed(rules.grades[:-1]):
        grade_formula = f'IF(G{t}>={low},{_text(name)},{grade_formula})'
    ws.merge_range(g0, 0, g0, 4, "自评等级", f.label)
    ws.merge_range(g0, 5, g0, 7, "", f.grade)
    ws.write_formula(g0, 5, f'=IF(G{t}="","",{grade_formula})', f.grade, ev.rule_grade)
    n0 = g0 + 1
    bands = "、".join(f"{name} ≥ {low}" for name, low in rules.grades[:-1]) + f"、其余为{rules.grades[-1][0]}"
    note = (f"说明：黄底单元格由填报人填写。执行率 = 全年执行数 ÷ 全年预算数，得分 = 执行率（最高 100%）× 分值；"
            f"正向指标完成即得满分，未完成按 实际 ÷ 目标 × 分值；反向指标按 目标 ÷ 实际 × 分值"
            f"{'（线性：超出目标一倍得 0 分）' if rules.reverse == 'linear' else ''}；定性指标按完成档次"
            f"（{'、'.join(f'{x.name} {x.high * 100:.0f}%' for x in rules.tiers)}）。"
            f"得分低于分值须写明偏差原因。等级：{bands}。")
    ws.merge_range(n0, 0, n0, 7, note, f.note)
    ws.set_row(n0, 60)
    ws.write_string(n0 + 1, 0, "填表人", f.label)
    ws.merge_range(n0 + 1, 1, n0 + 1, 2, "", f.input)
    ws.write_string(n0 + 1, 3, "联系电话", f.label)
    ws.write_string(n0 + 1, 4, "", f.input)
    ws.write_string(n0 + 1, 5, "填报日期", f.label)
    ws.merge_range(n0 + 1, 6, n0 + 1, 7, "", f.input)

    finish_form_sheet(ws, n0 + 1, 7, h, side_margin=0.4)


def profile_missing(ev: Evaluation, rules: Rules) -> str:
    """Which weighted 一级 a project has no indicator of, in words."""
    pools = {rules.shared.get(r.level1, r.level1) for r in ev.rows}
    missing = [k for k in rules.weights if k != EXECUTION and k not in pools]
    return f"缺少{'、'.join(missing)}" if missing else "有指标不属于计分的一级指标"


def _example(target) -> str:
    number = f"{target.number.normalize():f}" if target.number is not None else "96"
    return f"{number}{target.unit}"


def _uncapped(ev: Evaluation, rules: Rules) -> Decimal | None:
    """The total before any 执行率 cap, for the hidden helper cell."""
    plain = replace(rules, caps=())
    scores = [ev.rule_fund_score] + [r.rule.value for r in ev.rows]
    weights = [ev.fund_weight or Decimal(0)] + [r.weight or Decimal(0) for r in ev.rows]
    return total_score(scores, weights, [True] + [applicable(r, rules) for r in ev.rows], ev.rate, plain)
