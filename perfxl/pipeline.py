"""A run, in one place: collect the inputs → read them in workers → cross-file checks → tables → write.

``read`` (``perfxl.read``, and ``perfxl validate``) and ``consolidate`` (``perfxl consolidate``)
share every step up to the writing. The steps themselves live in their modules (scan,
reading, workers, rules, tables, summary); this module only orders them. docs/architecture.md
draws the whole way through.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from . import scan
from .arguments import YEARS, as_path, as_paths, as_text
from .errors import UsageError, show_path
from .evaluation import ScoreResult, check_against_targets
from .model import Consolidation, Finding, Project, ReadResult
from .output import check_output, prepare_folder, written_kind
from .profile import Profile, load_profile
from .rules import check_duplicates
from .tables import check_years, frames, sort_findings, sort_projects, summary_tables
from .workers import read_parallel

@contextlib.contextmanager
def paused_gc():
    """Python's cyclic GC off for a bulk stage, restored after.

    Reading and writing 10,000 forms hold millions of long-lived objects that form no cycles,
    and the collector would walk them all again and again: 40% of the write phase at that size.
    When it is turned back on, the objects made meanwhile go straight to the oldest generation
    (freeze, then unfreeze: two list splices), or the first collection after would walk every one
    of them (0.2 s at 10,000 forms). Skipped if the caller froze objects of its own: unfreeze
    would thaw those too.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


@dataclass
class Reading(ReadResult):
    """What ``perfxl.read`` gives: a ReadResult that also knows its profile, for ``frames()``."""

    profile: Profile | None = None

    def frames(self) -> dict:
        """项目汇总, 指标明细, 资金汇总 and 校验问题 as pandas DataFrames (amounts float64, counts Int64,
        levels categorical), in the summary's order; see tables.frames."""
        # Without --profile each project names its own framework; the default serves the others.
        return frames(sort_projects(self.projects), sort_findings(self.findings), self.profile or load_profile(None))


def display_names(paths, files) -> dict[str, str]:
    """Each file's name as the summary and the messages show it: relative to the input the user named.

    A file inside a named folder is ``folder name/path inside`` (甲局/道路.xlsx); a file named itself
    is its file name. Never this machine's absolute path: it means nothing to the bureau that reads
    the summary. Two named inputs of the same name keep their paths as given, to stay apart.
    """
    named = [Path(p) for p in paths]
    label = {p: Path(os.path.abspath(p)).name or p.as_posix() for p in named}
    taken = Counter(label.values())
    label = {p: p.as_posix() if taken[name] > 1 else name for p, name in label.items()}
    # A file found in a named folder is that folder's text, a separator and the rest: compared as
    # text first, it needs no Path of its own (pathlib took 20 us per file).
    inside = [(p, str(p), str(p) + os.sep) for p in named]
    out = {}
    for f in map(str, files):
        path = None
        for p, text, folder in inside:
            if f == text:
                out[f] = label[p]
                break
            if f.startswith(folder) and not text.endswith(os.sep):
                out[f] = f"{label[p]}/{f[len(folder):].replace(os.sep, '/')}"
                break
            path = path or Path(f)
            if path == p:
                out[f] = label[p]
                break
            with contextlib.suppress(ValueError):
                out[f] = f"{label[p]}/{path.relative_to(p).as_posix()}"
                break
        else:
            out[f] = (path or Path(f)).as_posix()
    return out


def foreign_name(text: str) -> str:
    """A path read from a received summary: an absolute one (another machine's) shrinks to its file name."""
    if PurePosixPath(text).is_absolute() or PureWindowsPath(text).drive or text.startswith("\\"):
        return PureWindowsPath(text).name
    return text


def rename(projects: list[Project], findings: list[Finding], path: str, name: str) -> None:
    """Give one file's projects and findings its display name; projects carried in a received
    summary become ``summary > file named in it``, and findings follow their projects' new ids."""
    ids = {}
    for p in projects:
        old = p.id
        if p.via:
            p.via, p.file = name, f"{name} > {foreign_name(p.file)}"
        else:
            p.file = name
        ids[old] = p.id
    for f in findings:
        f.file = name if f.file in (path, "") else f"{name} > {foreign_name(f.file)}"
        if f.project_id:
            f.project_id = ids.get(f.project_id, f.project_id)


def _profile(profile) -> Profile | None:
    """The profile asked for; None (each form's own framework) when none was."""
    return profile if isinstance(profile, Profile) or profile is None else load_profile(profile)


def read(paths, profile: str | Profile | None = None, *, exclude=(), progress=None,
         workers: int | None = None, meanwhile=None) -> Reading:
    """Read files and folders into projects and findings (``perfxl.read``), cross-file checks included.

    Folders are searched recursively; lock and temp files are skipped silently, other
    non-spreadsheets are skipped and listed in ``skipped``. A file named explicitly that is not a
    spreadsheet is an error finding. Files are named relative to the inputs (``display_names``).
    Every file is read in a worker process (``workers`` of them at most, default: one per core),
    which confines a crash to its file; ``meanwhile`` is called once in this process while the
    workers read.
    Without ``profile`` each form is checked against its own framework (reading.read_forms says how).
    ``progress`` is called first with the number of files to read, then with each file read.
    """
    paths = as_paths(paths)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers 应是正整数，而不是 {workers!r}")
    prof = _profile(profile)
    return _read(paths, scan.collect(paths, exclude=exclude), prof, progress, workers, meanwhile)


def _read(paths: list[str], inputs: scan.Inputs, prof: Profile | None, progress, workers, meanwhile) -> Reading:
    if inputs.missing:
        raise UsageError(f"找不到：{'、'.join(map(show_path, inputs.missing))}；请检查路径")
    files = [str(path) for path in inputs.files]
    names = display_names(paths, files + [str(p) for p in inputs.skipped] + [f.file for f in inputs.problems])
    result = Reading(skipped=[names[str(p)] for p in inputs.skipped], profile=prof)
    for problem in inputs.problems:  # folders that could not be searched
        problem.file = names[problem.file]
        result.findings.append(problem)
    workers = workers or os.cpu_count() or 1
    if progress:
        progress(len(files))  # the total first, then each file as it is done
    with paused_gc():
        outcomes = read_parallel(files, prof, workers, progress, meanwhile=meanwhile) if files else []
        for path, (projects, findings) in zip(files, outcomes):
            rename(projects, findings, path, names[path])
            result.files.append(names[path])
            result.paths[names[path]] = path
            result.projects.extend(projects)
            result.findings.extend(findings)
        forms = [p for p in result.projects if p.evaluation is None]
        evaluated = [p for p in result.projects if p.evaluation is not None]
        # A 自评表 repeats its target form's project: duplicates are looked for within each kind.
        result.findings.extend(check_duplicates(forms) + check_duplicates(evaluated))
        if evaluated:  # 自评表 against the approved target forms read with them
            result.findings.extend(check_against_targets(result.projects))
    return result


def score(paths, profile: str | Profile | None = None, **options) -> ScoreResult:
    """Read filled 自评表 and rescore them by the profile's rules (``perfxl.score``).

    Target forms among ``paths`` are the approved targets the 自评表 are checked against.
    ``options`` go to ``read`` (exclude, progress, workers).
    """
    result = read(paths, profile, **options)
    return ScoreResult(projects=[p for p in result.projects if p.evaluation is not None],
                       targets=[p for p in result.projects if p.evaluation is None],
                       findings=result.findings, files=result.files, skipped=result.skipped)


OUTPUT_KINDS = ("summary", "scores")  # what consolidate writes: a summary, or the 自评 score summary


def _load_writer() -> None:
    """Import xlsxwriter (~30 ms) while the workers read, not after."""
    import importlib

    importlib.import_module("perfxl.tablesheet")


def _consolidate_scores(out: Consolidation, output: Path, profile: Profile, title: str | None,
                       strict: bool) -> Consolidation:
    """Inputs holding 自评表: their score summary (scoresummary.py); target forms read with them were
    the approved targets they were checked against."""
    from .scoresummary import write_scores
    from .summary import default_title

    out.projects = [p for p in out.projects if p.evaluation is not None]
    out.title = title or default_title(out.projects).replace("项目绩效目标汇总表", "项目支出绩效自评汇总表")
    if strict and out.errors:
        return out
    write_scores(output, out.projects, out.findings, profile, out.title)
    out.written = output
    return out


def consolidate(paths, output: str | Path, *, profile: str | Profile | None = None, title: str | None = None,
                year: int | None = None, csv_dir: str | Path | None = None, strict: bool = False,
                force: bool = False,
                progress=None) -> Consolidation:
    """Read every form and summary under ``paths`` and write the summary workbook (``perfxl.consolidate``).

    The summary's year is its projects' (``year`` sets it); projects of several years are a warning.
    With ``strict`` and any error, nothing is written. The output is never read as an input.
    The output (and each CSV in ``csv_dir``) replaces only a file perfxl wrote as such and nobody
    saved since, unless ``force``; never an input. All of that is checked before reading.
    ``progress`` is called with the number of files, with each file read, then once with None
    when writing starts.
    """
    from .summary import CSV_NAMES, csv_header, default_title, write_csvs, write_summary

    paths = as_paths(paths)
    output = as_path(output, "output")
    title = as_text(title, "title")
    csv_dir = as_path(csv_dir, "csv_dir") if csv_dir is not None else None
    prof = _profile(profile)
    if year is not None and not (isinstance(year, int) and year in YEARS):
        raise UsageError(f"年度 {year} 不对：请写 2000 到 2100 之间的年份")
    # An earlier summary found in an input folder is the one a re-run replaces, not an input.
    inputs = scan.collect(paths, exclude=[output] if written_kind(output) in OUTPUT_KINDS else ())
    if inputs.missing:
        raise UsageError(f"找不到：{'、'.join(map(show_path, inputs.missing))}；请检查路径")
    given = [p for p in paths if not os.path.isdir(p)]  # named inputs, spreadsheets or not
    check_output(output, OUTPUT_KINDS, inputs=given, ids=inputs.ids, force=force)
    if csv_dir is not None:
        prepare_folder(csv_dir)
        for sheet, name in CSV_NAMES.items():
            check_output(csv_dir / name, "csv", inputs=[*given, output], ids=inputs.ids, force=force,
                         suffixes=(".csv",), csv_header=csv_header(sheet))
    with paused_gc():
        result = _read(paths, inputs, prof, progress, None, _load_writer)
        projects = sort_projects(result.projects)
        out = Consolidation(projects=projects, findings=sort_findings(result.findings + check_years(projects, year)),
                            files=result.files, skipped=result.skipped, paths=result.paths)
        # Each project was checked against its own framework; this one serves those without (from old summaries).
        default = prof or load_profile(None)
        if any(p.evaluation is not None for p in out.projects):  # 自评表: the score summary instead
            if csv_dir:
                raise UsageError("输入中有自评表：自评汇总表不另存 CSV，请去掉 --csv-dir（它只用于目标表的汇总）")
            return _consolidate_scores(out, output, default, title, strict)
        out.title = title or default_title(out.projects, year)
        if (strict and out.errors) or not out.projects:
            return out
        if progress:
            progress(None)  # reading is done; writing starts
        tables = summary_tables(out.projects, out.findings, default)
        write_summary(output, tables, out, default)
    out.written = output
    if csv_dir:
        out.csv_files = write_csvs(Path(csv_dir), tables)
    return out
