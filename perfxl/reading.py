"""Read one file into Projects and findings, in small steps: classify → open → summary or forms.

``read_file`` never raises for a bad file: every trouble becomes a finding and the run goes on.
The steps are separate so that each can be tested (and read) on its own:

- ``classify``: what the bytes are (zip package, OLE file) or why they cannot be read;
- ``open_book``: the calamine workbook, after the guard has looked at a zip package;
- ``read_summary``: a summary workbook perfxl wrote (a bureau consolidating again);
- ``read_forms``: every form on every sheet, recognised and checked.
"""

from __future__ import annotations

import io
from pathlib import Path

from . import scan
from .contract import is_score_summary
from .errors import describe_os_error
from .evaluation import is_evaluation, read_grid as read_evaluation_grid
from .findings import finding
from .form import find_forms, label_kind, tokenise
from .grid import grids_from_workbook
from .model import Finding, Project, cell_name
from .profile import BUILTIN, Profile, framework_profile, load_profile
from .rules import check_project
from .summary_reader import projects_from_summary

HELPER_SHEETS = {"填表说明", "指标体系"}  # the template's guide and lists beside its forms: not read
FORM_HINTS = {"level1", "level2", "level3", "value", "total_year", "total_period", "fiscal", "goal_year"}


class Unreadable(Exception):
    """The file cannot be read; ``finding`` says why and what to do."""

    def __init__(self, finding_: Finding):
        super().__init__(finding_.message)
        self.finding = finding_


def classify(path: str, data: bytes) -> str:
    """'zip' or 'ole' for a spreadsheet package; raises Unreadable for anything else."""
    kind = scan.sniff(data)
    if kind != "other":
        return kind
    suffix = Path(path).suffix.lower()
    if not data:
        raise Unreadable(finding("empty-file", file=path))
    if suffix in scan.SPREADSHEET_SUFFIXES:
        raise Unreadable(finding("broken-file", file=path))
    hint = "Word 文档或文本请先用 perfxl import 导入" if suffix in (".txt", ".docx", ".doc") else "请提交 .xlsx 表格"
    raise Unreadable(finding("not-spreadsheet", file=path, what="（xlsx/xls/et/ods）", hint=hint))


def open_book(path: str, data: bytes, kind: str):
    """(calamine workbook, guard check or None) — the zip guard runs before calamine sees the bytes."""
    import python_calamine

    check = None
    package = data
    if kind == "zip":
        try:
            check = scan.guard_zip(data)
        except scan.Rejected as exc:
            raise Unreadable(finding(exc.code, file=path)) from None
        if "xl/workbook.xml" not in check.names and not scan.is_ods(data):
            raise Unreadable(finding("not-spreadsheet", file=path, what="（可能是 Word 文档或压缩包）",
                                     hint="请提交 .xlsx 表格；Word 文档请先用 perfxl import 导入"))
        package = scan.calamine_package(check) or data
    elif scan.ole_is_encrypted(data) or scan.biff_is_encrypted(data):
        raise Unreadable(finding("encrypted", file=path))
    # From a file object calamine picks its reader by content, not by name.
    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(package)), check


def read_summary(book, path: str) -> tuple[list[Project], list[Finding]] | None:
    """A summary perfxl wrote, with its projects and findings carried over; None for other workbooks."""
    carried = projects_from_summary(book, path)
    if carried is None:
        return None
    projects, findings = carried
    return projects, findings + [finding("summary-input", file=path, count=len(projects))]


def read_forms(book, path: str, data: bytes, check, profile: Profile | None) -> tuple[list[Project], list[Finding]]:
    """Every form of every sheet, checked; sheets the guard found too large are skipped and said.

    Without ``profile`` each form's framework is chosen from the form: the one perfxl's template
    recorded, else 2021 when a 一级 reads 成本指标, else 2015. A profile given applies to every form.
    """
    findings: list[Finding] = []
    too_large: set[str] = set()
    sheet_cells: dict = {}  # sheet name → scan.SheetCells: what calamine does not show
    auto = profile is None
    if auto and check is not None and check.profile in BUILTIN:  # perfxl's own template says which
        auto, profile = False, load_profile(check.profile)
    profile = profile or load_profile(None)
    if check is not None and (check.too_large or check.cells):
        members = scan.sheet_members(data, check)
        too_large = {name for name, member in members.items() if member in check.too_large}
        sheet_cells = {name: check.cells[member] for name, member in members.items() if member in check.cells}
    if check is None or "content.xml" in check.names:  # .xls/.et/.ods: no XML to scan, calamine says the extent
        too_large |= _too_large_sheets(book)
    for name in sorted(too_large):
        findings.append(finding("sheet-too-large", file=path, sheet=name))
    projects: list[Project] = []
    for grid in grids_from_workbook(book, path, skip=too_large | HELPER_SHEETS):
        cells = sheet_cells.get(grid.sheet)
        if check is not None and check.formats_known:
            grid.percent = set()
        if cells:
            _show_cells(grid, cells)
        formulas = cells.formulas if cells else None
        # One walk over the cells for is_evaluation and find_forms (~10 µs a form less), unless
        # the formulas shown below change the grid between them; a 自评表 is tokenised for nothing.
        texts: list[str] | None = None if formulas else []
        tokenised = None if formulas else tokenise(grid.rows, profile, texts)
        if is_evaluation(grid, profile, texts):  # a filled 自评表, scored by its own rules
            evaluated, checked = read_evaluation_grid(grid, profile)
            projects.extend(evaluated)
            findings.extend(checked)
            continue
        if formulas:  # a 自评表's formulas give "" by design; a form's are read as written
            _show_formulas(grid, formulas)
        found = find_forms(grid, profile, auto, tokenised)
        if not found:
            code = "damaged-form" if _looks_like_form(grid, profile) else "no-form"
            findings.append(finding(code, file=path, sheet=grid.sheet))
            continue
        for project in found:
            if is_blank(project):
                findings.append(finding("blank-form", file=path, sheet=grid.sheet, cell=project.cells.get("name", "")))
                continue
            projects.append(project)
            findings.extend(check_project(project, framework_profile(project.framework, profile)))
            if formulas:
                findings.extend(_formula_notices(project, formulas))
    if not projects and not findings:  # e.g. only perfxl's helper sheets survived a damaged file
        findings.append(finding("no-form-in-file", file=path))
    return projects, findings


def read_file(path: str, profile: Profile | None) -> tuple[list[Project], list[Finding]]:
    """Projects and findings of one spreadsheet file; never raises for a bad file.

    ``profile`` None: each form's framework is chosen from the form (see ``read_forms``).
    """
    try:
        data = scan.read_regular(path)  # once: the guard and calamine both read it from memory
        kind = classify(path, data)
        book, check = open_book(path, data, kind)
        if is_score_summary(book.sheet_names):
            return [], [finding("score-summary-input", file=path)]
        if check is None or not check.too_large:
            summary = read_summary(book, path)
            if summary is not None:
                return summary
        return read_forms(book, path, data, check, profile)
    except Unreadable as exc:
        return [], [exc.finding]
    except scan.Rejected as exc:
        return [], [finding(exc.code, file=path, **exc.fields)]
    except OSError as exc:
        return [], [finding("unreadable", file=path, reason=describe_os_error(exc))]
    except MemoryError:
        return [], [finding("too-large", file=path)]
    except Exception as exc:  # calamine raises its own family and plain ValueErrors on damaged files
        return [], [finding("encrypted" if "Password" in type(exc).__name__ else "broken-file", file=path)]


def _too_large_sheets(book) -> set[str]:
    """Sheets whose used range is beyond what a form can be (an .ods row repeated a million times)."""
    names = set()
    for meta in book.sheets_metadata:
        sheet = book.get_sheet_by_name(meta.name)
        if sheet.height > scan.MAX_ROWS or sheet.height * sheet.width > scan.MAX_CELLS:
            names.add(meta.name)
    return names


def is_blank(p: Project) -> bool:
    """Nothing a person filled in (a spare sheet of the template): no name, amount, goal or indicator.

    主管部门, 实施单位, 实施期 and the year do not count: the template can fill those in beforehand.
    """
    funds = (p.funds_period.total, p.funds_period.fiscal, p.funds_period.other,
             p.funds_year.total, p.funds_year.fiscal, p.funds_year.other)
    return not (p.name or p.indicators or p.goal_period or p.goal_year or p.attribute or p.category
                or p.bad_amounts or any(x is not None for x in funds))


def _looks_like_form(grid, profile: Profile) -> bool:
    hits = set()
    for row in grid.rows[:200]:
        for v in row:
            kind = label_kind(v, profile)[0] if isinstance(v, str) else None
            if kind in FORM_HINTS:
                hits.add(kind)
    return len(hits) >= 2


def _inside(grid, row: int, col: int) -> tuple[int, int] | None:
    r, c = row - grid.top, col - grid.left
    return (r, c) if 0 <= r < len(grid.rows) and 0 <= c < len(grid.rows[r]) else None


def _show_cells(grid, cells) -> None:
    """Put back what the user sees where calamine gives a blank (“#DIV/0!”), and note the cells
    shown as percent, so the readers read what is on the screen."""
    for (row, col), text in cells.errors.items():
        if (at := _inside(grid, row, col)) and grid.rows[at[0]][at[1]] == "":
            grid.rows[at[0]][at[1]] = text
    if cells.percent:
        grid.percent = {(row - grid.top, col - grid.left) for row, col in cells.percent}


def _show_formulas(grid, formulas: dict) -> None:
    """A form's values typed after “=” (“=100%”, which Excel computes to 1) read as typed, and a
    formula saved without its result (a script wrote it) read from its text instead of a blank."""
    for (row, col), (text, how) in formulas.items():
        if (at := _inside(grid, row, col)) and (how == "typed" or grid.rows[at[0]][at[1]] == ""):
            grid.rows[at[0]][at[1]] = text


def _formula_notices(project: Project, formulas: dict) -> list[Finding]:
    """A notice for each cell the project read whose value was typed as a formula or saved without a result."""
    used = set(project.cells.values()) | {i.value_cell for i in project.indicators} | {i.cell for i in project.indicators}
    out = []
    for (row, col), (text, how) in sorted(formulas.items()):
        cell = cell_name(row, col)
        if cell in used:
            code = "value-typed-as-formula" if how == "typed" else "formula-without-value"
            out.append(finding(code, project=project, cell=cell, text=text))
    return out
