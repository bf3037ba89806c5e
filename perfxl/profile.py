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

from .errors import ProfileError

BUILTIN = ("2015", "2021")
DEFAULT = "2015"

_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
# A score written into a 一级/二级 cell: “成本指标(0-20)分”, “产出指标（50分）”.
_SCORE = re.compile(r"\(\d+(?:\.\d+)?(?:[-~至]\d+(?:\.\d+)?)?分?\)分?$|\d+(?:\.\d+)?分$")


@lru_cache(maxsize=1 << 16)
def label_key(text: object) -> str:
    """Normalise a label for matching: width, spaces, line breaks, 其中 and a trailing colon."""
    s = unicodedata.normalize("NFKC", str(text))
    s = _SPACES.sub("", s).lstrip("*").rstrip(":")
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
    parent: dict[str, str] = field(init=False)
    label_index: dict[str, str] = field(init=False)
    label_cache: dict[str, tuple] = field(init=False, repr=False, compare=False)  # cell text → label_kind
    resolve_cache: dict[tuple, tuple] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.parent = {l2: l1 for l1, l2s in self.levels.items() for l2 in l2s}
        self.label_index = {label_key(t): kind for kind, ts in self.labels.items() for t in ts}
        self.label_cache = {}
        self.resolve_cache = {}

    def canonical(self, name: str) -> str:
        name = _SCORE.sub("", label_key(name))
        return self.aliases.get(name, name)

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
        if l1 in self.levels and not l2 and len(self.levels[l1]) == 1:
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
    except (OSError, ValueError) as exc:
        raise ProfileError(f"指标体系文件 {path} 无法读取：{exc}") from None
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


@lru_cache(maxsize=16)
def load_profile(spec: str | Path | None = None) -> Profile:
    """Load a profile by built-in name (``2015``, ``2021``) or JSON file path."""
    data = profile_data(spec)
    try:
        labels = _base_labels()
        for kind, extra in (data.get("labels") or {}).items():
            labels[kind] = list(labels.get(kind, [])) + list(extra)
        return Profile(
            name=str(data["name"]),
            title=str(data.get("title", "")),
            levels={str(k): [str(x) for x in v] for k, v in data["levels"].items()},
            required=[str(x) for x in data.get("required", [])],
            aliases={label_key(k): str(v) for k, v in (data.get("aliases") or {}).items()},
            foreign_level2=dict(data.get("foreign_level2") or {}),
            cost_level2=list(data.get("cost_level2") or []),
            thresholds={k: Decimal(str(v)) for k, v in (data.get("thresholds") or {}).items()},
            rate_words=list(data.get("rate_words") or []),
            labels=labels,
        )
    except (KeyError, TypeError, AttributeError, ArithmeticError) as exc:
        raise ProfileError(f"指标体系文件 {spec} 格式不对（{exc!r}）；可参照内置的 2015.json") from None
