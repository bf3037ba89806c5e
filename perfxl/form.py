"""Recognise 绩效目标表 forms in a Grid and turn each into a Project.

Label-driven, not position-driven: a field's value is the next non-label cell to the right of
its label, the funds block is read as label/value tokens per row, and the indicator table by
the columns of its header row. That survives the column arrangements, label variants and
stacked forms real files have (docs/domain.md).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from decimal import Decimal, InvalidOperation

from .grid import Grid
from .model import Indicator, Project
from .profile import Profile, label_key
from .targets import parse_target, value_text

TEXT_FIELDS = ("name", "department", "unit", "period", "attribute", "category", "reporter", "contact", "phone")
FUND_KINDS = ("total_period", "total_year", "fiscal", "other")
STOP_KINDS = {"name", "department", "unit", "reporter", "funds", "goals", "end", "period", "contact", "phone"}
_UNIT_SUFFIX = re.compile(r"\((万元|元)\)$")
_YEAR = re.compile(r"(\d{4})年度")
_UNIT_LINE = re.compile(r"^单位:?(万元|元)$")
_UNIT_IN_TEXT = re.compile(r"(?:^|[^报])单位:?(万元|元)(?:$|[^\w])")
_TITLE = re.compile(r"绩效目标(申报)?表")
_WAN = Decimal(10000)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def label_kind(value: object, profile: Profile) -> tuple[str | None, str]:
    """(field kind, inline value) when the cell is a known label, else (None, '').

    Handles ``资金投入(万元)``, ``其中：财政拨款``, ``项 目 名 称`` and ``项目名称：某项目``.
    """
    if not isinstance(value, str) or len(value) > 40:
        return None, ""
    cached = profile.label_cache.get(value)
    if cached is None:
        cached = profile.label_cache[value] = _label_kind(value, profile)
    return cached


def _label_kind(value: str, profile: Profile) -> tuple[str | None, str]:
    key = label_key(value)
    kind = profile.label_index.get(key)
    if kind:
        return kind, ""
    bare = _UNIT_SUFFIX.sub("", key)
    if bare != key and bare in profile.label_index:
        return profile.label_index[bare], ""
    if ":" in key:
        head, _, rest = key.partition(":")
        kind = profile.label_index.get(head) or profile.label_index.get(_UNIT_SUFFIX.sub("", head))
        if kind:
            return kind, unicodedata.normalize("NFKC", value).split(":", 1)[1].strip()
    return None, ""


def parse_amount(value: object, in_yuan: bool = False) -> tuple[Decimal | None, bool]:
    """An amount cell to exact 万元: (amount, ok). Blank is (None, True); '250万', '1,200.5' pass."""
    if _blank(value):
        return None, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, (int, float)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        s = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace(" ", "")
        if s in ("-", "—", "/", "无"):
            return None, True
        scale = Decimal(1)
        if s.endswith("万元") or s.endswith("万"):
            s, in_yuan = s.rstrip("元").rstrip("万"), False
        elif s.endswith("元"):
            s, scale = s[:-1], Decimal(1) / _WAN
        try:
            number = Decimal(s) * scale
        except InvalidOperation:
            return None, False
        if not number.is_finite():
            return None, False
    if in_yuan:
        number = number / _WAN
    return tidy_decimal(number), True


def tidy_decimal(number: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (170, not 1.7E+2)."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


class _Reader:
    """Reads one form region of a grid."""

    def __init__(self, grid: Grid, profile: Profile, start: int, end: int, row_tokens: list):
        self.grid, self.profile, self.start, self.end = grid, profile, start, end
        self.row_tokens = row_tokens
        self.project = Project(file=grid.file, sheet=grid.sheet)
        self.in_yuan = False
        self.table_end = start
        self.total_columns: dict[str, int] = {}  # funds side → grid column of its total

    def tokens(self, r: int) -> list[tuple[int, str | None, object, str]]:
        return self.row_tokens[r]

    def read(self, preamble: range) -> Project:
        self.read_preamble(preamble)
        header = None
        goal_labels: list = []
        for r in range(self.start, self.end):
            toks = self.tokens(r)
            kinds = {t[1] for t in toks}
            if "level3" in kinds and ("value" in kinds or "level1" in kinds or "level2" in kinds):
                header = r
                break
            if goal_labels:
                self.fill_goals(goal_labels, toks, r)
            goal_labels = self.read_fields(r, toks)
        if header is not None:
            self.read_indicators(header)
            self.read_contacts()
        else:
            self.table_end = self.end
        return self.project

    def read_contacts(self) -> None:
        """填表人 (联系人) and 联系电话 on the lines below the table, so the bureau can call back."""
        for r in range(self.table_end, self.end):
            for c, kind, _, inline in self.tokens(r):
                if kind in ("contact", "phone") and not getattr(self.project, kind):
                    value, vc = (inline, c) if inline else self.next_value(r, c)
                    setattr(self.project, kind, value_text(value))
                    self.project.cells[kind] = self.grid.address(r, vc)

    def read_preamble(self, rows: range) -> None:
        for r in rows:
            for c, v in enumerate(self.grid.rows[r]):
                if _blank(v) or not isinstance(v, str):
                    continue
                text = label_key(v)
                if m := _YEAR.search(text):
                    self.project.year = self.project.year or m.group(1)
                if m := _UNIT_IN_TEXT.search(text):
                    self.in_yuan = m.group(1) == "元"
                kind, inline = label_kind(v, self.profile)
                if kind == "reporter":
                    self.project.reporter = inline or self.next_value(r, c)[0]
                elif kind is None and "填报单位" in text and ":" in text:
                    self.project.reporter = unicodedata.normalize("NFKC", v).split(":", 1)[1].strip()

    def next_value(self, r: int, c: int) -> tuple[object, int]:
        """The next non-blank cell right of (r, c) if it is no label, else blank; and its column."""
        row = self.grid.rows[r]
        for cc in range(c + 1, len(row)):
            if not _blank(row[cc]):
                if label_kind(row[cc], self.profile)[0]:
                    return "", c + 1
                return row[cc], cc
        return "", c + 1

    def read_fields(self, r: int, toks) -> list:
        """Text fields and funds of one row; returns goal labels still waiting for their text."""
        project, grid = self.project, self.grid
        waiting = []
        fund_labels = [(i, t) for i, t in enumerate(toks) if t[1] in FUND_KINDS]
        for c, kind, v, inline in toks:
            if kind in TEXT_FIELDS:
                if kind == "name" and project.cells.get("name"):
                    continue
                value, vc = (inline, c) if inline else self.next_value(r, c)
                if not getattr(project, kind):
                    setattr(project, kind, value_text(value))
                    project.cells[kind] = grid.address(r, vc)
            elif kind == "funds" and _UNIT_SUFFIX.search(label_key(v)):
                self.in_yuan = label_key(v).endswith("(元)")
            elif kind in ("goal_period", "goal_year", "goals"):
                value, vc = (inline, c) if inline else self.next_value(r, c)
                if not _blank(value):
                    target = "goal_period" if kind == "goal_period" else "goal_year"
                    if not getattr(project, target):
                        setattr(project, target, value_text(value))
                        project.cells[target] = grid.address(r, vc)
                elif kind != "goals":
                    waiting.append((c, kind))
                    # Where the text goes (under the label) until fill_goals finds it: an empty
                    # 年度目标 is reported there.
                    project.cells.setdefault(kind, grid.address(r + 1, c))
        if fund_labels:
            self.read_funds(r, toks, fund_labels)
        return waiting

    def fill_goals(self, labels: list, toks, r: int) -> None:
        texts = [t for t in toks if t[1] is None]
        if not texts:
            return
        pairs = zip(labels, texts) if len(texts) == len(labels) else (
            (min(labels, key=lambda lab: abs(lab[0] - t[0])), t) for t in texts)
        for (_, kind), (c, _, v, _) in pairs:
            if not getattr(self.project, kind):
                setattr(self.project, kind, value_text(v))
                self.project.cells[kind] = self.grid.address(r, c)

    def read_funds(self, r: int, toks, fund_labels) -> None:
        labels_in_row = [t[1] for _, t in fund_labels]
        seen: dict[str, int] = {}
        for n, (i, (c, kind, v, inline)) in enumerate(fund_labels):
            stop = fund_labels[n + 1][0] if n + 1 < len(fund_labels) else len(toks)
            values = [t for t in toks[i + 1:stop] if t[1] is None]
            if inline:
                values.insert(0, (c, None, inline, ""))
            occurrence = seen.get(kind, 0)
            seen[kind] = occurrence + 1
            if kind == "total_period":
                sides = ["funds_period", "funds_year"] if "total_year" not in labels_in_row else ["funds_period"]
            elif kind == "total_year":
                sides = ["funds_year"]
            elif labels_in_row.count(kind) >= 2:
                sides = ["funds_period" if occurrence == 0 else "funds_year"]
            elif len(values) >= 2:
                sides = ["funds_period", "funds_year"]
            else:
                sides = [self.side_of(values[0][0] if values else c + 1, label_key(v))]
            slot = {"total_period": "total", "total_year": "total"}.get(kind, kind)
            for side, value in zip(sides, values + [None] * len(sides)):
                key = f"{side}.{slot}"
                if key in self.project.cells:
                    continue
                col = value[0] if value else c + 1
                self.project.cells[key] = self.grid.address(r, col)
                if slot == "total":
                    self.total_columns[side] = col
                raw = value[2] if value else None
                amount, ok = parse_amount(raw, self.in_yuan)
                if not ok:
                    self.project.bad_amounts[key] = value_text(raw)
                setattr(getattr(self.project, side), slot, amount)

    def side_of(self, col: int, label: str) -> str:
        """Which funds column a lone amount belongs to: the nearer of the two totals' columns."""
        period, year = self.total_columns.get("funds_period"), self.total_columns.get("funds_year")
        if period is not None and year is not None:
            return "funds_period" if abs(col - period) < abs(col - year) else "funds_year"
        return "funds_year" if ("当年" in label or "年度" in label or year is not None) else "funds_period"

    def read_indicators(self, header: int) -> None:
        grid, profile, project = self.grid, self.profile, self.project
        cols: dict[str, int] = {}
        boundaries = []
        for c, kind, v, _ in self.tokens(header):
            boundaries.append(c)
            if kind in ("level1", "level2", "level3", "value") and kind not in cols:
                cols[kind] = c
        c3 = cols["level3"]
        cv = cols.get("value")
        after_v = [b for b in boundaries if cv is not None and b > cv]
        v_end = after_v[0] if after_v else None
        l3_end = cv if cv is not None else (min([b for b in boundaries if b > c3], default=None))
        level1 = level2 = ""
        level1_row = level2_row = None  # the rows the current 一级/二级 were written on
        r = header + 1
        while r < self.end:
            row = grid.rows[r]
            toks = self.tokens(r)
            if not toks:
                r += 1
                continue
            kinds = {t[1] for t in toks}
            if kinds & STOP_KINDS or _ends_table(toks[0][2]):
                break
            if "level3" in kinds:  # a repeated header (page break in Word)
                r += 1
                continue
            l1 = value_text(_at(row, cols.get("level1")))
            l2 = value_text(_at(row, cols.get("level2")))
            l3, l3c = _first(row, c3, l3_end)
            val, vc = _first(row, cv, v_end) if cv is not None else ("", None)
            if _blank(val) and cv is not None and l3_end is not None and l3c is not None:
                val, vc = _first(row, l3c + 1, cv)
            inherited = not l1
            if l1:
                if l1 != level1 or l2:
                    level2, level2_row = l2, r
                level1, level1_row = l1, r
            elif l2:
                level2, level2_row = l2, r
            if not _blank(l3) or not _blank(val):
                a, b, note = profile.resolve(level1, level2, inherited)
                l1_cell = _level_cell(grid, level1_row if level1 else r, cols.get("level1"))
                l2_cell = _level_cell(grid, level2_row if level2 else r, cols.get("level2"))
                if b and not level2 and level1 and a != level1:  # the 一级 cell held the 二级 name
                    l2_cell = l1_cell
                percent_number = ""
                if isinstance(val, float) and 0 <= val <= 1 and any(w in str(l3) for w in profile.rate_words):
                    # Excel turns a typed "95%" into 0.95 with a percent format, which calamine does not report.
                    percent_number, val = value_text(val), f"{tidy_decimal(Decimal(repr(val)) * 100)}%"
                project.indicators.append(Indicator(
                    level1=a, level2=b, level3=value_text(l3), value=value_text(val),
                    target=parse_target(val), percent_number=percent_number,
                    cell=grid.address(r, l3c if l3c is not None else c3),
                    value_cell=grid.address(r, vc if vc is not None else (cv if cv is not None else c3 + 1)),
                    note=note, level1_cell=l1_cell, level2_cell=l2_cell,
                ))
            r += 1
        self.table_end = r


@lru_cache(maxsize=1 << 14)
def _ends_table(first: object) -> bool:
    """A title, (年度) or 单位 line: the next form's preamble, so the table ended."""
    if not isinstance(first, str):
        return False
    key = label_key(first)
    return bool(_TITLE.search(key) or _YEAR.fullmatch(key.strip("()")) or _UNIT_LINE.match(key))


def _level_cell(grid: Grid, row: int, col: int | None) -> str:
    """The A1 address of a 一级/二级 cell, or "" when the table has no such column."""
    return grid.address(row, col) if col is not None else ""


def _at(row: list, c: int | None) -> object:
    return row[c] if c is not None and c < len(row) else ""


def _first(row: list, start: int | None, stop: int | None) -> tuple[object, int | None]:
    if start is None:
        return "", None
    stop = len(row) if stop is None else min(stop, len(row))
    for c in range(start, stop):
        if not _blank(row[c]):
            return row[c], c
    return "", None


def row_tokens(row: list, profile: Profile) -> list[tuple[int, str | None, object, str]]:
    """Non-blank cells of a row as (col, label kind, value, inline value)."""
    out = []
    for c, v in enumerate(row):
        if v == "" or v is None or (isinstance(v, str) and v.isspace()):
            continue
        kind, inline = label_kind(v, profile)
        out.append((c, kind, v, inline))
    return out


def find_forms(grid: Grid, profile: Profile) -> list[Project]:
    """Every form in the grid, in order; a sheet can hold several stacked."""
    tokens = [row_tokens(row, profile) for row in grid.rows]
    starts = [r for r, toks in enumerate(tokens) if any(t[1] == "name" for t in toks)]
    projects = []
    previous_end = 0
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(grid.rows)
        reader = _Reader(grid, profile, start, end, tokens)
        project = reader.read(range(previous_end, start))
        project.position = n
        projects.append(project)
        previous_end = reader.table_end
    return projects
