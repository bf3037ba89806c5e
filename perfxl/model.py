"""Plain data passed between the pipeline stages: projects, indicators, targets, findings."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from string import ascii_uppercase

ERROR, WARNING, NOTICE = "error", "warning", "notice"
LEVEL_NAMES = {ERROR: "错误", WARNING: "警告", NOTICE: "提示"}
PROJECT_ATTRIBUTES = ("新增项目", "延续项目")  # the choices of 项目属性 on the form


# A … ZZ, the columns a form uses: an address is then a lookup, not column_letter's loop.
COLUMN_LETTERS = [*ascii_uppercase, *(a + b for a in ascii_uppercase for b in ascii_uppercase)]


def column_letter(col: int) -> str:
    """0-based column to its letters: 0 → A, 26 → AA."""
    if 0 <= col < len(COLUMN_LETTERS):
        return COLUMN_LETTERS[col]
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str | bytes) -> int:
    """Column letters (either case) to their 1-based number: A → 1, AA → 27."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def cell_name(row: int, col: int) -> str:
    """0-based row/column to an A1 address."""
    return f"{column_letter(col)}{row + 1}"


class _Sharing:
    texts: dict | None = None  # in a worker, the texts pickled so far in the chunk being read


_sharing = _Sharing()


def share_texts() -> None:
    """Called by a worker before each chunk: an equal text pickled after this travels once per chunk."""
    _sharing.texts = {}


def compact(*shared: str):
    """Pickle instances as the class and their field values in order, the ``shared`` texts once.

    Every form read crosses the worker pipe this way: the default pickle of a slots dataclass
    carries each field's name and a state dict, about half the bytes and time of a result. In a
    worker (``share_texts``), a shared text (a cell address, a sheet name, a value such as “≥90%”;
    a dict's keys and values) equal to one already pickled in the chunk is sent as that one, and is
    one object in the main process, not one per use. Not sys.intern: interned texts are never freed
    on some Pythons (3.12.0–3.12.4, free-threaded builds). Such a pickle names no fields: it is
    for the pipe of one run, not a format to store.
    """
    def decorate(cls):
        def value(f):
            if f.name not in shared:
                return f"self.{f.name}"
            if f.default_factory is dict:
                return f"_share_items(texts, self.{f.name})"
            return f"(texts.setdefault(self.{f.name}, self.{f.name}) if type(self.{f.name}) is str else self.{f.name})"

        plain = ", ".join(f"self.{f.name}" for f in fields(cls))
        # Generated, as dataclass generates __init__: a loop over the fields would double its cost.
        source = f"def __reduce__(self):\n    return cls, ({plain},)\n"  # no shared field: one way only
        if any(f.name in shared for f in fields(cls)):
            source = (f"def __reduce__(self):\n"
                      f"    texts = _sharing.texts\n"
                      f"    if texts is None:\n"
                      f"        return cls, ({plain},)\n"
                      f"    return cls, ({', '.join(map(value, fields(cls)))},)\n")
        namespace = {"cls": cls, "_sharing": _sharing, "_share_items": _share_items}
        exec(source, namespace)
        cls.__reduce__ = namespace["__reduce__"]
        return cls
    return decorate


def _share_items(texts: dict, items):
    if type(items) is not dict:
        return items
    return {(texts.setdefault(k, k) if type(k) is str else k): (texts.setdefault(v, v) if type(v) is str else v)
            for k, v in items.items()}


@compact()
@dataclass(slots=True)
class Target:
    """年度指标值 parsed: operator, number and unit, or a qualitative text."""

    text: str
    operator: str = ""  # ≥ ≤ = > < or "" (qualitative / range)
    number: Decimal | None = None
    upper: Decimal | None = None  # upper bound of a range such as 90%-95%
    unit: str = ""
    kind: str = ""  # 定量 / 定性 / "" when empty
    direction: str = ""  # 正向 / 反向 / 等于 / 区间 / ""
    placeholder: bool = False
    implicit_operator: bool = False  # a bare number read as "="
    is_date: bool = False


@compact("level1", "level2", "level3", "value", "cell", "value_cell", "level1_cell", "level2_cell")
@dataclass(slots=True)
class Indicator:
    level1: str
    level2: str
    level3: str
    value: str
    target: Target
    cell: str = ""  # cell of the 三级指标
    value_cell: str = ""
    note: str = ""  # how the 一级/二级 were resolved against the profile, if not as written
    percent_number: str = ""  # the cell held this number (0.95) and was read as a percent (95%)
    level1_cell: str = ""  # where the 一级 was written (a row above when left blank as 同上), or would go
    level2_cell: str = ""  # the same for the 二级


AMOUNT_LIMIT = Decimal("1e28")  # no budget comes near; beyond it amounts cannot be computed exactly


@compact()
@dataclass(slots=True)
class Funds:
    """One funds column (实施期 or 年度), exact decimals in 万元; None where blank."""

    total: Decimal | None = None
    fiscal: Decimal | None = None
    other: Decimal | None = None


@compact("kind", "framework", "department", "unit", "period", "goal_period", "goal_year", "year", "sheet", "cells")
@dataclass(slots=True)
class Project:
    name: str = ""
    code: str = ""  # budget code written before the name (“[015001]…”), kept apart so names group
    kind: str = "项目"  # 项目, or 整体支出 for a 部门整体支出绩效目标表
    framework: str = ""  # the indicator framework it was read and checked against: 2015, 2021 or a profile's name
    department: str = ""  # 主管部门
    unit: str = ""  # 实施单位
    period: str = ""  # 项目实施期
    attribute: str = ""  # 项目属性
    category: str = ""  # 项目类别
    funds_period: Funds = field(default_factory=Funds)
    funds_year: Funds = field(default_factory=Funds)
    goal_period: str = ""
    goal_year: str = ""
    indicators: list[Indicator] = field(default_factory=list)
    year: str = ""  # from "(2023年度)"
    reporter: str = ""  # 填报单位
    contact: str = ""  # 填表人 / 联系人: whom the bureau calls back
    phone: str = ""  # 联系电话
    file: str = ""
    sheet: str = ""
    cells: dict[str, str] = field(default_factory=dict)  # field -> A1 where it was read
    bad_amounts: dict[str, str] = field(default_factory=dict)  # field -> text that is no amount
    position: int = 0  # order within the sheet
    absent: set[str] = field(default_factory=set)  # fields whose label the form's layout lacks (not checked)
    derived: set[str] = field(default_factory=set)  # amounts the layout gives as the sum of their parts
    codes: dict[str, str] = field(default_factory=dict)  # department / unit → budget code written before it
    via: str = ""  # the received summary workbook this project was carried in, if any
    evaluation: object = None  # a filled 自评表's Evaluation (perfxl/evaluation.py); None for a target form

    @property
    def id(self) -> str:
        """Identity within a run: where the form was read (file, sheet, place in the sheet), and the
        summary it came through. Two forms of the same name are two projects; findings join on this."""
        here = f"{self.file}!{self.sheet}#{self.position + 1}"
        return f"{self.via}>{here}" if self.via else here


@compact("message", "file", "sheet", "cell", "project_id")
@dataclass(slots=True)
class Finding:
    level: str  # error / warning / notice
    code: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    project: str = ""  # the project's name, for people
    project_id: str = ""  # Project.id, for joins; "" for a finding about a file or sheet

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "code": self.code,
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "project": self.project,
            "project_id": self.project_id,
            "message": self.message,
        }


class FindingCounts:
    """errors / warnings of a result that holds ``findings``."""

    findings: list[Finding]

    @property
    def errors(self) -> int:
        return sum(f.level == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.level == WARNING for f in self.findings)

    @property
    def notices(self) -> int:
        return sum(f.level == NOTICE for f in self.findings)


@dataclass
class ReadResult(FindingCounts):
    """What reading gave: every project, every finding, the files read and the files passed over."""

    projects: list[Project] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # spreadsheets read (or tried), by their display names
    skipped: list[str] = field(default_factory=list)  # non-spreadsheets found in folders
    paths: dict[str, str] = field(default_factory=dict)  # display name → the path it was read from

    @property
    def indicator_count(self) -> int:
        return sum(len(p.indicators) for p in self.projects)

    @property
    def blank_forms(self) -> int:
        """Forms with nothing filled in (blank sheets of the template), skipped with a notice."""
        return sum(f.code == "blank-form" for f in self.findings)

    @property
    def year_total(self) -> Decimal:
        return sum((p.funds_year.total or Decimal(0) for p in self.projects), Decimal(0))


@dataclass
class Consolidation(ReadResult):
    """A consolidation: what was read, in the summary's order, and what was written."""

    title: str = ""
    written: Path | None = None
    csv_files: list[Path] = field(default_factory=list)
