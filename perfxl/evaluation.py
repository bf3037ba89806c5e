"""Filled 项目支出绩效自评表 (财预〔2020〕10号 annex): recognise, read, rescore and report.

A 自评表 is told from a target form by its labels (实际完成值 and 得分 beside the indicator
grid), whoever wrote it: perfxl's own (perfxl/evalform.py) or an official layout filled by hand.
Every score is recomputed by the rules (perfxl/scoring.py) and each difference is a finding that
points at its cell. With the approved target forms read in the same run, the 年度指标值 are
checked against them too. Labels vary by region; the profile's ``selfeval.labels`` adds more.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal

from .fields import UNIT_SUFFIX, blank
from .form import beside, label_kind, parse_amount
from .grid import Grid
from .findings import about, finding
from .model import Finding, Indicator, Project, ReadResult
from .profile import Profile, label_key
from .scoring import (MORE, TIER, Rules, Score, cents, execution, grade, score_indicator,
                      tier_range, total_score)
from .targets import parse_target, value_text

LABELS = {
    "actual": ["实际完成值", "全年实际值", "全年实际完成值", "实际完成", "实际值", "完成值"],
    "score": ["得分"],
    "weight": ["分值", "权重", "指标分值"],
    "reason": ["偏差原因分析及改进措施", "未完成原因及拟采取的改进措施", "偏差原因分析", "偏差原因", "未完成原因分析",
               "未完成原因和改进措施", "偏差原因分析及改进措施说明"],
    "budget_start": ["年初预算数"],
    "budget": ["全年预算数"],
    "spent": ["全年执行数"],
    "rate": ["执行率"],
    "fund_total": ["年度资金总额"],
    "fund_fiscal": ["当年财政拨款", "财政拨款"],
    "fund_carry": ["上年结转资金"],
    "fund_other": ["其他资金"],
    "goal_expected": ["预期目标", "年初设定目标"],
    "goal_actual": ["实际完成情况", "年度总体目标完成情况综述", "总体目标完成情况"],
    "total": ["总分", "合计"],
    "grade": ["自评等级", "评价等级", "等级"],
    "helper": ["评分方式"],  # the hidden helper columns of a 自评表 perfxl wrote
}
FUND_ROWS = ("fund_total", "fund_fiscal", "fund_carry", "fund_other")
FUND_COLUMNS = ("budget_start", "budget", "spent", "weight", "rate", "score")
BASE_KINDS = {"name", "department", "unit", "level1", "level2", "level3", "value", "end"}
_YEAR = re.compile(r"(\d{4})\s*年度")
_LETTERS = re.compile(r"\([A-Za-z/+\-*×÷]+\)$")  # 全年预算数(A), 执行率(B/A)
_POINTS = re.compile(r"\s*[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]\s*$")  # 产出指标(50分)

@dataclass
class Row:
    """One indicator row of a 自评表, as filled; ``rule`` is the score by the rules."""

    level1: str
    level2: str
    level3: str
    value: str
    actual: object = ""
    weight: Decimal | None = None
    score: Decimal | None = None  # the form's 得分 (cached value of our formula, or typed)
    reason: str = ""
    cells: dict[str, str] = field(default_factory=dict)  # actual / weight / score / reason / value → A1
    rule: Score | None = None

    @property
    def target(self):
        return parse_target(self.value)


@dataclass
class Evaluation:
    """A 自评表: the fund block, the goals, the rows and the form's own totals, plus the rule's."""

    budget_start: Decimal | None = None  # 年初预算数 of 年度资金总额
    budget: Decimal | None = None  # 全年预算数
    spent: Decimal | None = None  # 全年执行数
    fund_weight: Decimal | None = None  # 分值 of 年度资金总额
    fund_score: Decimal | None = None  # the form's 得分 of 年度资金总额
    goal_actual: str = ""
    rows: list[Row] = field(default_factory=list)
    total: Decimal | None = None  # the form's 总分
    grade: str = ""  # the form's 自评等级
    cells: dict[str, str] = field(default_factory=dict)
    ours: bool = False  # written by perfxl (formulas compute the scores)
    # by the rules:
    rate: Decimal | None = None
    rule_fund_score: Decimal | None = None
    rule_total: Decimal | None = None
    rule_grade: str = ""

    def weights_total(self) -> Decimal:
        return sum((w for w in [self.fund_weight] + [r.weight for r in self.rows] if w is not None), Decimal(0))

    def level1_scores(self) -> dict[str, Decimal | None]:
        """The rule's score per 一级 (None when one of its rows cannot be scored)."""
        out: dict[str, Decimal | None] = {}
        for row in self.rows:
            value = row.rule.value if row.rule else None
            if row.level1 in out and out[row.level1] is None:
                continue
            out[row.level1] = None if value is None else out.get(row.level1, Decimal(0)) + value
        return out


def applicable(row: Row, rules: Rules) -> bool:
    """Whether a row counts towards the total: always, unless the profile rescales and it does not apply."""
    if not rules.rescale:
        return True
    return not ((row.rule and row.rule.problem == "not-applicable") or (row.weight or 0) == 0)


def rescore(ev: Evaluation, rules: Rules) -> Evaluation:
    """Fill in the rule's scores, total and grade of an Evaluation (in place; returned)."""
    weight = ev.fund_weight if ev.fund_weight is not None else Decimal(0)
    ev.rate, ev.rule_fund_score = execution(ev.budget, ev.spent, weight)
    for row in ev.rows:
        row.rule = score_indicator(row.target, row.actual, row.weight or Decimal(0), rules)
        if row.rule.tier and not ev.ours and row.score is not None and row.weight is not None:
            low, high = tier_range(row.rule.tier, row.weight)
            if low <= row.score <= high:  # a hand-filled form may score a tier anywhere in its range
                row.rule = replace(row.rule, value=row.score)
    scores = [ev.rule_fund_score] + [r.rule.value for r in ev.rows]
    weights = [weight] + [r.weight or Decimal(0) for r in ev.rows]
    flags = [True] + [applicable(r, rules) for r in ev.rows]
    ev.rule_total = total_score(scores, weights, flags, ev.rate, rules)
    ev.rule_grade = grade(ev.rule_total, rules)
    return ev


# ---------------------------------------------------------------------------------------------
# Recognising and reading


def _kind_index(profile: Profile) -> dict[str, str]:
    if profile.selfeval_index is not None:
        return profile.selfeval_index
    index = profile.selfeval_index = {}
    extra = profile.selfeval.get("labels") or {}
    for kind, names in LABELS.items():
        for name in list(names) + list(extra.get(kind, [])):
            index[label_key(name)] = kind
    return index


def cell_kind(value: object, profile: Profile, index: dict[str, str]) -> str | None:
    """A 自评表 label kind, or one of the target form's (name, level3 …), or None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    key = label_key(value)
    kind = index.get(key) or index.get(UNIT_SUFFIX.sub("", key)) or index.get(_LETTERS.sub("", key))
    if kind:
        return kind
    base = label_kind(value, profile)[0]
    if base == "total_year":
        return "fund_total"
    if base == "fiscal":
        return "fund_fiscal"
    if base == "other":
        return "fund_other"
    return base if base in BASE_KINDS else None


HEADER_ROWS = 400  # the rows looked at for a 自评表's header


def is_evaluation(grid: Grid, profile: Profile, texts: list[str] | None = None) -> bool:
    """A 自评表: somewhere a header row holds 三级指标 (or 指标名称) and an actual-value label.

    Every target form is asked too, so a plain substring scan comes first (a tenth of the cost).
    ``texts``: the grid's non-blank texts in order, as ``form.tokenise`` gathers them while the
    caller tokenises the grid anyway. The scan finds the same words in them as in all the cells'
    texts unless a word has a line break or is all spaces (a profile's own label): then, and past
    the rows looked at, the cells are read again.
    """
    extra = (profile.selfeval.get("labels") or {}).get("actual", [])
    words = ("实际", "完成值", *extra)
    if (texts is None or len(grid.rows) > HEADER_ROWS
            or (extra and any("\n" in w or w.isspace() for w in extra))):
        # Empty rows (a third of the benchmark forms' rows) are passed over whole.
        texts = [v for row in grid.rows[:HEADER_ROWS] if row.count("") < len(row) for v in row if type(v) is str]
    text = "\n".join(texts)
    if not any(w in text for w in words):
        return False
    index = _kind_index(profile)
    for row in grid.rows[:HEADER_ROWS]:
        kinds = {cell_kind(v, profile, index) for v in row if isinstance(v, str) and v}
        if "actual" in kinds and ("level3" in kinds or "score" in kinds):
            return True
    return False


def _amount(value: object) -> Decimal | None:
    """An amount, 分值 or 得分 cell as a Decimal; None when blank, a dash or no sensible number."""
    number, ok = parse_amount(value)
    if not ok:  # 1e300: refused as a budget amount (amount-too-large), but still a number to score with
        try:
            number, ok = Decimal(str(value).strip()), True
        except ArithmeticError:
            return None
    return number if ok and number is not None and number.is_finite() else None


def _points(value: object) -> Decimal | None:
    """A 分值 or 得分 cell: an amount no form would have (above a million) is no number."""
    number = _amount(value)
    return number if number is not None and abs(number) < 1000000 else None


def read_evaluations(grid: Grid, profile: Profile) -> list[Project]:
    """Every 自评表 in the grid (stacked forms split at each 项目名称), as Projects with an Evaluation."""
    index = _kind_index(profile)
    kinds = [[(c, cell_kind(v, profile, index), v) for c, v in enumerate(row) if not blank(v)] for row in grid.rows]
    starts = [r for r, toks in enumerate(kinds) if any(k == "name" for _, k, _ in toks)] or [0]
    out = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(grid.rows)
        project = _read_one(grid, profile, kinds, start if n else 0, end)
        project.position = n
        out.append(project)
    return out


def _read_one(grid: Grid, profile: Profile, kinds, start: int, end: int) -> Project:
    p = Project(file=grid.file, sheet=grid.sheet)
    ev = Evaluation()
    p.evaluation = ev
    rows = grid.rows

    fund_cols: dict[str, int] = {}
    ind_cols: dict[str, int] = {}
    r = start
    while r < end:
        toks = kinds[r]
        row_kinds = {k for _, k, _ in toks}
        if ind_cols:
            if row_kinds & {"total", "grade", "end", "name"}:
                break
            _indicator_row(grid, p, ev, ind_cols, r)
            r += 1
            continue
        for i, (c, k, v) in enumerate(toks):
            if k is None and not p.year and isinstance(v, str) and (year := _YEAR.search(v)):
                p.year = year.group(1)
            if k in ("name", "department", "unit") and not getattr(p, k):
                value, vc = beside(toks, i)
                setattr(p, k, value_text(value))
                p.cells[k] = grid.address(r, vc)
        if {"budget", "spent"} <= row_kinds:
            fund_cols = {k: c for c, k, _ in toks if k in FUND_COLUMNS}
        elif fund_cols and row_kinds & set(FUND_ROWS):
            slot = next(k for k in FUND_ROWS if k in row_kinds)
            if slot == "fund_total":
                cell = lambda k: rows[r][fund_cols[k]] if k in fund_cols and fund_cols[k] < len(rows[r]) else ""  # noqa: E731
                ev.budget_start, ev.budget, ev.spent = (_amount(cell(k)) for k in ("budget_start", "budget", "spent"))
                ev.fund_weight, ev.fund_score = _points(cell("weight")), _points(cell("score"))
                for k in FUND_COLUMNS:
                    if k in fund_cols:
                        ev.cells[k] = grid.address(r, fund_cols[k])
        if "goal_expected" in row_kinds and "goal_actual" in row_kinds and r + 1 < end:
            cols = sorted((c, k) for c, k, _ in toks if k in ("goal_expected", "goal_actual"))
            below = rows[r + 1]
            for i, (c, k) in enumerate(cols):
                stop = cols[i + 1][0] if i + 1 < len(cols) else len(below)
                found = next(((cc, below[cc]) for cc in range(c, stop) if not blank(below[cc])), (c, ""))
                if k == "goal_expected":
                    p.goal_year = value_text(found[1])
                else:
                    ev.goal_actual = value_text(found[1])
                    ev.cells["goal_actual"] = grid.address(r + 1, c)
        if "level3" in row_kinds and "actual" in row_kinds:
            ev.ours = "helper" in row_kinds
            for c, k, _ in toks:
                if k in ("level1", "level2", "level3", "value", "actual", "weight", "score", "reason") and k not in ind_cols:
                    ind_cols[k] = c
        r += 1
    # 总分 and 自评等级 after the grid
    while r < end:
        for i, (c, k, _) in enumerate(kinds[r]):
            if k == "total" and ev.total is None:
                score_col = ind_cols.get("score")
                value = rows[r][score_col] if score_col is not None and score_col < len(rows[r]) else beside(kinds[r], i)[0]
                ev.total = _points(value)
                ev.cells["total"] = grid.address(r, score_col if score_col is not None else c + 1)
                if "weight" in ind_cols:
                    ev.cells["weights_total"] = grid.address(r, ind_cols["weight"])
            elif k == "grade" and not ev.grade:
                value, vc = beside(kinds[r], i)
                ev.grade = value_text(value)
                ev.cells["grade"] = grid.address(r, vc)
        r += 1
    p.funds_year.total = ev.budget_start
    return p


def _indicator_row(grid: Grid, p: Project, ev: Evaluation, cols: dict[str, int], r: int) -> None:
    row = grid.rows[r]
    at = lambda k: row[cols[k]] if k in cols and cols[k] < len(row) else ""  # noqa: E731
    level3, value = value_text(at("level3")), value_text(at("value"))
    if not level3 and not value:
        return
    previous = ev.rows[-1] if ev.rows else None
    level1 = _POINTS.sub("", value_text(at("level1"))) or (previous.level1 if previous else "")
    level2 = value_text(at("level2")) or (previous.level2 if previous and not value_text(at("level1")) else "")
    item = Row(level1=level1, level2=level2, level3=level3, value=value, actual=at("actual"),
               weight=_points(at("weight")), score=_points(at("score")), reason=value_text(at("reason")))
    for k in ("level3", "value", "actual", "weight", "score", "reason"):
        if k in cols:
            item.cells[k] = grid.address(r, cols[k])
    ev.rows.append(item)


def finish(project: Project, profile: Profile) -> None:
    """Resolve 一级/二级 against the profile and mirror the rows as the Project's indicators."""
    ev: Evaluation = project.evaluation
    for row in ev.rows:
        level1, level2, _ = profile.resolve(row.level1, row.level2, False)
        row.level1, row.level2 = level1, level2
        project.indicators.append(Indicator(level1=level1, level2=level2, level3=row.level3, value=row.value,
                                            target=row.target, cell=row.cells.get("level3", ""),
                                            value_cell=row.cells.get("value", "")))


# ---------------------------------------------------------------------------------------------
# Checks


def _n(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def check_evaluation(project: Project, rules: Rules) -> list[Finding]:
    """Rescore a read 自评表 and report every difference from the rules, with its cell."""
    ev: Evaluation = project.evaluation
    rescore(ev, rules)
    out: list[Finding] = []
    add = about(project, out)
    tol = rules.tolerance

    for what, key, value in (("全年预算数", "budget", ev.budget), ("全年执行数", "spent", ev.spent)):
        if value is None:
            add("missing-actual", ev.cells.get(key, ""), what=f"年度资金总额的{what}", fix="请填写金额（万元）")
    if ev.budget is not None and ev.budget <= 0:
        add("missing-actual", ev.cells.get("budget", ""), what="年度资金总额的全年预算数（现为 0）",
            fix="请填写调整后的全年预算金额（万元）")
    if ev.rate is not None and ev.rate < rules.execution_rate_low:
        add("execution-rate-low", ev.cells.get("rate") or ev.cells.get("spent", ""),
            rate=_n(ev.rate * 100), low=_n(rules.execution_rate_low * 100))
    _check_score(add, "年度资金总额", ev.cells.get("score", ""), ev.fund_score, ev.rule_fund_score,
                 ev.fund_weight, tol, ours=ev.ours)

    for row in ev.rows:
        rule = row.rule
        t = row.target
        where = row.cells.get("actual") or row.cells.get("level3", "")
        if rule.problem == "missing":
            add("missing-actual", where, what=f"“{row.level3}”的实际完成值", fix=_how_to_fill(row, rules))
        elif rule.problem == "not-applicable" and not rules.rescale:
            add("not-applicable", where, level3=row.level3, actual=value_text(row.actual))
        elif rule.problem == "no-target":
            add("no-target", row.cells.get("value", where), level3=row.level3)
        elif rule.problem == "not-comparable":
            add("actual-not-comparable", where, level3=row.level3, actual=value_text(row.actual), value=row.value,
                fix=_how_to_fill(row, rules))
        if rule.tier is not None and row.score is not None and row.weight is not None and not ev.ours \
                and row.score != rule.value:
            low, high = tier_range(rule.tier, row.weight)
            add("score-out-of-tier", row.cells.get("score", ""), level3=row.level3, tier=rule.tier.name,
                score=_n(row.score), low=_n(low), high=_n(high))
        else:
            _check_score(add, f"“{row.level3}”", row.cells.get("score", ""), row.score, rule.value, row.weight, tol,
                         ours=ev.ours)
        if row.score is not None and row.weight is not None and row.score > row.weight:
            add("score-over-weight", row.cells.get("score", ""), what=f"“{row.level3}”", score=_n(row.score),
                weight=_n(row.weight))
        if (rule.value is not None and row.weight is not None and rule.value < cents(row.weight)
                and not row.reason.strip()):
            add("missing-deviation-reason", row.cells.get("reason", where), level3=row.level3, score=_n(rule.value),
                weight=_n(row.weight))
        if (rule.kind == MORE and t.operator in ("≥", ">") and rule.actual is not None and t.number
                and t.number > 0 and rule.actual >= t.number * rules.overshoot and not row.reason.strip()):
            add("overshoot-unexplained", row.cells.get("reason", where), level3=row.level3, actual=value_text(row.actual),
                value=row.value, ratio=f"{rule.actual / t.number * 100:.0f}")

    weights = ev.weights_total()
    if weights != 100:
        indicators = weights - (ev.fund_weight or 0)
        hint = "（项目缺少某类一级指标时，请把它的分值分给其他指标）"
        add("weights-not-100", ev.cells.get("weights_total", ev.cells.get("weight", "")), total=_n(weights),
            fund=_n(ev.fund_weight or Decimal(0)), indicators=_n(indicators), hint=hint)
    if ev.total is not None and ev.rule_total is not None and abs(ev.total - ev.rule_total) > tol:
        add("total-mismatch", ev.cells.get("total", ""), form=_n(ev.total), rule=_n(ev.rule_total))
    if ev.grade and ev.rule_total is not None and ev.grade != ev.rule_grade:
        add("grade-mismatch", ev.cells.get("grade", ""), form=ev.grade, total=_n(ev.rule_total), rule=ev.rule_grade)
    return out


def _how_to_fill(row: Row, rules: Rules) -> str:
    t = row.target
    if row.rule.kind == TIER:
        return "请从下拉列表选择：" + " / ".join(x.name for x in rules.tiers)
    if t.number is None:
        return "请填写实际完成值"
    return f"请填写数值，单位与年度指标值相同（如 {t.number.normalize():f}{t.unit}）"


def _check_score(add, what: str, cell: str, form: Decimal | None, rule: Decimal | None, weight: Decimal | None,
                 tol: Decimal, ours: bool) -> None:
    if rule is None:
        return
    if form is None:
        fix = ("请把实际完成值写成数值（如 96 或 96%），公式即可算出" if ours else "请填写得分")
        add("score-blank", cell, what=what, rule=_n(rule), fix=fix)
    elif abs(form - rule) > tol:
        add("score-mismatch", cell, what=what, form=_n(form), rule=_n(rule), tolerance=_n(tol))


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").replace(" ", "").replace("\u3000", "")


def check_against_targets(projects: list[Project]) -> list[Finding]:
    """自评表 against the approved target forms read in the same run (same 项目名称, and 实施单位 when both have one)."""
    approved = [p for p in projects if p.evaluation is None]
    out: list[Finding] = []
    for p in projects:
        if p.evaluation is None:
            continue
        same = [a for a in approved if _norm(a.name) == _norm(p.name)]
        target = next((a for a in same if _norm(a.unit) == _norm(p.unit)), same[0] if len(same) == 1 else None)
        if target is None:
            continue
        source = f"{target.file}!{target.sheet}"
        mine = {_norm(i.level3): i for i in p.indicators}
        for ind in target.indicators:
            here = mine.get(_norm(ind.level3))
            if here is None:
                out.append(finding("indicator-missing", project=p, cell=p.cells.get("name", ""), source=source,
                                        level1=ind.level1, level3=ind.level3, approved=ind.value))
            elif _norm(here.value) != _norm(ind.value):
                out.append(finding("target-mismatch", project=p, cell=here.value_cell, level3=ind.level3, value=here.value,
                                        source=source, approved=ind.value))
    return out


def read_grid(grid: Grid, profile: Profile) -> tuple[list[Project], list[Finding]]:
    """The 自评表 of a grid and their findings (reading.read_file calls this for a 自评表 sheet)."""
    rules = profile.rules
    projects, findings = [], []
    for project in read_evaluations(grid, profile):
        finish(project, profile)
        findings.extend(check_evaluation(project, rules))
        projects.append(project)
    return projects, findings


@dataclass
class ScoreResult(ReadResult):
    """What ``perfxl.score`` gives: the 自评表 (``projects``, each with its Evaluation) and the
    target forms read with them (``targets``)."""

    targets: list[Project] = field(default_factory=list)
