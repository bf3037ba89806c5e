"""Plain data passed between the pipeline stages: projects, indicators, targets, findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

ERROR, WARNING, NOTICE = "error", "warning", "notice"
LEVEL_NAMES = {ERROR: "错误", WARNING: "警告", NOTICE: "提示"}


def column_letter(col: int) -> str:
    """0-based column to its letters: 0 → A, 26 → AA."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """0-based row/column to an A1 address."""
    return f"{column_letter(col)}{row + 1}"


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


@dataclass(slots=True)
class Funds:
    """One funds column (实施期 or 年度), exact decimals in 万元; None where blank."""

    total: Decimal | None = None
    fiscal: Decimal | None = None
    other: Decimal | None = None


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
    file: str = ""
    sheet: str = ""
    cells: dict[str, str] = field(default_factory=dict)  # field -> A1 where it was read
    bad_amounts: dict[str, str] = field(default_factory=dict)  # field -> text that is no amount
    position: int = 0  # order within the sheet
    absent: set[str] = field(default_factory=set)  # required fields whose label the form's layout lacks
    codes: dict[str, str] = field(default_factory=dict)  # department / unit → budget code written before it


@dataclass(slots=True)
class Finding:
    level: str  # error / warning / notice
    code: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    project: str = ""

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "code": self.code,
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "project": self.project,
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
