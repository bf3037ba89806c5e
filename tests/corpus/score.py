"""Score what perfxl read from a corpus form against the form's TRUTH.

Projects are matched by name (NFKC, whitespace removed, a leading budget code ignored). Per
project: 主管部门 and 实施单位 (compared like names, so “[042]某局” and “某局” agree) and 年度金额
(Decimal equality) where the truth gives them (None: the form has no such field, not compared),
the kind (项目 / 整体支出), and the indicators as a multiset of (一级, 二级, 三级, 年度指标值)
normalised. Error findings not in the truth's
real_errors are false errors; real_errors not raised are missed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from .build import form_id

# a budget code before the name: [015001]…, 【015001】…, (433)…, 015001-…
_CODE = re.compile(r"^\s*(?:[\[【(（][0-9A-Za-z.\-]+[\]】)）]|[0-9][0-9A-Za-z]{5,}[-_.、 ]*)\s*")
_SIGNS = str.maketrans({"≧": "≥", "≦": "≤", "＞": ">", "＜": "<", "＝": "=", "﹦": "="})
FIELDS = {"department": "主管部门", "unit": "实施单位", "year_amount": "年度金额", "kind": "类型"}


def norm(text) -> str:
    """Text as compared: NFKC, no whitespace, one spelling of ≥ ≤."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).translate(_SIGNS)
    s = re.sub(r"\s+", "", s)
    return s.replace(">=", "≥").replace("<=", "≤")


def norm_name(name) -> str:
    """A project name as matched: normalised, without a leading budget code."""
    return norm(_CODE.sub("", unicodedata.normalize("NFKC", name or "")))


@dataclass
class FormScore:
    form: str
    projects: int = 0
    projects_found: int = 0
    indicators: int = 0
    indicators_right: int = 0
    fields: int = 0
    fields_right: int = 0
    false_errors: list[str] = field(default_factory=list)  # "code 项目 单元格: 说明"
    missed_errors: list[str] = field(default_factory=list)  # "项目: code (why)"
    misses: list[str] = field(default_factory=list)  # what differs, one line each, for reading


def _indicator_key(level1, level2, level3, value) -> tuple[str, str, str, str]:
    return norm(level1), norm(level2), norm(level3), norm(value)


def _year_amount(project):
    total = project.funds_year.total
    return None if total is None else Decimal(total)


def score(module, projects, findings) -> FormScore:
    """Compare perfxl's projects and findings for one form file with the module's TRUTH."""
    result = FormScore(form=form_id(module))
    by_name: dict[str, list] = {}
    for p in projects:
        by_name.setdefault(norm_name(p.name), []).append(p)
    expected_errors: dict[tuple[str, str], str] = {}
    for truth in module.TRUTH["projects"]:
        key = norm_name(truth["name"])
        for err in truth["real_errors"]:
            expected_errors[(key, err["code"])] = f"{truth['name']}: {err['code']}（{err['why']}）"
        result.projects += 1
        wanted = Counter(_indicator_key(*row) for row in truth["indicators"])
        result.indicators += sum(wanted.values())
        result.fields += 1 + sum(truth[f] is not None for f in ("department", "unit", "year_amount"))
        candidates = by_name.get(key)
        if not candidates:
            result.misses.append(f"未找到项目：{truth['name']}")
            continue
        project = candidates.pop(0)
        result.projects_found += 1
        got = {
            "department": norm_name(project.department),
            "unit": norm_name(project.unit),
            "year_amount": _year_amount(project),
            "kind": getattr(project, "kind", "项目") or "项目",
        }
        want = {
            "department": None if truth["department"] is None else norm_name(truth["department"]),
            "unit": None if truth["unit"] is None else norm_name(truth["unit"]),
            "year_amount": None if truth["year_amount"] is None else Decimal(truth["year_amount"]),
            "kind": truth["kind"],
        }
        for name, value in want.items():
            if value is None:
                continue
            if value == got[name]:
                result.fields_right += 1
            else:
                result.misses.append(f"{truth['name']}：{FIELDS[name]} 应为 {value}，读成 {got[name]!r}")
        read = Counter(_indicator_key(i.level1, i.level2, i.level3, i.value) for i in project.indicators)
        right = wanted & read
        result.indicators_right += sum(right.values())
        for k in (wanted - right).elements():
            result.misses.append(f"{truth['name']}：漏读指标 {' / '.join(k)}")
        for k in (read - right).elements():
            result.misses.append(f"{truth['name']}：多读或读错 {' / '.join(k)}")
    for p in (p for rest in by_name.values() for p in rest):
        result.misses.append(f"多出项目：{p.name!r}")
    raised = set()
    for f in findings:
        key = (norm_name(f.project), f.code)
        if key in expected_errors:
            raised.add(key)
        elif f.level == "error":
            result.false_errors.append(f"{f.code} {f.project} {f.cell}: {f.message}")
    result.missed_errors = [why for key, why in expected_errors.items() if key not in raised]
    return result


def _pct(right: int, total: int) -> str:
    return f"{100 * right / total:.1f}%" if total else "-"


def table(scores: list[FormScore]) -> str:
    """The per-form table with a totals line, as plain text."""
    head = ("表单", "项目 找到/全部", "指标 对/全部", "字段 对/全部", "误报错误", "漏报错误")
    rows = [
        (s.form, f"{s.projects_found}/{s.projects}", f"{s.indicators_right}/{s.indicators}",
         f"{s.fields_right}/{s.fields}", str(len(s.false_errors)), str(len(s.missed_errors)))
        for s in scores
    ]
    t = lambda attr: sum(getattr(s, attr) for s in scores)  # noqa: E731
    rows.append((
        "合计",
        f"{t('projects_found')}/{t('projects')}",
        f"{t('indicators_right')}/{t('indicators')} ({_pct(t('indicators_right'), t('indicators'))})",
        f"{t('fields_right')}/{t('fields')}",
        str(sum(len(s.false_errors) for s in scores)),
        str(sum(len(s.missed_errors) for s in scores)),
    ))
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(_pad(c, w) for c, w in zip(r, widths)) for r in [head, *rows]]
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
