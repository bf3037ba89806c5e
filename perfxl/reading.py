"""Read inputs into Projects and findings: scan → guard → grid → form → rules, file by file.

``read()`` is the library entry point (``perfxl.read``). A file's trouble becomes a finding
and the run goes on with the next file.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError
from .model import ERROR, NOTICE, WARNING, Finding, FindingCounts, Project, cell_name
from .profile import BUILTIN, Profile, load_profile

HELPER_SHEETS = {"填表说明", "指标体系"}  # the template's guide and lists beside its forms: not read
PARALLEL_FROM = 8  # fewer files are read in this process: a pool costs more than it saves
FORM_HINTS = {"level1", "level2", "level3", "value", "total_year", "total_period", "fiscal", "goal_year"}


@dataclass
class ReadResult(FindingCounts):
    projects: list[Project] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # spreadsheets read (or tried)
    skipped: list[str] = field(default_factory=list)  # non-spreadsheets found in folders


def _file_finding(file: str, code: str, message: str, level: str = ERROR, sheet: str = "") -> Finding:
    return Finding(level=level, code=code, message=message, file=file, sheet=sheet)


def _looks_like_form(grid, profile: Profile) -> bool:
    from .form import label_kind

    hits = set()
    for row in grid.rows[:200]:
        for v in row:
            kind = label_kind(v, profile)[0] if isinstance(v, str) else None
            if kind in FORM_HINTS:
                hits.add(kind)
    return len(hits) >= 2


def framework(project: Project, default: Profile) -> Profile:
    """The profile a project was read against (its ``framework``): ``default`` or a built-in one."""
    if not project.framework or project.framework == default.name:
        return default
    return load_profile(project.framework)


def read_file(path: str, profile: Profile | str | None = None) -> tuple[list[Project], list[Finding]]:
    """Projects and findings of one spreadsheet file; never raises for a bad file.

    Without ``profile`` each form's framework is chosen from the form: the one perfxl's template
    recorded, else 2021 when a 一级 reads 成本指标, else 2015. A profile given applies to every form.
    """
    from . import scan
    from .form import find_forms
    from .grid import grids_from_workbook
    from .rules import check_project
    from .tables import projects_from_summary

    auto = profile is None
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    p = Path(path)
    findings: list[Finding] = []
    try:
        size = p.stat().st_size
        if size > scan.MAX_FILE_BYTES:
            return [], [_file_finding(path, "file-too-large", f"文件过大（{size // 1048576} MB），不像一张绩效目标表，已跳过")]
        data = p.read_bytes()  # once: the guard and calamine both read it from memory
        kind = scan.sniff(data)
        if kind == "other" and not data:
            return [], [_file_finding(path, "empty-file", "文件是空的（0 字节），可能没有保存完整：请重新保存后再提交")]
        if kind == "other" and p.suffix.lower() in scan.SPREADSHEET_SUFFIXES:
            return [], [_file_finding(path, "broken-file", "文件已损坏或不是真正的表格文件：请用 Excel 或 WPS 打开后另存为 .xlsx")]
        if kind == "other":
            hint = "；Word 文档或文本请先用 perfxl import 导入" if p.suffix.lower() in (".txt", ".docx", ".doc") else ""
            return [], [_file_finding(path, "not-spreadsheet", f"不是电子表格文件（xlsx/xls/et/ods），无法读取{hint}")]
        too_large: set[str] = set()
        sheet_cells: dict[str, scan.SheetCells] = {}  # sheet name → what calamine does not show
        formats_known = False
        if kind == "zip":
            check = scan.guard_zip(data)
            if "xl/workbook.xml" not in check.names and not scan.is_ods(data):
                return [], [_file_finding(path, "not-spreadsheet", "不是电子表格文件（可能是 Word 文档或压缩包），无法读取")]
            if auto and check.profile in BUILTIN:  # perfxl's own template says which framework
                auto, prof = False, load_profile(check.profile)
            formats_known = check.formats_known
            if check.too_large or check.cells:
                members = scan.sheet_members(data)
                too_large = {name for name, member in members.items() if member in check.too_large}
                sheet_cells = {name: check.cells[member] for name, member in members.items() if member in check.cells}
        elif scan.ole_is_encrypted(data):
            return [], [_file_finding(path, "encrypted", "文件设有打开密码：请在 Excel 或 WPS 中取消密码（文件→信息→保护工作簿）后另存，再重新提交")]

        import python_calamine

        # From a file object calamine picks its reader by content, not by name.
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not too_large:
            carried = projects_from_summary(book, path)
            if carried is not None:
                projects, findings = carried
                findings.append(_file_finding(path, "summary-input",
                                              f"已作为汇总表读取：{len(projects)} 个项目，来源文件见项目汇总", NOTICE))
                return projects, findings
        for name in too_large:
            findings.append(_file_finding(path, "sheet-too-large", "工作表的已用区域大得异常（远处单元格），已跳过；请删除多余的行列后另存", sheet=name))
        projects: list[Project] = []
        for grid in grids_from_workbook(book, path, skip=too_large | HELPER_SHEETS):
            cells = sheet_cells.get(grid.sheet)
            if formats_known:
                grid.percent = set()
            if cells:
                _show_cells(grid, cells)
            found = find_forms(grid, prof, auto)
            if not found:
                if _looks_like_form(grid, prof):
                    findings.append(_file_finding(path, "damaged-form", "像是绩效目标表，但找不到“项目名称”栏目：请检查表头是否被删改", WARNING, grid.sheet))
                else:
                    findings.append(_file_finding(path, "no-form", "此工作表中没有绩效目标表，已跳过", NOTICE, grid.sheet))
                continue
            for project in found:
                projects.append(project)
                findings.extend(check_project(project, framework(project, prof)))
                if cells and cells.formulas:
                    findings.extend(_formula_notices(grid, project, cells.formulas))
        if not projects and not findings:  # e.g. only perfxl's helper sheets survived a damaged file
            findings.append(_file_finding(path, "no-form", "文件中没有找到任何绩效目标表：请检查文件是否完整，"
                                                           "或用 Excel / WPS 打开后另存", WARNING))
        return projects, findings
    except scan.Rejected as exc:
        return [], findings + [_file_finding(path, exc.code, str(exc))]
    except OSError as exc:
        return [], findings + [_file_finding(path, "unreadable", f"无法读取文件（{exc.strerror}）：请确认文件存在且没有被其他程序独占打开")]
    except MemoryError:
        return [], findings + [_file_finding(path, "too-large", "文件内容过大，无法读取")]
    except Exception as exc:  # calamine raises its own family and plain ValueErrors on damaged files
        name = type(exc).__name__
        if "Password" in name:
            return [], findings + [_file_finding(path, "encrypted", "文件设有密码：请取消密码后另存，再重新提交")]
        return [], findings + [_file_finding(path, "broken-file", f"文件已损坏，无法读取（{name}）；请用 Excel 或 WPS 打开后另存为 .xlsx")]


def _show_cells(grid, cells) -> None:
    """Put back what the user typed or sees where calamine differs, so the form reader reads that:
    “#DIV/0!” for a blank, “=100%” for Excel's 1, a formula's text where no result was saved;
    and note the cells shown as percent."""
    def inside(row, col):
        r, c = row - grid.top, col - grid.left
        return (r, c) if 0 <= r < len(grid.rows) and 0 <= c < len(grid.rows[r]) else None

    for (row, col), text in cells.errors.items():
        if (at := inside(row, col)) and grid.rows[at[0]][at[1]] == "":
            grid.rows[at[0]][at[1]] = text
    for (row, col), (text, how) in cells.formulas.items():
        if (at := inside(row, col)) and (how == "typed" or grid.rows[at[0]][at[1]] == ""):
            grid.rows[at[0]][at[1]] = text
    if cells.percent:
        grid.percent = {(row - grid.top, col - grid.left) for row, col in cells.percent}


def _formula_notices(grid, project: Project, formulas: dict) -> list[Finding]:
    """A notice for each cell the project read whose value was typed as a formula or saved without a result."""
    used = set(project.cells.values()) | {i.value_cell for i in project.indicators} | {i.cell for i in project.indicators}
    out = []
    for (row, col), (text, how) in sorted(formulas.items()):
        cell = cell_name(row, col)
        if cell not in used:
            continue
        if how == "typed":
            message = f"单元格里的“{text}”是以等号开头输入的，表格把它当成了公式；已按输入的文字读取，请去掉开头的“=”"
            code = "value-typed-as-formula"
        else:
            message = f"单元格里是公式“{text}”，但文件没有保存计算结果；已按公式文字读取，请在 Excel 或 WPS 中打开并保存，或直接填写数值"
            code = "formula-without-value"
        out.append(Finding(NOTICE, code, message, project.file, project.sheet, cell, project.name))
    return out


@contextlib.contextmanager
def paused_gc():
    """Python's cyclic GC off for a bulk stage, restored after.

    Reading and writing 10,000 forms hold millions of long-lived objects that form no cycles,
    and the collector would walk them all again and again: 40% of the write phase at that size.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read(paths, profile: str | Profile | None = None, *, exclude=(), progress=None,
         workers: int | None = None, meanwhile=None) -> ReadResult:
    """Read files and folders into projects and findings (``perfxl.read``).

    Folders are searched recursively; lock and temp files are skipped silently, other
    non-spreadsheets are skipped and listed in ``skipped``. A file named explicitly that is not a
    spreadsheet is an error finding. Many files are read in parallel (``workers``, default: one
    per core), each worker confining a crash to its file; ``meanwhile`` is then called once in
    this process while the workers read (not at all when the few files are read here).
    Without ``profile`` each form's framework is chosen from the form (see ``read_file``).
    """
    from . import scan
    from .workers import read_parallel

    if isinstance(paths, (str, Path)):
        paths = [paths]
    prof = profile if isinstance(profile, Profile) or profile is None else load_profile(profile)
    inputs = scan.collect(paths, exclude=exclude)
    if inputs.missing:
        raise UsageError(f"找不到：{'、'.join(inputs.missing)}；请检查路径")
    result = ReadResult(skipped=[str(p) for p in inputs.skipped])
    files = [str(path) for path in inputs.files]
    workers = workers or os.cpu_count() or 1
    with paused_gc():
        if workers > 1 and len(files) > PARALLEL_FROM:
            outcomes = read_parallel(files, prof, workers, progress, meanwhile=meanwhile)
        else:
            outcomes = []
            for path in files:
                outcomes.append(read_file(path, prof))
                if progress:
                    progress(path)
        for path, (projects, findings) in zip(files, outcomes):
            result.files.append(path)
            result.projects.extend(projects)
            result.findings.extend(findings)
    return result
