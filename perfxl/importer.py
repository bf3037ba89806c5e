"""`perfxl import`: forms found in text dumps and .docx files become filled template workbooks."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, UsageError, describe_os_error
from .findings import finding
from .form import find_forms
from .grid import Grid, decode_text, grid_from_docx, grid_from_text
from .model import Finding, FindingCounts, Project
from .output import refuse_inputs
from .pipeline import read
from .profile import Profile, load_profile
from .scan import OLE_MAGIC, ZIP_MAGIC
from .template import write_template

_WINDOWS_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_filename(name: str, taken: set[str], suffix: str = ".xlsx", limit: int = 80) -> str:
    """A file name that Windows accepts, unique within ``taken`` (compared case-insensitively)."""
    base = _WINDOWS_BAD.sub("_", name).strip().rstrip(". ")[:limit].rstrip(". ") or "未命名项目"
    if base.split(".")[0].upper() in _RESERVED:
        base = f"_{base}"
    candidate, n = base, 2
    while (candidate + suffix).lower() in taken:
        candidate, n = f"{base}({n})", n + 1
    taken.add((candidate + suffix).lower())
    return candidate + suffix


def source_grid(path: Path) -> Grid:
    """The grid of a text dump (UTF-8 or GBK/GB18030) or a .docx file, read once."""
    try:
        data = path.read_bytes()
        if data.startswith(ZIP_MAGIC) and path.suffix.lower() != ".txt":
            return grid_from_docx(io.BytesIO(data), file=str(path))
        if path.suffix.lower() in (".docx", ".doc", ".wps") or data.startswith(OLE_MAGIC):
            raise InputError(f"{path} 不是 .docx 文件（可能是旧版 .doc 或 .wps）；请在 Word 或 WPS 中另存为 .docx 后重试")
        return grid_from_text(decode_text(data), file=str(path))
    except FileNotFoundError:
        raise InputError(f"找不到文件：{path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} 是文件夹；请写出要导入的 .txt 或 .docx 文件") from None
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"{path} 无法读取（{describe_os_error(exc)}）") from None
    except Exception:  # python-docx raises many kinds on damaged files
        raise InputError(f"{path} 已损坏，无法读取；请确认是 Word 导出的 .docx 或文本文件") from None


@dataclass
class ImportResult(FindingCounts):
    """What was written, the projects in it, and the findings of checking what was written."""

    written: list[Path] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    empty_sources: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def import_forms(sources, out_dir: str | Path, profile: str | Profile | None = None,
                 progress=None, overwrite: bool = False) -> ImportResult:
    """Read every form in ``sources`` and write one filled template per project into ``out_dir``.

    Files already in ``out_dir`` are never replaced unless ``overwrite``: they may be forms that
    somebody has gone on filling in. Nothing is written when one would be.

    The written workbooks are then read back and checked as ``perfxl validate`` would (so what
    the import missed shows as findings on the new files); a source without any form is an error.
    ``progress`` is called with the number of workbooks to write, then with each one written.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    out_dir = Path(out_dir)
    sources = [Path(s) for s in sources]
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"-o {out_dir} 是一个文件；请指定一个文件夹")
    result = ImportResult()
    for source in sources:
        found = find_forms(source_grid(source), prof)
        if not found:
            result.empty_sources.append(source)
            result.findings.append(finding("no-form-in-source", file=str(source)))
        result.projects.extend(found)
    taken: set[str] = set()
    targets = [out_dir / safe_filename(project.name, taken) for project in result.projects]
    for target in targets:
        refuse_inputs(target, sources)
        if target.exists() and not overwrite:
            raise UsageError(f"{target} 已经存在，未写出任何文件；请换一个输出文件夹，或加 --force 覆盖")
    if targets:
        out_dir.mkdir(parents=True, exist_ok=True)
    if progress:
        progress(len(targets))
    for project, target in zip(result.projects, targets):
        write_template(target, profile=prof, projects=[project])
        result.written.append(target)
        if progress:
            progress(target)
    if result.written:
        result.findings.extend(read(result.written, prof).findings)
    return result
