"""Indicator profiles: the 一级→二级 framework, aliases, label synonyms and thresholds as data.

A profile is a JSON file. The built-in ones are ``2015`` (财预〔2015〕88号) and ``2021``
(财预〔2021〕101号); a region can ship its own file, optionally ``"extends": "2015"``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import ProfileError, describe_os_error

BUILTIN = ("2015", "2021")
DEFAULT = "2015"

_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
# A score or a fill-in note written into a 一级/二级 cell: “成本指标(0-20)分”, “产出指标（50分）”,
# “数量指标 (必填硬性指标)”. Other brackets are part of the name (“数量指标(或建筑规模指标)”).
_SCORE = re.compile(r"\(\d+(?:\.\d+)?(?:[-~至]\d+(?:\.\d+)?)?分?\)分?$|\d+(?:\.\d+)?分$|\((?:必填|选填)[^()]*\)$")


@lru_cache(maxsize=1 << 16)
def label_key(text: object) -> str:
    """Normalise a label for matching: width, spaces, line breaks, 其中, a trailing colon, “*” marks."""
    s = unicodedata.normalize("NFKC", str(text))
    s = _SPACES.sub("", s).strip("*").rstrip(":")
    if s.startswith("其中"):
        s = s[2:].lstrip(":")
    return s


@dataclass
class Profile:
    name: str
    title: str
    levels: dict[str, list[str]]
    required: list[str]
    aliases: dict[str, str]
    foreign_level2: dict[str, str]
    cost_level2: list[str]
    thresholds: dict[str, Decimal]
    rate_words: list[str]
    labels: dict[str, list[str]]
    roles: dict[str, str]  # 一级 → output / cost / benefit / satisfaction: what the checks and counts mean by it
    selfeval: dict  # the year-end self-evaluation rules, checked when used (perfxl/scoring.py, docs/selfeval.md)
    parent: dict[str, str] = field(init=False)
    label_index: dict[str, str] = field(init=False)
    label_cache: dict[str, tuple] = field(init=False, repr=False, compare=False)  # cell text → label_kind
    resolve_cache: dict[tuple, tuple] = field(init=False, repr=False, compare=False)
    canonical_cache: dict[str, str] = field(init=False, repr=False, compare=False)
    rules: object = field(init=False, repr=False, compare=False, default=None)  # scoring.Rules of selfeval, set by load_profile
    selfeval_index: dict | None = field(init=False, repr=False, compare=False, default=None)
    satisfaction_level2: frozenset = field(init=False, repr=False, compare=False)  # 二级 under a satisfaction 一级

    def __post_init__(self) -> None:
        self.parent = {l2: l1 for l1, l2s in self.levels.items() for l2 in l2s}
        self.label_index = {label_key(t): kind for kind, ts in self.labels.items() for t in ts}
        self.label_cache = {}
        self.resolve_cache = {}
        self.canonical_cache = {}
        self.satisfaction_level2 = frozenset(l2 for l1 in self.with_role("satisfaction") for l2 in self.levels[l1])

    def with_role(self, role: str) -> list[str]:
        """The 一级 names that play ``role`` (output, cost, benefit, satisfaction) in this framework."""
        return [l1 for l1, r in self.roles.items() if r == role]

    def is_cost(self, level1: str, level2: str) -> bool:
        """A cost indicator: under a cost 一级 (2021) or a cost 二级 (2015's 产出指标/成本指标)."""
        return self.roles.get(level1) == "cost" or level2 in self.cost_level2

    def canonical(self, name: str) -> str:
        found = self.canonical_cache.get(name)
        if found is None:
            key = _SCORE.sub("", label_key(name))
            found = self.canonical_cache[name] = self.aliases.get(key, key)
        return found

    def present_level1(self, indicators) -> set[str]:
        """The 一级 the indicators count under: as written, or by their 二级 beneath a local 一级 name
        (“项目完成指标” / 数量指标 is an 产出 indicator)."""
        present = {i.level1 for i in indicators}
        if not present <= self.levels.keys():
            present |= {self.parent.get(i.level2, "") for i in indicators if i.level1 not in self.levels}
        return present

    def known_level(self, name: str) -> bool:
        """The text names a 一级 or 二级 of this framework (after aliases and score suffixes)."""
        name = self.canonical(name)
        return name in self.levels or name in self.parent

    def resolve(self, level1: str, level2: str, level1_inherited: bool = False) -> tuple[str, str, str]:
        """Map a row's 一级/二级 onto the framework; returns (一级, 二级, note) and never drops a row.

        note is "" when the row fits, otherwise a short Chinese explanation for a notice.
        """
        key = (level1, level2, level1_inherited)
        if key not in self.resolve_cache:
            self.resolve_cache[key] = self._resolve(level1, level2, level1_inherited)
        return self.resolve_cache[key]

    def _resolve(self, level1: str, level2: str, level1_inherited: bool) -> tuple[str, str, str]:
        l1, l2 = self.canonical(level1), self.canonical(level2)
        if l1 and l1 not in self.levels and not l2:
            # 一级 and 二级 merged across: the 一级 cell holds a 二级 name (or a combined one).
            if l1 in self.parent:
                return self.parent[l1], l1, ""
        if l1 in self.levels and (not l2 or l2 == l1) and len(self.levels[l1]) == 1:
            return l1, self.levels[l1][0], ""
        if l2 in self.parent and self.parent[l2] != l1:
            if not l1 or (level1_inherited and l1 in self.levels):
                return self.parent[l2], l2, ""
            return l1, l2, f"二级指标“{l2}”在{self.name}版指标体系中属于“{self.parent[l2]}”，按填写保留在“{l1}”下"
        if l2 and l2 not in self.parent:
            home = self.foreign_level2.get(l2)
            if home and home == l1:
                return l1, l2, f"二级指标“{l2}”不在{self.name}版指标体系中（地方混合用法），已按填写保留"
        return l1, l2, ""


def _read_json(path: Path | str, source) -> dict:
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"找不到指标体系文件：{path}；请写 2015、2021 或一个 JSON 文件的路径") from None
    except OSError as exc:
        raise ProfileError(f"指标体系文件 {path} 无法读取（{describe_os_error(exc)}）") from None
    except ValueError as exc:  # JSONDecodeError (where), or UnicodeDecodeError
        where = f"第 {exc.lineno} 行第 {exc.colno} 列有误" if isinstance(exc, json.JSONDecodeError) else "不是 UTF-8 文本"
        raise ProfileError(f"指标体系文件 {path} 不是有效的 JSON（{where}）；写法见 docs/profiles.md") from None
    if not isinstance(data, dict):
        raise ProfileError(f"指标体系文件 {path} 应为一个 JSON 对象")
    return data


@lru_cache(maxsize=None)
def _builtin(name: str) -> dict:
    return _read_json(name, resources.files("perfxl.profiles").joinpath(f"{name}.json"))


def _base_labels() -> dict[str, list[str]]:
    return _read_json("labels.json", resources.files("perfxl.profiles").joinpath("labels.json"))


def profile_data(spec: str | Path | None) -> dict:
    """The raw profile dict for a built-in name or a user file (with ``extends`` applied)."""
    spec = str(spec or DEFAULT)
    if spec in BUILTIN:
        return dict(_builtin(spec))
    data = _read_json(spec, Path(spec))
    base = data.get("extends")
    if base:
        if base not in BUILTIN:
            raise ProfileError(f"指标体系文件 {spec}：extends 只能是 {'、'.join(BUILTIN)}")
        merged = dict(_builtin(base))
        for key, value in data.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        data = merged
    data.setdefault("name", Path(spec).stem)
    return data


ROLES = ("output", "cost", "benefit", "satisfaction")
THRESHOLDS = ("amount_tolerance", "satisfaction_min", "rate_max")
# Every key a profile file may have, with the JSON type its value must be.
KEYS = {
    "name": str, "title": str, "extends": str, "levels": dict, "required": list, "roles": dict,
    "aliases": dict, "foreign_level2": dict, "cost_level2": list, "thresholds": dict, "rate_words": list,
    "labels": dict, "selfeval": dict,
}


def _check(data: dict, spec: str, label_kinds) -> None:
    """Refuse what a profile must not say: unknown keys, unknown label kinds, wrong types.

    A misspelt key would otherwise be ignored silently (and a misspelt label kind would steal
    its labels from the real one), so every key is checked against what perfxl knows.
    """
    def fail(key: str, allowed: str) -> None:
        raise ProfileError(f"指标体系文件 {spec}：{key}不对，应为 {allowed}；写法见 docs/profiles.md")

    for key, value in data.items():
        if key not in KEYS:
            fail(f"键“{key}”", "、".join(KEYS))
        if not isinstance(value, KEYS[key]):
            fail(f"“{key}”的值", {str: "文字", dict: "JSON 对象 {…}", list: "JSON 数组 […]"}[KEYS[key]])
    def texts(value) -> bool:
        return isinstance(value, list) and all(isinstance(x, str) and x for x in value)

    for l1, l2s in data.get("levels", {}).items():
        if not texts(l2s):
            fail(f"levels 中“{l1}”的值", "二级指标名称的数组")
    for key in ("required", "cost_level2", "rate_words"):
        if key in data and not texts(data[key]):
            fail(f"“{key}”的值", "文字的数组")
    for key in ("required", "roles"):
        for l1 in data.get(key, {}):
            if l1 not in data.get("levels", {}):
                fail(f"{key} 中的“{l1}”", f"levels 中的一级指标（{'、'.join(data.get('levels', {}))}）")
    for l1, role in data.get("roles", {}).items():
        if role not in ROLES:
            fail(f"roles 中“{l1}”的值“{role}”", "、".join(ROLES))
    for key in ("aliases", "foreign_level2"):
        for k, v in data.get(key, {}).items():
            if not isinstance(v, str):
                fail(f"{key} 中“{k}”的值", "文字")
    for key, value in data.get("thresholds", {}).items():
        if key not in THRESHOLDS:
            fail(f"thresholds 中的“{key}”", "、".join(THRESHOLDS))
        try:
            if isinstance(value, bool) or not Decimal(str(value)).is_finite():
                raise ArithmeticError
        except ArithmeticError:
            fail(f"thresholds 中“{key}”的值", "数字")
    for kind, extra in data.get("labels", {}).items():
        if kind not in label_kinds:
            fail(f"labels 中的栏目“{kind}”", "、".join(label_kinds))
        if not texts(extra):
            fail(f"labels 中“{kind}”的值", "文字的数组")


def framework_profile(name: str, default: Profile) -> Profile:
    """The profile of a project's ``framework``: ``default`` when it is that one (or unset), else a built-in."""
    if not name or name == default.name or name not in BUILTIN:
        return default
    return load_profile(name)


@lru_cache(maxsize=16)
def load_profile(spec: str | Path | None = None) -> Profile:
    """Load a profile by built-in name (``2015``, ``2021``) or JSON file path; checked, see docs/profiles.md."""
    data = profile_data(spec)
    labels = _base_labels()
    _check(data, str(spec or DEFAULT), labels)
    if "levels" not in data:
        raise ProfileError(f"指标体系文件 {spec}：缺少 levels（一级指标及其二级指标）；写法见 docs/profiles.md")
    for kind, extra in (data.get("labels") or {}).items():
        labels[kind] = list(labels[kind]) + list(extra)
    profile = Profile(
        name=str(data["name"]),
        title=str(data.get("title", "")),
        levels={str(k): list(v) for k, v in data["levels"].items()},
        required=list(data.get("required", [])),
        aliases={label_key(k): v for k, v in (data.get("aliases") or {}).items()},
        foreign_level2=dict(data.get("foreign_level2") or {}),
        cost_level2=list(data.get("cost_level2") or []),
        thresholds={k: Decimal(str(v)) for k, v in (data.get("thresholds") or {}).items()},
        rate_words=list(data.get("rate_words") or []),
        labels=labels,
        roles=dict(data.get("roles") or {}),
        selfeval=dict(data.get("selfeval") or _builtin(DEFAULT)["selfeval"]),  # 自评 rules: the default's if none
    )
    from .scoring import rules_from

    profile.rules = rules_from(profile)  # a wrong 自评 section fails here, in one line, not later inside a worker
    return profile
