"""Recognise 绩效目标表 forms in a Grid and turn each into a Project: its fields and funds.

Label-driven, not position-driven: a field's value is the next non-label cell to the right of
its label, the funds block is read as label/value tokens per row, and the indicator table
(perfxl/indicators.py) by the columns of its header row. That survives the column
arrangements, label variants and stacked forms real files have. A list export (one row per
indicator, many projects) is read by perfxl/listing.py. The labels are data:
perfxl/profiles/labels.json; the domain: docs/domain.md.
"""

from __future__ import annotations

import re
import unicodedata

from .fields import (FIELD_KINDS, FUND_KINDS, REQUIRED_LABELS, TEXT_FIELDS, WHOLE_DEPARTMENT, blank,
                     cover_facts, is_amount, parse_amount, set_text_field, unit_suffix)
from .grid import Grid
from .indicators import read_table
from .listing import read_list
from .model import Project
from .profile import Profile, label_key
from .targets import value_text

_QUALIFIER = re.compile(r"\([^()]*\)分?$")  # “二级指标(长期)”, “指标值(年度)”, “成本指标(0-20)分”
_ORDINAL = re.compile(r"^(?:\([一二三四五六七八九十\d]{1,2}\)|[一二三四五六七八九十\d]{1,2}[、.])(?=\D)")  # “(一)财政拨款小计”


LABEL_CACHE_SIZE = 1 << 16  # distinct short cell texts kept per profile (~10 MB at most)


def label_kind(value: object, profile: Profile) -> tuple[str | None, str]:
    """(field kind, inline value) when the cell is a known label, else (None, '').

    Handles ``资金投入(万元)``, ``其中：财政拨款``, ``项 目 名 称`` and ``项目名称：某项目``.
    """
    if not isinstance(value, str) or len(value) > 40:
        return None, ""
    cache = profile.label_cache
    cached = cache.get(value)
    if cached is None:
        if len(cache) >= LABEL_CACHE_SIZE:  # a worker reads for the whole run: bound what it keeps
            cache.clear()
        cached = cache[value] = _label_kind(value, profile)
    return cached


def _label_kind(value: str, profile: Profile) -> tuple[str | None, str]:
    key = _ORDINAL.sub("", label_key(value))
    kind = profile.label_index.get(key)
    if kind:
        return kind, ""
    bare = _QUALIFIER.sub("", key)
    if bare != key and bare in profile.label_index:
        return profile.label_index[bare], ""
    if ":" in key:
        head, _, rest = key.partition(":")
        kind = profile.label_index.get(head) or profile.label_index.get(_QUALIFIER.sub("", head))
        if kind:
            return kind, unicodedata.normalize("NFKC", value).split(":", 1)[1].strip()
    if unicodedata.normalize("NFKC", value).rstrip().endswith(":"):
        return "label", ""  # “当年资金总额:”: a label we do not know, never a value
    return None, ""


_TEXT, _FUNDS = frozenset(TEXT_FIELDS), frozenset(FUND_KINDS)
_ROW_FIELDS = FIELD_KINDS | {"funds"}  # the labels read_fields acts on
_BESIDE_LEVEL3 = frozenset({"value", "level1", "level2"})
_NO_KINDS: frozenset = frozenset()


def is_header(kinds: set) -> bool:
    """The header row of an indicator table: a 三级指标 label with a value or 一级/二级 label."""
    return "level3" in kinds and not kinds.isdisjoint(_BESIDE_LEVEL3)


class _Reader:
    """Reads one form region of a grid."""

    def __init__(self, grid: Grid, profile: Profile, start: int, end: int, row_tokens: list, row_kinds: list,
                 kind: str = "项目", auto: bool = False):
        self.grid, self.profile, self.start, self.end = grid, profile, start, end
        self.row_tokens, self.row_kinds = row_tokens, row_kinds
        self.auto = auto
        self.project = Project(file=grid.file, sheet=grid.sheet, kind=kind, framework=profile.name)
        self.in_yuan = False
        self.table_end = start
        self.total_columns: dict[str, int] = {}  # funds side → grid column of its total
        self.total_heading = False
        self.cover: dict[str, tuple[str, str]] = {}  # “预算单位：某局” above the form: field → (text, cell)
        # A lone 资金总额 / 年初安排金额 is the year's amount unless the form has a year column.
        kinds = _NO_KINDS.union(*row_kinds[start:end])
        self.single_column = "total_year" not in kinds
        # 预算单位 is the unit beside a 主管部门, and stands for the 主管部门 on a form without one.
        self.budget_unit = "unit" if "department" in kinds else "department"

    def read(self, preamble: range) -> Project:
        self.read_preamble(preamble)
        header = None
        goal_labels: list = []
        for r in range(self.start, self.end):
            toks = self.row_tokens[r]
            if is_header(self.row_kinds[r]):
                header = r
                break
            if goal_labels:
                self.fill_goals(goal_labels, toks, r)
            goal_labels = self.read_fields(r, toks)
        if header is not None:
            self.table_end = read_table(self.grid, self.profile, self.row_tokens, self.row_kinds, header,
                                        self.start, self.end, self.project, self.auto)
            self.read_contacts()
        else:
            self.table_end = self.end
        project = self.project
        self.apply_cover()
        self.settle_funds()
        project.absent |= {key for key in REQUIRED_LABELS[project.kind] if key not in project.cells}
        return project

    def read_contacts(self) -> None:
        """填表人 (联系人) and 联系电话 on the lines below the table, so the bureau can call back."""
        for r in range(self.table_end, self.end):
            toks = self.row_tokens[r]
            for i, (c, kind, _, inline) in enumerate(toks):
                if kind in ("contact", "phone") and not getattr(self.project, kind):
                    value, vc = (inline, c) if inline else beside(toks, i)
                    setattr(self.project, kind, value_text(value))
                    self.project.cells[kind] = self.grid.address(r, vc)

    def read_preamble(self, rows: range) -> None:
        for r in rows:
            toks = self.row_tokens[r]
            for i, (c, kind, v, inline) in enumerate(toks):
                if not isinstance(v, str):
                    continue
                year, unit, reporter_line = cover_facts(v)
                if year:
                    self.project.year = self.project.year or year
                if unit:
                    self.in_yuan = unit == "元"
                if kind == "reporter":
                    self.project.reporter = inline or beside(toks, i)[0]
                elif kind in ("department", "unit", "budget_unit") and not blank(inline):
                    self.cover["unit" if kind == "budget_unit" else kind] = (inline, self.grid.address(r, c))
                elif kind is None and reporter_line:
                    self.project.reporter = unicodedata.normalize("NFKC", v).split(":", 1)[1].strip()

    def settle_funds(self) -> None:
        """What the funds block's layout says beyond its cells.

        A total heading its parts (“年度资金总额 | 金额(万元)” over “财政拨款小计 6.30”) is their sum;
        a block without an 其他资金 row cannot be summed against its total.
        """
        project = self.project
        year = project.funds_year
        if self.total_heading and year.total is None and year.fiscal is not None:
            year.total = year.fiscal + (year.other or 0)
            project.derived.add("funds_year.total")
        for side in ("funds_period", "funds_year"):
            if f"{side}.total" in project.cells and f"{side}.other" not in project.cells:
                project.absent.add(f"{side}.other")

    def apply_cover(self) -> None:
        """Fields the form itself lacks, from the lines above it (“预算单位：某局”).

        The unit a cover line names submits the form: the 主管部门 when the form has no such field.
        """
        project = self.project
        for kind in ("department", "unit"):
            source = self.cover.get(kind) or (self.cover.get("unit") if kind == "department" else None)
            if source and kind not in project.cells:
                set_text_field(project, kind, source[0])
                project.cells[kind] = source[1]

    def read_fields(self, r: int, toks) -> list:
        """Text fields and funds of one row; returns goal labels still waiting for their text."""
        kinds = self.row_kinds[r]
        if kinds.isdisjoint(_ROW_FIELDS):  # a row of values or other labels: nothing to read here
            return []
        project, grid = self.project, self.grid
        waiting = []
        fund_labels = [] if kinds.isdisjoint(_FUNDS) else [(i, t) for i, t in enumerate(toks) if t[1] in _FUNDS]
        for i, (c, kind, v, inline) in enumerate(toks):
            if kind is None:
                continue
            if kind in _TEXT:
                if kind == "dept_name":  # 部门(单位)名称: the form's name on a whole-department form
                    kind = "name" if project.kind == WHOLE_DEPARTMENT else "department"
                elif kind == "budget_unit":
                    kind = self.budget_unit
                if kind == "name" and project.cells.get("name"):
                    continue
                value, vc = (inline, c) if inline else beside(toks, i)
                if not getattr(project, kind):
                    set_text_field(project, kind, value_text(value))
                    project.cells[kind] = grid.address(r, vc)
            elif kind in _FUNDS or kind == "funds":
                if unit := unit_suffix(v):
                    self.in_yuan = unit == "元"
            elif kind in ("goal_period", "goal_year", "goals"):
                value, vc = (inline, c) if inline else beside(toks, i)
                if not blank(value):
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
        right = []  # per label: (row, column, cell) up to the next label (“财政资金科目代码 21305” is no amount)
        for i, (c, kind, v, inline) in fund_labels:
            stop = i + 1
            while stop < len(toks) and not toks[stop][1]:
                stop += 1
            values = [(r, t[0], t[2]) for t in toks[i + 1:stop]]
            if inline:
                values.insert(0, (r, c, inline))
            right.append(values)
            if not values and kind.startswith("total_") and stop < len(toks):
                self.total_heading = True  # “年度资金总额 | 金额(万元)”: the rows below give its parts
        # A row of funds labels with no amount beside any of them heads the amounts under them (if any).
        beside = any(is_amount(x[2]) for values in right for x in values)
        below = [[] if beside and right[n] else self.amount_below(r, t[0]) for n, (_, t) in enumerate(fund_labels)]
        heading = not beside and any(below)
        for n, (i, (c, kind, v, inline)) in enumerate(fund_labels):
            values = right[n]
            if heading or not values:
                values = below[n] or ([] if heading and len(fund_labels) > 1 else values)
            if kind == "total_any" and len(values) < 2 and self.single_column:
                sides = ["funds_year"]
            elif kind in ("total_period", "total_any"):
                both = "total_year" not in labels_in_row and (len(values) >= 2 or self.single_column)
                sides = ["funds_period", "funds_year"] if both else ["funds_period"]
            elif kind == "total_year":
                sides = ["funds_year"]
            elif labels_in_row.count(kind) >= 2:  # the first is the period's
                sides = ["funds_period" if kind not in labels_in_row[:n] else "funds_year"]
            elif len(values) >= 2:
                sides = ["funds_period", "funds_year"]
            else:
                sides = [self.side_of(values[0][1] if values else c + 1, label_key(v))]
            slot = "total" if kind.startswith("total_") else kind
            for side, value in zip(sides, values + [None] * len(sides)):
                key = f"{side}.{slot}"
                if key in self.project.cells:
                    continue
                row, col, raw = value if value else (r, c + 1, None)
                self.project.cells[key] = self.grid.address(row, col)
                if slot == "total":
                    self.total_columns[side] = col
                amount, ok = parse_amount(raw, self.in_yuan)
                if not ok:
                    self.project.bad_amounts[key] = value_text(raw)
                setattr(getattr(self.project, side), slot, amount)

    def amount_below(self, r: int, c: int) -> list:
        """A funds label heading a column (“本年度预计投入(万元)” over “25”): the amount under it."""
        for rr in range(r + 1, min(r + 4, self.end)):
            v = self.grid.rows[rr][c] if c < len(self.grid.rows[rr]) else ""
            if blank(v):
                continue
            if label_kind(v, self.profile)[0] is None and is_amount(v):
                return [(rr, c, v)]
            return []
        return []

    def side_of(self, col: int, label: str) -> str:
        """Which funds column a lone amount belongs to: the nearer of the two totals' columns."""
        period, year = self.total_columns.get("funds_period"), self.total_columns.get("funds_year")
        if period is not None and year is not None:
            return "funds_period" if abs(col - period) < abs(col - year) else "funds_year"
        return "funds_year" if ("当年" in label or "年度" in label or year is not None) else "funds_period"


def beside(toks, i: int) -> tuple[object, int]:
    """The next non-blank cell right of token ``i`` if it is no label, else blank; and its column."""
    if i + 1 < len(toks) and not toks[i + 1][1]:
        return toks[i + 1][2], toks[i + 1][0]
    return "", toks[i][0] + 1


def tokenise(rows: list[list], profile: Profile, texts: list | None = None) -> tuple[list[list], list[set]]:
    """Each row's non-blank cells as (col, label kind, value, inline value), and the set of label
    kinds on each row; with ``texts``, the texts of those cells are appended to it, in order
    (is_evaluation's look at the grid, without a second walk over its cells).

    One loop for all, with no call per row or per cell: ~4 µs a form less than a function and a
    set comprehension per row.
    """
    cache = profile.label_cache  # label_kind's, looked up here first: saves a call per cell
    keep = (texts if texts is not None else []).append
    tokens, kinds = [], []
    for row in rows:
        if row.count("") == len(row):  # an empty row (a third of them): no per-cell work
            tokens.append([])
            kinds.append(_NO_KINDS)
            continue
        out, seen = [], set()
        for c, v in enumerate(row):
            if type(v) is str:
                if not v or v.isspace():
                    continue
                keep(v)
                kind, inline = cache.get(v) or label_kind(v, profile)
            elif v is None:
                continue
            else:
                kind, inline = None, ""
            out.append((c, kind, v, inline))
            seen.add(kind)
        tokens.append(out)
        kinds.append(seen)
    return tokens, kinds


def _list_header(tokens, kinds, first: int) -> int | None:
    """The indicator header row of a list export whose 项目名称 label is on row ``first``: that row
    itself (“项目名称 … 三级指标 …”), or the next when the header takes two rows and the 项目名称
    label has another label beside it (a form's has the name); None for a form."""
    row = tokens[first]
    if any(t[1] == "level3" for t in row):
        return first
    if first + 1 < len(tokens) and is_header(kinds[first + 1]):
        i = next(i for i, t in enumerate(row) if t[1] == "name")
        if not row[i][3] and (i + 1 == len(row) or row[i + 1][1]):
            return first + 1
    return None


def find_forms(grid: Grid, profile: Profile, auto: bool = False, tokenised: tuple | None = None) -> list[Project]:
    """Every form in the grid, in order; a sheet can hold several stacked.

    A form starts at its 项目名称 row; a sheet with none is read as whole-department forms
    (部门(单位)名称). With ``auto`` each form's framework is chosen from its 一级 (perfxl/indicators.py).
    ``tokenised``: the grid's ``tokenise``, when the caller has made it.
    """
    tokens, kinds = tokenised or tokenise(grid.rows, profile)
    starts = [r for r, k in enumerate(kinds) if "name" in k]
    kind = "项目"
    if starts and (header := _list_header(tokens, kinds, starts[0])) is not None:
        return read_list(grid, profile, tokens, starts[0], header, auto)
    if not starts:
        starts = [r for r, k in enumerate(kinds) if "dept_name" in k][:1]
        kind = WHOLE_DEPARTMENT if starts else kind
    if not starts:  # no 项目名称 label at all: one form from its first field, if it has an indicator table
        header = next((r for r, k in enumerate(kinds) if is_header(k)), None)
        if header is not None:
            starts = [next((r for r in range(header) if not kinds[r].isdisjoint(FIELD_KINDS)), header)]
    projects = []
    previous_end = 0
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(grid.rows)
        reader = _Reader(grid, profile, start, end, tokens, kinds, kind, auto)
        project = reader.read(range(previous_end, start))
        project.position = n
        projects.append(project)
        previous_end = reader.table_end
    return projects
