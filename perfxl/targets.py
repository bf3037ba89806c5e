"""Parse 年度指标值 text into a Target: operator, number, unit, 定量/定性 and direction."""

from __future__ import annotations

import datetime
import re
import unicodedata
from functools import lru_cache
from decimal import Decimal, InvalidOperation

from .model import Target

# Longest first, so that 大于等于 wins over 大于.
_WORD_OPS = [
    ("大于或等于", "≥"), ("大于等于", "≥"), ("不低于", "≥"), ("不少于", "≥"), ("不小于", "≥"),
    ("至少", "≥"), ("达到", "≥"),
    ("小于或等于", "≤"), ("小于等于", "≤"), ("不高于", "≤"), ("不超过", "≤"), ("不多于", "≤"),
    ("不大于", "≤"), ("控制在", "≤"), ("至多", "≤"),
    ("大于", ">"), ("高于", ">"), ("多于", ">"), ("超过", ">"),
    ("小于", "<"), ("低于", "<"), ("少于", "<"),
    ("等于", "="),
]
_SYMBOL_OPS = [(">=", "≥"), ("=>", "≥"), ("<=", "≤"), ("=<", "≤"), ("≧", "≥"), ("≦", "≤"),
               ("≥", "≥"), ("≤", "≤"), (">", ">"), ("<", "<"), ("=", "=")]
_SUFFIX_OPS = [("及以上", "≥"), ("以上", "≥"), ("及以下", "≤"), ("以下", "≤"), ("以内", "≤")]
DIRECTION = {"≥": "正向", ">": "正向", "≤": "反向", "<": "反向", "=": "等于"}

_NUMBER = re.compile(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?|[-+]?\d*\.\d+")
_RANGE = re.compile(rf"^({_NUMBER.pattern})\s*(\S*?)\s*(?:-|~|至|到|—|–)\s*({_NUMBER.pattern})\s*(\S*)$")
_DATE = re.compile(
    r"^\d{4}\s*[.\-/年]\s*\d{1,2}(?:\s*[.\-/月]\s*\d{1,2})?[日月]?"
    r"(?:\s*(?:-|~|至|到|—|–)\s*(?:\d{4}\s*[.\-/年]\s*)?\d{1,2}(?:\s*[.\-/月]\s*\d{1,2})?[日月]?)?"
    r"(?:前|之前|以前|底前|底|内|完成)?$"
)
_PLACEHOLDER = re.compile(r"[*＊]|[Xx]{2}|^[Xx]$|某|…|\.\.\.|待定|[Xx]%|[Xx]+[个次人元天年]")
_UNIT_OK = re.compile(r"^[^\d\s]{0,8}$")
# A unit alone, or an operator with a unit but no number: the template's blank left unfilled (“公里”, “≧ %”).
_BARE_UNIT = re.compile(r"^(?:%|个|次|所|套|台|家|人|人次|户|件|项|条|座|处|批次|年|月|天|元|万元|亿元|公里|千米|米|平方米|平米|亩|万亩|万人)$")
_RISING = ("提升", "提高", "增加", "增长", "上升", "改善", "增强", "加强", "扩大")
_FALLING = ("降低", "减少", "下降", "减轻", "压缩", "缩短")


def _to_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def tidy_decimal(number: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (170, not 1.7E+2)."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def value_text(value: object) -> str:
    """A cell value as the text a person reads: 101.0 → '101', 0.5 → '0.5'."""
    if type(value) is str:  # most cells: no type tests
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.date):  # a date-formatted cell (calamine gives date/datetime)
        text = f"{value.year}年{value.month}月{value.day}日"
        if isinstance(value, datetime.datetime) and (value.hour or value.minute):
            text += f" {value.hour:02d}:{value.minute:02d}"
        return text
    return str(value).strip()


_DIRECTION_WORDS = {"正向": "正向", "正向指标": "正向", "反向": "反向", "反向指标": "反向"}
_PREFIX_OPS = _SYMBOL_OPS + _WORD_OPS  # tried in this order at the start of a value
_EXACT_OPS = dict(_PREFIX_OPS)
_NO_OPERATOR = {"定量", "定性", "定量指标", "定性指标", "/", "-", "—", "无"}


def operator_of(value: object) -> tuple[str, str] | None:
    """A split-off 指标性质/指标方向 cell as (operator, direction); None when it is neither.

    “≥”, “>=”, “大于等于” give an operator (and its direction), “正向”/“反向” a direction only;
    “定量”/“定性” or a blank say nothing about either: ("", "").
    """
    s = unicodedata.normalize("NFKC", value_text(value)).replace(" ", "").replace("\u3000", "")
    if not s or s in _NO_OPERATOR:
        return "", ""
    if s in _DIRECTION_WORDS:
        return "", _DIRECTION_WORDS[s]
    op = _EXACT_OPS.get(s)
    return (op, DIRECTION[op]) if op else None


def parse_target(value: object) -> Target:
    """Parse one 年度指标值 as written (text or a number cell) into a Target.

    Targets are shared between equal texts (values repeat a lot); treat them as read-only.
    """
    return _parse(value_text(value))


@lru_cache(maxsize=1 << 16)
def _parse(text: str) -> Target:
    target = Target(text=text)
    s = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")
    if not s:
        return target
    if _PLACEHOLDER.search(s) or _BARE_UNIT.match(s.lstrip("≥≤≧≦<>=")):
        target.placeholder = True
        target.kind = "定量" if re.search(r"\d|%", s) else "定性"
        return target
    if _DATE.match(s):
        target.kind, target.is_date = "定性", True
        return target

    operator = ""
    for word, op in _PREFIX_OPS:
        if s.startswith(word):
            operator, s = op, s[len(word):]
            break
    for word, op in _SUFFIX_OPS:
        if s.endswith(word) and _NUMBER.match(s):
            operator, s = operator or op, s[: -len(word)]
            break

    ranged = _RANGE.match(s) if not operator else None
    if ranged:
        low, unit1, high, unit2 = ranged.group(1), ranged.group(2), ranged.group(3), ranged.group(4)
        if (not unit1 or not unit2 or unit1 == unit2) and _UNIT_OK.match(unit1 or unit2):
            target.kind, target.direction = "定量", "区间"
            target.number, target.upper = _to_decimal(low), _to_decimal(high)
            target.unit = unit2 or unit1
            return target

    match = _NUMBER.match(s)
    if match and _UNIT_OK.match(s[match.end():]):
        target.kind = "定量"
        target.number = _to_decimal(match.group())
        target.unit = s[match.end():]
        if not operator:
            operator, target.implicit_operator = "=", True
        target.operator = operator
        target.direction = DIRECTION[operator]
        return target

    target.kind = "定性"
    target.operator = operator
    if operator:
        target.direction = DIRECTION[operator]
    elif any(w in s for w in _FALLING):
        target.direction = "反向"
    elif any(w in s for w in _RISING):
        target.direction = "正向"
    return target
