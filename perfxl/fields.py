"""What the cells of a form's fields hold: the field kinds, amounts in 万元, budget codes.

Shared by the form reader (perfxl/form.py) and the list-export reader (perfxl/listing.py).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from decimal import Decimal, InvalidOperation

from .model import AMOUNT_LIMIT
from .profile import label_key
from .targets import tidy_decimal

TEXT_FIELDS = ("name", "department", "unit", "period", "attribute", "category", "reporter", "dept_name", "budget_unit",
               "contact", "phone")
FUND_KINDS = ("total_period", "total_any", "total_year", "fiscal", "other")
FIELD_KINDS = set(TEXT_FIELDS) | set(FUND_KINDS) | {"goals", "goal_period", "goal_year"}
CODED_FIELDS = ("name", "department", "unit")  # a budget code before these moves to Project.code / codes
REQUIRED_LABELS = {"项目": ("department", "unit", "funds_year.total"), "整体支出": ("funds_year.total",)}
WHOLE_DEPARTMENT = "整体支出"
UNIT_SUFFIX = re.compile(r"\((万元|元)\)$")
YEAR = re.compile(r"(\d{4})年度")
UNIT_IN_TEXT = re.compile(r"(?:^|[^报])单位:?(万元|元)(?:$|[^\w])")
# “[015001]某局”, “(433)某项目”, “015001 某局”: a budget code, not part of the name.
# “湘潭市城管局 308001”: a code after the name.
_CODE = re.compile(r"^[\[【(]\s*([0-9A-Za-z][0-9A-Za-z.\-]{1,19})\s*[\]】)]\s*(\S.*)$|^(\d{6,})[\s\-_]+(\D.*)$", re.S)
_CODE_AFTER = re.compile(r"^(\D.*?)\s+(\d{6,})$", re.S)
# An amount with words around it: “854万(高标准农田建设400万元,…)”, “854万854万(…)” (a note after
# the amount and its unit, or in brackets), “中央衔接推进乡村振兴补助资金(少数民族发展任务)50” (words before).
_AMOUNT_NOTE = re.compile(r"^(-?\d[\d,]*(?:\.\d+)?)(?:(万元|万|元).+|[(\[【].*)$", re.S)
_AMOUNT_AFTER_WORDS = re.compile(r"^[^\d]*[^\d\-+.]((?:\d[\d,]*)?\.?\d+(?:万元|万|元)?)$", re.S)
_WAN = Decimal(10000)


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def split_code(text: str) -> tuple[str, str]:
    """(budget code, name) of “[015001]某局”, “(433)某项目” or “某局 308001”; ("", text) without a code."""
    if not (text[:1] in "[【(（" or text[:1].isdigit() or text.rstrip()[-1:].isdigit()):
        return "", text  # the common case, decided without normalising
    plain = unicodedata.normalize("NFKC", text).strip()
    if m := _CODE.match(plain):
        return (m.group(1), m.group(2).strip()) if m.group(1) else (m.group(3), m.group(4).strip())
    if m := _CODE_AFTER.match(plain):
        return m.group(2), m.group(1).strip()
    return "", text


def set_text_field(project, kind: str, text: str) -> None:
    """Put a field's text on the project; a budget code before (or after) a name moves to
    ``project.code`` / ``project.codes`` so that the plain name groups in the rollups."""
    if kind in CODED_FIELDS:
        code, text = split_code(text)
        if code and kind == "name":
            project.code = code
        elif code:
            project.codes[kind] = code
    setattr(project, kind, text)


def is_amount(value: object) -> bool:
    """The cell holds an amount (a number, or text that reads as one)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    return parse_amount(value)[0] is not None


def parse_amount(value: object, in_yuan: bool = False) -> tuple[Decimal | None, bool]:
    """An amount cell to exact 万元: (amount, ok). Blank is (None, True); '250万', '1,200.5' pass."""
    if blank(value):
        return None, True
    if isinstance(value, bool):
        return None, False
    if type(value) is float and value:  # not 0.0: -0.0 equals it but reads as “-0”
        return _float_amount(value, in_yuan)
    if isinstance(value, (int, float)):
        return _in_wan(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), in_yuan)
    s = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace(" ", "")
    if s in ("-", "—", "/", "无"):
        return None, True
    if m := _AMOUNT_NOTE.match(s):
        s = m.group(1) + (m.group(2) or "")
    elif m := _AMOUNT_AFTER_WORDS.match(s):
        s = m.group(1)
    scale = Decimal(1)
    if s.endswith("万元") or s.endswith("万"):
        s, in_yuan = s.rstrip("元").rstrip("万"), False
    elif s.endswith("元"):
        s, scale = s[:-1], Decimal(1) / _WAN
    try:
        number = Decimal(s) * scale
    except InvalidOperation:
        return None, False
    return _in_wan(number, in_yuan)


@lru_cache(maxsize=1 << 12)
def _float_amount(value: float, in_yuan: bool) -> tuple[Decimal | None, bool]:
    """parse_amount of a number cell, kept: a form repeats its amounts (total = 财政拨款, 实施期 = 年度),
    and a repeat then costs no Decimal work (~1 µs)."""
    return _in_wan(Decimal(repr(value)), in_yuan)


def _in_wan(number: Decimal, in_yuan: bool) -> tuple[Decimal | None, bool]:
    if not number.is_finite() or abs(number) >= AMOUNT_LIMIT:  # rules.py reports amount-too-large
        return None, False
    if in_yuan:
        number = number / _WAN
    return tidy_decimal(number), True


@lru_cache(maxsize=1 << 10)
def unit_suffix(label: str) -> str | None:
    """万元 or 元 of a funds label (“资金投入(万元)”), kept: a few labels serve every form (saves a regex each)."""
    m = UNIT_SUFFIX.search(label_key(label))
    return m and m.group(1)


@lru_cache(maxsize=1 << 14)
def cover_facts(text: str) -> tuple[str | None, str | None, bool]:
    """What a line above a form says: (its year, its amount unit, a 填报单位：… line)."""
    key = label_key(text)
    year, unit = YEAR.search(key), UNIT_IN_TEXT.search(key)
    return year and year.group(1), unit and unit.group(1), "填报单位" in key and ":" in key
