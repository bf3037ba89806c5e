"""Year-end self-evaluation (绩效自评) scoring: pure functions over plain data, exact Decimals.

Every number and choice comes from the profile's ``selfeval`` section (docs/selfeval.md lists
them): weights, the qualitative tiers, grade bands, the overshoot threshold, optional caps of
the total by 执行率 band, optional rescaling when rows do not apply, and the variant used for
反向 indicators. The 自评表 written by perfxl/evalform.py computes the same rules with
spreadsheet formulas; both round half up to cents, so a recalculated form equals this module.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import ProfileError
from .model import Target
from .targets import parse_target

CENT = Decimal("0.01")
EXECUTION = "执行率"  # the weights key of the fund block's row (年度资金总额)
# Scoring kinds, written by perfxl into the 自评表's hidden helper column:
MORE, LESS, ZERO, TIER, NONE = "G", "L", "Z", "Q", ""
# Money units convert; any other unit must equal the target's (an actual without a unit takes it).
UNIT_SCALE = {"元": Decimal(1), "万元": Decimal(10000), "万": Decimal(10000), "亿元": Decimal(10) ** 8}


@dataclass(frozen=True)
class Tier:
    name: str
    low: Decimal  # share of 分值
    high: Decimal
    aliases: tuple[str, ...] = ()  # other wordings read in hand-filled forms (达成预期指标 …)


@dataclass(frozen=True)
class Rules:
    """A profile's ``selfeval`` section, checked and typed."""

    weights: dict[str, Decimal]  # 执行率 and 一级 → points
    shared: dict[str, str]  # 一级 whose indicators share another 一级's points (2021: 成本 with 产出)
    reverse: str  # "ratio" | "linear"
    overshoot: Decimal  # 正向 actual ≥ this × target needs an explanation
    execution_rate_low: Decimal
    tolerance: Decimal  # a form's score may differ from the rule by this much
    tiers: tuple[Tier, ...]
    grades: tuple[tuple[str, Decimal], ...]  # (grade, lowest total), highest first
    caps: tuple[tuple[Decimal, Decimal], ...]  # (执行率 below, total at most), lowest band first
    rescale: bool  # not-applicable rows dropped and the rest rescaled to 100
    not_applicable: tuple[str, ...]  # actual values that mean 不适用


def _dec(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ProfileError(f"指标体系的 selfeval.{what} 应为数字，现为 {value!r}") from None
    if not number.is_finite():
        raise ProfileError(f"指标体系的 selfeval.{what} 应为数字，现为 {value!r}")
    return number


KEYS = ("weights", "shared_weights", "reverse", "overshoot", "execution_rate_low", "score_tolerance", "tiers",
        "grades", "caps", "not_applicable", "labels")


def rules_from(profile) -> Rules:
    """The Rules of a Profile (or of a raw ``selfeval`` dict); a misspelt key is refused, not ignored."""
    data = profile if isinstance(profile, dict) else profile.selfeval
    if not data:
        raise ProfileError(f"指标体系 {getattr(profile, 'name', '')} 没有 selfeval 部分（自评规则）：可参照内置的 2015.json")
    unknown = [key for key in data if key not in KEYS]
    if unknown:
        raise ProfileError(f"指标体系的 selfeval 中的键“{unknown[0]}”不对，应为 {'、'.join(KEYS)}；写法见 docs/selfeval.md")
    try:
        reverse = str(data.get("reverse", "ratio"))
        if reverse not in ("ratio", "linear"):
            raise ProfileError(f"指标体系的 selfeval.reverse 只能是 ratio 或 linear，现为 {reverse!r}")
        tiers = tuple(Tier(str(t["name"]), _dec(t["low"], "tiers.low"), _dec(t["high"], "tiers.high"),
                           tuple(str(a) for a in t.get("aliases", [])))
                      for t in data["tiers"])
        grades = tuple(sorted(((str(g["name"]), _dec(g["min"], "grades.min")) for g in data["grades"]),
                              key=lambda g: -g[1]))
        caps = tuple(sorted((_dec(c["below"], "caps.below"), _dec(c["cap"], "caps.cap")) for c in data.get("caps", [])))
        na = data.get("not_applicable") or {}
        return Rules(
            weights={str(k): _dec(v, f"weights.{k}") for k, v in data["weights"].items()},
            shared={str(k): str(v) for k, v in (data.get("shared_weights") or {}).items()},
            reverse=reverse,
            overshoot=_dec(data.get("overshoot", "1.2"), "overshoot"),
            execution_rate_low=_dec(data.get("execution_rate_low", "0.8"), "execution_rate_low"),
            tolerance=_dec(data.get("score_tolerance", "0.01"), "score_tolerance"),
            tiers=tiers, grades=grades, caps=caps,
            rescale=bool(na.get("rescale", False)),
            not_applicable=tuple(str(w) for w in na.get("words", ["不适用", "不涉及"])),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ProfileError(f"指标体系的 selfeval 部分格式不对（{exc!r}）；可参照内置的 2015.json") from None


def cents(value: Decimal) -> Decimal:
    """Round half up to two decimals, as the spreadsheet's ROUND(x, 2) does for scores (never negative)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def split(points: Decimal, count: int) -> list[Decimal]:
    """``points`` over ``count`` rows in cents that add up exactly; the first rows take the odd cents."""
    if count <= 0:
        return []
    total = int((points / CENT).to_integral_value(rounding=ROUND_HALF_UP))
    base, extra = divmod(total, count)
    return [(base + (i < extra)) * CENT for i in range(count)]


def plan_weights(level1s: list[str], rules: Rules) -> tuple[Decimal, list[Decimal]]:
    """(执行率's points, each indicator's points) for indicators of the given 一级, in order.

    An indicator whose 一级 has no weight gets 0; a weighted 一级 without indicators leaves its
    points out (the form then does not add up to 100, which reading reports).
    """
    pools: dict[str, list[int]] = {}
    for i, level1 in enumerate(level1s):
        pool = rules.shared.get(level1, level1)
        if pool in rules.weights and pool != EXECUTION:
            pools.setdefault(pool, []).append(i)
    out = [Decimal(0) * CENT] * len(level1s)
    for pool, rows in pools.items():
        for i, points in zip(rows, split(rules.weights[pool], len(rows))):
            out[i] = points
    return cents(rules.weights.get(EXECUTION, Decimal(0))), out


def scoring_kind(target: Target) -> str:
    """How an indicator is scored: MORE (正向, “=”, a range's lower bound), LESS (反向), ZERO (a
    target of 0 that is not a lower bound), TIER (定性: by the three tiers) or NONE (no target)."""
    if target.kind == "定量" and target.number is not None:
        if target.number == 0 and target.operator not in ("≥", ">"):
            return ZERO
        return LESS if target.operator in ("≤", "<") else MORE
    if target.kind == "定性" or (target.kind == "定量" and target.placeholder):
        return TIER
    return NONE


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "").strip()


def is_not_applicable(actual: object, rules: Rules) -> bool:
    return isinstance(actual, str) and _key(actual) in {_key(w) for w in rules.not_applicable}


def find_tier(actual: object, rules: Rules) -> Tier | None:
    if not isinstance(actual, str):
        return None
    key = _key(actual)
    return next((t for t in rules.tiers if key in {_key(n) for n in (t.name, *t.aliases)}), None)


def actual_number(target: Target, actual: object) -> Decimal | None:
    """The actual value in the target's unit, or None when it cannot be compared with it.

    A number cell or a unit-less text takes the target's unit, except that for a percent target
    above 1 a value up to 1 is a fraction (Excel stores a typed 96% as 0.96). 元 and 万元 convert.
    """
    if isinstance(actual, bool) or actual is None:
        return None
    if isinstance(actual, (int, float, Decimal)):
        try:
            number, unit, has_percent = Decimal(repr(actual) if isinstance(actual, float) else actual), "", False
        except InvalidOperation:
            return None
        if not number.is_finite():
            return None
    else:
        parsed = parse_target(actual)
        if parsed.kind != "定量" or parsed.number is None or parsed.direction == "区间":
            return None
        number, unit, has_percent = parsed.number, parsed.unit, parsed.unit == "%"
    want = target.unit
    if unit and unit != want:
        if unit in UNIT_SCALE and want in UNIT_SCALE:
            return number * UNIT_SCALE[unit] / UNIT_SCALE[want]
        if want:  # a target without a unit accepts any (it should have had one: a target-form warning)
            return None
    if want == "%" and not has_percent and number <= 1 and target.number is not None and target.number > 1:
        return number * 100
    return number


@dataclass(frozen=True)
class Score:
    """One row's score by the rules. ``value`` is None when it cannot be scored, and ``problem``
    then says why: missing, not-comparable, not-applicable, no-target."""

    value: Decimal | None
    kind: str
    actual: Decimal | None = None  # in the target's unit
    tier: Tier | None = None
    problem: str = ""


def score_indicator(target: Target, actual: object, weight: Decimal, rules: Rules) -> Score:
    """Score one indicator's actual against its target for ``weight`` points (DESIGN: issue 15)."""
    kind = scoring_kind(target)
    if kind == NONE:
        return Score(None, kind, problem="no-target")
    if actual is None or (isinstance(actual, str) and not actual.strip()):
        return Score(None, kind, problem="missing")
    if is_not_applicable(actual, rules):
        return Score(None, kind, problem="not-applicable")
    if kind == TIER:
        tier = find_tier(actual, rules)
        if tier is None:
            return Score(None, kind, problem="not-comparable")
        return Score(cents(weight * tier.high), kind, tier=tier)
    a = actual_number(target, actual)
    if a is None:
        return Score(None, kind, problem="not-comparable")
    return Score(quantitative_score(kind, target.number, a, weight, rules.reverse), kind, actual=a)


def quantitative_score(kind: str, t: Decimal, a: Decimal, weight: Decimal, reverse: str = "ratio") -> Decimal:
    """正向: met → full, else a ÷ t; 反向: met → full, else t ÷ a (or linear, 0 at twice the target);
    a 0 target: full when a ≤ 0, else 0. Never below 0 nor above the weight."""
    if kind == ZERO:
        return cents(weight) if a <= 0 else Decimal("0.00")
    if kind == MORE:
        if a >= t:
            return cents(weight)
        if t <= 0:
            return Decimal("0.00")
        share = a / t
    elif a <= t:
        return cents(weight)
    elif reverse == "ratio":
        share = t / a if a > 0 else Decimal(0)
    else:
        share = 1 - (a - t) / t if t > 0 else Decimal(0)
    return cents(min(weight, max(Decimal(0), share * weight)))


def execution(budget: Decimal | None, spent: Decimal | None, weight: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """(执行率, its score): 全年执行数 ÷ 全年预算数, scored min(执行率, 1) × 分值; None without both or a 0 budget."""
    if budget is None or spent is None or budget <= 0:
        return None, None
    rate = spent / budget
    return rate, cents(min(rate, Decimal(1)) * weight)


def tier_range(tier: Tier, weight: Decimal) -> tuple[Decimal, Decimal]:
    return cents(weight * tier.low), cents(weight * tier.high)


def grade(total: Decimal | None, rules: Rules) -> str:
    if total is None:
        return ""
    return next((name for name, low in rules.grades if total >= low), rules.grades[-1][0] if rules.grades else "")


def total_score(scores: list[Decimal | None], weights: list[Decimal], applicable: list[bool],
                rate: Decimal | None, rules: Rules) -> Decimal | None:
    """The 总分 of a form's rows (the fund row first): None until every applicable row is scored.

    With rescaling, rows that do not apply are dropped and the rest scaled to 100; with caps, the
    total is at most the cap of the 执行率 band.
    """
    if any(ok and s is None for s, ok in zip(scores, applicable)):
        return None
    got = sum((s for s, ok in zip(scores, applicable) if ok and s is not None), Decimal(0))
    if rules.rescale:
        base = sum((w for w, ok in zip(weights, applicable) if ok), Decimal(0))
        got = cents(got * 100 / base) if base > 0 else Decimal("0.00")
    got = cents(got)
    if rate is not None:
        for below, cap in rules.caps:
            if rate < below:
                return min(got, cents(cap))
    return got
