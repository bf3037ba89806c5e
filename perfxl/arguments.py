"""Library arguments checked up front, so a wrong call fails at once with a clear TypeError/ValueError
instead of deep inside a run (or, worse, quietly doing less: a generator used up by a check)."""

from __future__ import annotations

import os
from pathlib import Path

PATH_TYPES = (str, bytes, os.PathLike)
YEARS = range(2000, 2101)


def as_path(value, name: str) -> Path:
    """One path given as str, bytes or os.PathLike."""
    if not isinstance(value, PATH_TYPES):
        raise TypeError(f"{name} 应是路径（str、bytes 或 os.PathLike），而不是 {value!r:.40}")
    text = os.fsdecode(value)
    if not text or "\x00" in text:
        raise ValueError(f"{name} 不是有效的路径：{text!r}")
    return Path(text)


def as_paths(value, name: str = "paths") -> list[str]:
    """One path or any iterable of them (read exactly once), as a list of str."""
    if isinstance(value, PATH_TYPES):
        items = [value]
    else:
        try:
            items = list(value)
        except TypeError:
            raise TypeError(f"{name} 应是路径或路径的列表，而不是 {value!r:.40}") from None
    if not items:
        raise ValueError(f"{name} 是空的：请至少给出一个文件或文件夹")
    return [str(as_path(item, f"{name} 中的一项")) for item in items]


def as_text(value, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} 应是文字（str）或 None，而不是 {value!r:.40}")
    return value


def as_year(value) -> int | None:
    """A budget year 2000–2100, given as int or digits; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"year 应是年份数字（如 2024），而不是 {value!r:.40}")
    text = str(value).strip()
    if not text.isdigit() or int(text) not in YEARS:
        raise ValueError(f"预算年度 {value!r} 不对：应是 {YEARS.start}–{YEARS.stop - 1} 之间的年份")
    return int(text)
