"""The indicator table of a form: its header's columns, then one Indicator per row.

Read by the columns of the header row, so the tables real forms have all read alike:
- a value split over columns (指标性质/指标方向 ≥ or 正向 | 指标值 | 度量单位 %) is joined into one
  年度指标值 text, the direction kept on the Target even when only 正向/反向 is written;
- a long-term side beside the annual one (二级指标(长期) … 指标值(年度)): the annual side is read.
  A Project holds the year's indicators only, which is what the rules and the summary are about;
- a 一级/二级 name written over two rows of separate cells (“社会公众或服务” / “对象满意度指标”) is
  joined; a score after it (“成本指标(0-20)分”) is dropped by the profile.

The framework is chosen here when asked to (``auto``): a 成本指标 一级 means the 2021 one.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from functools import lru_cache

from .fields import YEAR, blank
from .grid import Grid
from .model import Indicator, Project
from .profile import Profile, label_key, load_profile
from .targets import operator_of, parse_target, tidy_decimal, value_text

LEVEL_KINDS = ("level1", "level2", "level3", "value", "value_op", "value_unit")
STOP_KINDS = {"name", "department", "unit", "reporter", "funds", "goals", "end", "period", "dept_name", "contact", "phone"}
_YEAR_WORDS = ("年度", "当年", "本年")
_LONG_WORDS = ("长期", "中期", "实施期", "整体")
COST_LEVEL1 = "成本指标"  # a 一级 of this name exists in the 2021 framework only
_TITLE = re.compile(r"绩效目标(申报)?表")
_UNIT_LINE = re.compile(r"^(?:金额)?单位:?(万元|元)$")
_SIDE_LABEL = 20  # the longest label above the header that can say a column's side


@lru_cache(maxsize=1 << 14)
def ends_table(first: object) -> bool:
    """A title, (年度) or 单位 line: the next form's preamble, so the table ended."""
    if not isinstance(first, str):
        return False
    key = label_key(first)
    return bool(_TITLE.search(key) or YEAR.fullmatch(key.strip("()")) or _UNIT_LINE.match(key))


def _side(text: str) -> int:
    """0 for an annual column label, 2 for a long-term one, 1 when it does not say."""
    if any(w in text for w in _YEAR_WORDS):
        return 0
    if any(w in text for w in _LONG_WORDS):
        return 2
    return 1


def header_columns(grid: Grid, tokens, header: int, top: int) -> tuple[dict[str, int], list[int]]:
    """Column of each kind in the header row, on the annual side; and every label's column.

    A column's side is said by its own label (“指标值(年度)”) or by the label above it
    (“年度绩效指标” merged over the annual columns, its text in the leftmost cell).
    """
    above = grid.rows[header - 1] if header - 1 >= top else ()
    # Of the row above only short texts can say a side; another value (a goal's text) only stops the search.
    above = tuple(v if blank(v) or (isinstance(v, str) and len(v) <= _SIDE_LABEL) else 0 for v in above)
    cols, boundaries = _header_columns(tuple(tokens[header]), above)
    return dict(cols), list(boundaries)  # copies: read_table adjusts them


@lru_cache(maxsize=256)
def _header_columns(header: tuple, above: tuple) -> tuple[dict[str, int], list[int]]:
    """header_columns of a header row's tokens and what the row above shows: kept per pair, since
    a batch's forms mostly share a layout (saves ~10 µs a form)."""
    candidates: dict[str, list[tuple[int, int]]] = {}
    boundaries = []
    for c, kind, v, _ in header:
        boundaries.append(c)
        if kind not in LEVEL_KINDS and not (kind is None and label_key(v) == "单位"):
            continue
        kind = kind or "value_unit"
        side = _side(label_key(v))
        if side == 1:
            over = next((above[cc] for cc in range(min(c, len(above) - 1), -1, -1) if not blank(above[cc])), "")
            if isinstance(over, str) and len(over) <= _SIDE_LABEL:
                side = _side(label_key(over))
        candidates.setdefault(kind, []).append((side, c))
    # The annual side; where the labels do not say, the right one (中期 … | 年度 … is the order seen).
    cols = {kind: min(found, key=lambda sc: (sc[0], -sc[1]))[1] for kind, found in candidates.items()}
    if "value" not in cols and "level3" in cols:  # values under place names (“笏石街道办 | 埭头镇”): the first
        after = max(cols["level3"], cols.get("value_op", -1))
        cols["value"] = next((c for c, kind, v, _ in header if kind is None and c > after), None)
        if cols["value"] is None:
            del cols["value"]
    if "value" in cols:  # the operator and unit columns that go with the chosen value column
        for kind in ("value_op", "value_unit"):
            if len(candidates.get(kind, ())) > 1:
                cols[kind] = min(candidates[kind], key=lambda sc: abs(sc[1] - cols["value"]))[1]
    return cols, boundaries


def _at(row: list, c: int | None) -> object:
    return row[c] if c is not None and c < len(row) else ""


def _column_texts(rows: list[list], c: int | None) -> list[str]:
    """The text of column ``c`` in each row; "" where a row is shorter or there is no such column."""
    if c is None:
        return [""] * len(rows)
    return [value_text(row[c]) if c < len(row) else "" for row in rows]


def _first(row: list, start: int | None, stop: int | None) -> tuple[object, int | None]:
    """The first non-blank cell of ``row[start:stop]`` and its column; ("", None) when none is."""
    if start is None:
        return "", None
    if start < len(row) and (stop is None or start < stop):  # mostly the first cell itself: no loop set up
        v = row[start]
        if v is not None and (not isinstance(v, str) or (v and not v.isspace())):
            return v, start
    for c in range(start, len(row) if stop is None else min(stop, len(row))):
        v = row[c]
        if v is not None and (not isinstance(v, str) or v.strip()):  # not blank(v), without the call
            return v, c
    return "", None


def _join_split_names(names: list[str], profile: Profile) -> None:
    """Join a 一级/二级 name written over two rows (“社会公众或服务” / “对象满意度指标”), in place."""
    unknown = {name for name in names if name and not profile.known_level(name)}
    if len(names) < 2 or not unknown:  # the usual table: every name known, no pair to look at
        return
    for n in range(len(names) - 1):
        a, b = names[n], names[n + 1]
        if a in unknown and b in unknown and profile.known_level(a + b):
            names[n], names[n + 1] = a + b, ""


def combined_value(val: object, op_cell: object, unit_cell: object) -> tuple[str, str]:
    """One 年度指标值 text from split columns, and the direction its 指标方向 cell says (or "")."""
    text = value_text(val)
    op, direction = operator_of(op_cell) or ("", "")
    unit = value_text(unit_cell)
    if unit in ("/", "-", "—", "无") or isinstance(unit_cell, (int, float)) or unit.replace(".", "").isdigit():
        unit = ""  # a number in the unit column is no unit (a date serial repeated there, a stray figure)
    if text and unit and text[-1].isdigit():
        text += unit
    if text and op and (text[0].isdigit() or text[0] == "."):
        text = op + text
    return text, direction


def _shown_as_percent(grid: Grid, r: int, c: int | None, val: float, l3: object, profile: Profile) -> bool:
    """Excel turns a typed “95%” into 0.95 with a percent format, which calamine does not report.

    The format is known for xlsx files (perfxl/scan.py reads the styles); for others, a number
    from 0 to 1 for a rate (合格率, 满意度 …) is taken as a percent.
    """
    if grid.percent is not None:
        return (r, c) in grid.percent
    return 0 <= val <= 1 and any(w in str(l3) for w in profile.rate_words)


def read_table(grid: Grid, profile: Profile, tokens, row_kinds, header: int, top: int, end: int, project: Project,
               auto: bool = False) -> int:
    """Read the indicator table under ``header`` into ``project``; returns the row after it.

    ``row_kinds``: the set of label kinds on each row (perfxl/form.py's find_forms)."""
    cols, boundaries = header_columns(grid, tokens, header, top)
    r = header + 1
    if r < end and _value_subheader(tokens[r], cols, boundaries):
        r += 1
    rows = []
    while r < end:
        toks = tokens[r]
        if toks:
            kinds = row_kinds[r]
            if not kinds.isdisjoint(STOP_KINDS) or ends_table(toks[0][2]) or _closing(toks[0][2]):
                break
            if "level3" not in kinds:  # else a repeated header (page break in Word)
                rows.append(r)
        r += 1
    if "level1" not in cols and "level2" not in cols:  # no 一级/二级 labels: the columns left of the 三级
        left = sorted({c for rr in rows for c in range(min(cols["level3"], len(grid.rows[rr])))
                       if not blank(grid.rows[rr][c])})
        cols.update(zip(("level1", "level2"), left))
    add_indicators(grid, profile, (cols, boundaries), rows, project, auto)
    return r


@lru_cache(maxsize=1 << 14)
def _closing(value: object) -> bool:
    """A sign-off cell under the table (“财政部门审核意见”, “(盖章)”): the table has ended."""
    return isinstance(value, str) and (label_key(value).endswith("意见") or "盖章" in value)


def _value_subheader(toks, cols: dict, boundaries: list) -> bool:
    """A row under the header splitting 指标值 into columns (“2021年实际实现值 | 预期2022年实现值”):
    the target's column becomes the value column, and the row is no indicator. True when it was one."""
    cv = cols.get("value")
    if cv is None or not toks:
        return False
    level_cols = {cols.get(k) for k in ("level1", "level2", "level3")}
    if any(t[1] is not None or t[0] in level_cols or not isinstance(t[2], str) for t in toks):
        return False
    v_end = next((b for b in sorted(boundaries) if b > cv), None)
    span = [t for t in toks if t[0] >= cv and (v_end is None or t[0] < v_end)]
    if not span:
        return False
    target = next((t for t in span if any(w in t[2] for w in ("预期", "目标", "计划"))), span[-1])
    cols["value"] = target[0]
    boundaries.extend(t[0] for t in toks if t[0] not in boundaries)
    boundaries.sort()
    return True


def add_indicators(grid: Grid, profile: Profile, columns, rows: list[int], project: Project, auto: bool) -> None:
    """One Indicator per table row that has a 三级指标 or a value; blank 一级/二级 mean “as above”.

    With ``auto`` the framework is the 2021 one when a 一级 reads 成本指标, else ``profile``.
    """
    cols, boundaries = columns
    c3 = cols["level3"]
    cv = cols.get("value")
    after_v = [b for b in boundaries if cv is not None and b > cv]
    v_end = after_v[0] if after_v else None
    l3_end = cv if cv is not None and cv > c3 else min([b for b in boundaries if b > c3], default=None)
    split = "value_op" in cols or "value_unit" in cols
    c1, c2 = cols.get("level1"), cols.get("level2")
    table = [grid.rows[r] for r in rows]
    level1s, level2s = _column_texts(table, c1), _column_texts(table, c2)
    if auto and profile.name != "2021" and any(profile.canonical(l1) == COST_LEVEL1 for l1 in set(level1s)):
        profile = load_profile("2021")
    project.framework = profile.name
    _join_split_names(level1s, profile)
    _join_split_names(level2s, profile)

    level1 = level2 = ""
    level1_row = level2_row = None  # the rows the current 一级/二级 were written on
    l1_at = l2_at = l1_cell = l2_cell = None  # their cells, made once for all the rows under a merged one
    for l1, l2, r, row in zip(level1s, level2s, rows, table):
        l3, l3c = _first(row, c3, l3_end)
        val, vc = _first(row, cv, v_end) if cv is not None else ("", None)
        if vc is None and cv is not None and cv > c3 and l3c is not None:
            val, vc = _first(row, l3c + 1, cv)
        inherited = not l1
        if l1:
            if (l1 != level1 and level1) or l2:  # a new 一级 starts its own 二级 (unless none came before)
                level2, level2_row = l2, r
            level1, level1_row = l1, r
        elif l2:
            level2, level2_row = l2, r
        if l3c is None and vc is None:  # nothing but blanks where the 三级 and the value go
            continue
        direction = ""
        if split and vc is not None:  # val not blank
            val, direction = combined_value(val, _at(row, cols.get("value_op")), _at(row, cols.get("value_unit")))
        a, b, note = profile.resolve(level1, level2, inherited)
        # Where the 一级/二级 were written, or "" when the table has no such column.
        if (at := level1_row if level1 else r) != l1_at:
            l1_at, l1_cell = at, grid.address(at, c1) if c1 is not None else ""
        if (at := level2_row if level2 else r) != l2_at:
            l2_at, l2_cell = at, grid.address(at, c2) if c2 is not None else ""
        held = b and not level2 and level1 and a != level1  # the 一级 cell held the 二级 name
        percent_number = ""
        if isinstance(val, float) and _shown_as_percent(grid, r, vc, val, l3, profile):
            percent_number, val = value_text(val), f"{tidy_decimal(Decimal(repr(val)) * 100)}%"
        target = parse_target(val)
        if direction and target.direction in ("", "等于"):
            target = dataclasses.replace(target, direction=direction, implicit_operator=False,
                                         operator="" if target.implicit_operator else target.operator)
        project.indicators.append(Indicator(
            level1=a, level2=b, level3=value_text(l3), value=target.text, target=target,  # text: value_text(val)
            percent_number=percent_number, cell=grid.address(r, l3c if l3c is not None else c3),
            value_cell=grid.address(r, vc if vc is not None else (cv if cv is not None else c3 + 1)),
            note=note, level1_cell=l1_cell, level2_cell=l1_cell if held else l2_cell,
        ))
