"""预算一体化 list exports: one row per indicator, several projects in one sheet.

The header row holds the project's fields (项目名称, 主管部门, 金额 …) and the indicator
columns side by side; a project's fields are merged down over its indicator rows, so a filled
项目名称 cell starts the next project. Subtotal rows (小计/合计) are skipped; amounts follow the
sheet's 金额单位 line (元 → 万元).
"""

from __future__ import annotations

from .fields import REQUIRED_LABELS, TEXT_FIELDS, cover_facts, parse_amount, set_text_field, unit_suffix
from .grid import Grid
from .indicators import add_indicators, header_columns
from .model import Project
from .profile import Profile, label_key
from .targets import value_text

SUBTOTAL_WORDS = ("小计", "合计", "总计")
_COLUMN_OF = {"department": "department", "unit": "unit", "funds_year.total": "total_year"}
_FUND_SLOTS = {"total_year": ("funds_year", "total"), "total_period": ("funds_period", "total"),
               "fiscal": ("funds_year", "fiscal"), "other": ("funds_year", "other")}


def _subtotal(toks) -> bool:
    return any(isinstance(t[2], str) and label_key(t[2]).startswith(SUBTOTAL_WORDS) for t in toks)


def read_list(grid: Grid, profile: Profile, tokens, first: int, header: int, auto: bool = False) -> list[Project]:
    """One Project per project named in the list under its header: rows ``first`` (项目名称 …) to
    ``header`` (… 三级指标 …), the same row when the header takes one."""
    in_yuan, year = False, ""
    labels = [t for r in range(first, header + 1) for t in tokens[r]]
    for row in grid.rows[:first]:
        for v in row:
            if isinstance(v, str) and v.strip():
                found, unit, _ = cover_facts(v)
                if unit:
                    in_yuan = unit == "元"
                if found and not year:
                    year = found
    fields: dict[str, int] = {}
    for c, kind, v, _ in labels:
        if kind == "budget_unit":
            kind = "unit" if any(t[1] == "department" for t in labels) else "department"
        if kind == "total_any":
            kind = "total_period" if any(t[1] == "total_year" for t in labels) else "total_year"
        if kind in ("goals", "goal_year"):
            kind = "goal_year"
        if kind and kind not in fields and (kind in TEXT_FIELDS or kind in _FUND_SLOTS or kind == "goal_year"):
            fields[kind] = c
            if kind in _FUND_SLOTS and (unit := unit_suffix(v)):
                in_yuan = unit == "元"
    columns = header_columns(grid, tokens, header, 0)
    name_col = fields["name"]

    projects: list[Project] = []
    rows: list[list[int]] = []  # per project, its indicator rows
    names: list[str] = []  # per project, the name cell as written (a repeated name continues it)
    for r in range(header + 1, len(grid.rows)):
        toks = tokens[r]
        if not toks or _subtotal(toks) or any(t[1] == "level3" for t in toks):
            continue
        row = grid.rows[r]
        name = value_text(row[name_col]) if name_col < len(row) else ""
        if name and (not names or name != names[-1]):
            projects.append(Project(file=grid.file, sheet=grid.sheet, year=year, framework=profile.name,
                                    position=len(projects)))
            rows.append([])
            names.append(name)
        if not projects:
            continue
        project = projects[-1]
        rows[-1].append(r)
        for kind, c in fields.items():
            value = row[c] if c < len(row) else ""
            if value in ("", None) or kind in project.cells:
                continue
            project.cells[kind] = grid.address(r, c)
            if kind in _FUND_SLOTS:
                side, slot = _FUND_SLOTS[kind]
                amount, ok = parse_amount(value, in_yuan)
                if not ok:
                    project.bad_amounts[f"{side}.{slot}"] = value_text(value)
                setattr(getattr(project, side), slot, amount)
                project.cells[f"{side}.{slot}"] = project.cells.pop(kind)
                continue
            set_text_field(project, "name" if kind == "dept_name" else kind, value_text(value))
    for previous, project in zip(projects, projects[1:]):
        # 单位 cells are merged down over all of a unit's projects: blank under the merge means the same unit.
        for kind in ("department", "unit"):
            if kind in fields and not getattr(project, kind) and getattr(previous, kind):
                setattr(project, kind, getattr(previous, kind))
                project.cells[kind] = previous.cells[kind]
                if kind in previous.codes:
                    project.codes[kind] = previous.codes[kind]
    for project, project_rows in zip(projects, rows):
        add_indicators(grid, profile, columns, project_rows, project, auto)
        project.absent = {key for key in REQUIRED_LABELS[project.kind] if _COLUMN_OF[key] not in fields}
    return projects
