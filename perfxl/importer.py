"""`perfxl import`: forms found in text dumps and .docx files become filled template workbooks."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from .arguments import as_path, as_paths
from .errors import InputError, UsageError, describe_os_error, show_path
from .findings import CATALOGUE, finding
from .form import find_forms
from .grid import Grid, decode_text, grid_from_docx, grid_from_text
from .model import Finding, FindingCounts, Project
from .output import check_output, prepare_folder, safe_filename
from .pipeline import read
from .profile import Profile, load_profile
from .scan import OLE_MAGIC, ZIP_MAGIC, Rejected, guard_zip, read_regular

from .template import write_template

MAX_DOCX_XML = 64 * 1024 * 1024  # inflated XML of one .docx: lxml needs several times this in memory


def source_grid(path: Path) -> Grid:
    """The grid of a text dump (UTF-8 or GBK/GB18030) or a .docx file, read once."""
    try:
        data = read_regular(path)
        if data.startswith(ZIP_MAGIC) and path.suffix.lower() != ".txt":
            guard_zip(data, parsed=lambda name: name.startswith("word/") and name.endswith(".xml"), budget=MAX_DOCX_XML)
            return grid_from_docx(io.BytesIO(data), file=str(path))
        if path.suffix.lower() in (".docx", ".doc", ".wps") or data.startswith(OLE_MAGIC):
            raise InputError(f"{show_path(path)} 不是 .docx 文件（可能是旧版 .doc 或 .wps）；请在 Word 或 WPS 中另存为 .docx 后重试")
        return grid_from_text(decode_text(data), file=str(path))
    except FileNotFoundError:
        raise InputError(f"找不到文件：{show_path(path)}") from None
    except IsADirectoryError:
        raise InputError(f"{show_path(path)} 是文件夹；请写出要导入的 .txt 或 .docx 文件") from None
    except Rejected as exc:
        what = CATALOGUE[exc.code].message.format(**exc.fields)
        raise InputError(f"{show_path(path)}：{what}；请确认是 Word 导出的 .docx 或文本文件") from None
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"{show_path(path)} 无法读取（{describe_os_error(exc)}）") from None
    except Exception:  # python-docx raises many kinds on damaged files
        raise InputError(f"{show_path(path)} 已损坏，无法读取；请确认是 Word 导出的 .docx 或文本文件") from None


@dataclass
class ImportResult(FindingCounts):
    """What was written, the projects in it, and the findings of checking what was written."""

    written: list[Path] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def import_forms(sources, out_dir: str | Path, profile: str | Profile | None = None,
                 progress=None, overwrite: bool = False) -> ImportResult:
    """Read every form in ``sources`` and write one filled template per project into ``out_dir``.

    A file already in ``out_dir`` is replaced only if an earlier import wrote it and nobody has
    saved it since (else it may be a form somebody went on filling in), or with ``overwrite``;
    nothing is written when one would be refused.

    The written workbooks are then read back and checked as ``perfxl validate`` would (so what
    the import missed shows as findings on the new files); a source without any form is an error.
    ``progress`` is called with the number of workbooks to write, then with each one written.
    """
    sources = [Path(s) for s in as_paths(sources, "sources")]
    out_dir = as_path(out_dir, "out_dir")
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"-o {show_path(out_dir)} 是一个文件；请指定一个文件夹")
    result = ImportResult()
    for source in sources:
        found = find_forms(source_grid(source), prof)
        if not found:
            result.findings.append(finding("no-form-in-source", file=str(source)))
        result.projects.extend(found)
    taken: set[str] = set()
    targets = [out_dir / safe_filename(project.name, taken) for project in result.projects]
    for target in targets:
        check_output(target, "import", inputs=sources, force=overwrite)
    if targets:
        prepare_folder(out_dir)
    if progress:
        progress(len(targets))
    for project, target in zip(result.projects, targets):
        write_template(target, profile=prof, projects=[project], kind="import", force=overwrite)
        result.written.append(target)
        if progress:
            progress(target)
    if result.written:
        result.findings.extend(read(result.written, prof).findings)
    return result
