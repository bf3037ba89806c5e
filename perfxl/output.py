"""Writing outputs safely: to a temp file beside the target, then one atomic rename."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from .errors import OutputError, UsageError, describe_os_error, escape_undecodable, show_path

EXCEL_CELL_LIMIT = 32767
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def exact_match(cell: str) -> str:
    """A COUNTIFS/SUMIFS criterion matching the text in ``cell`` exactly: the wildcards ~ * ? escaped,
    led by "=" so that a name such as “>5” is compared as text."""
    return f'"="&SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({cell},"~","~~"),"*","~*"),"?","~?")'


def cell_text(text: str) -> str:
    """Text as a spreadsheet cell can hold it: no control characters, no undecodable bytes of a
    file name (shown as \\xNN), at most 32,767 UTF-16 units.

    The rules report both (control-characters, text-too-long), so nothing changes silently.
    Excel counts UTF-16 units, so a character outside the BMP (an emoji) counts twice.
    """
    if CONTROL_CHARS.search(text):
        text = CONTROL_CHARS.sub("", text)
    text = escape_undecodable(text)  # a file name's stray bytes
    text = text[:EXCEL_CELL_LIMIT]
    if len(text) > EXCEL_CELL_LIMIT // 2:
        units = text.encode("utf-16-le")
        if len(units) > 2 * EXCEL_CELL_LIMIT:
            text = units[:2 * EXCEL_CELL_LIMIT].decode("utf-16-le", errors="ignore")
    return text


def build_time(default: dt.datetime | None = None) -> dt.datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else ``default`` or now (UTC, naive)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().lstrip("-").isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None)
    if default is not None:
        return default
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


# The output rule (docs/safety.md): perfxl replaces a file only when it wrote that file as the
# same kind and no program has saved it since, or when told to (--force); never an input.
MARKER = "perfxl_output"  # custom document property naming the kind of workbook perfxl wrote
KIND_NAMES = {"summary": "汇总表", "scores": "自评汇总表", "template": "模板", "import": "导入的项目表", "selfeval": "自评表",
              "csv": "CSV 表格"}
_MARKER_VALUE = re.compile(rb'name="' + MARKER.encode() + rb'"[^>]*>\s*<vt:lpwstr>([a-z-]{1,20})</vt:lpwstr>')
_CREATED = re.compile(rb"<dcterms:created[^>]*>([^<]{1,40})</dcterms:created>")
_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>([^<]{1,40})</dcterms:modified>")
_SMALL_MEMBER = 1 << 20


def mark(workbook, kind: str) -> None:
    """Carry the marker in an xlsxwriter workbook, so a later run may replace what it wrote."""
    workbook.set_custom_property(MARKER, kind)


def file_id(path) -> tuple[int, int] | None:
    """(device, inode) of the real file behind ``path`` (symlinks followed), None if it does not exist."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def written_kind(path, csv_header: bytes = b"") -> str | None:
    """The kind perfxl wrote ``path`` as, if no program has saved it since; else None.

    An .xlsx: the marker property, and the document's modified time still equal to its created
    time (xlsxwriter writes both alike; Excel, WPS and LibreOffice update “modified” on saving).
    A CSV: its first line is exactly the header perfxl writes there. Only the few small members
    needed are read, and only from a regular file.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        if csv_header:
            with open(path, "rb") as fh:
                return "csv" if fh.read(len(csv_header)) == csv_header else None
        with zipfile.ZipFile(path) as zf:
            parts = {}
            for name in ("docProps/custom.xml", "docProps/core.xml"):
                info = zf.getinfo(name)
                if info.file_size > _SMALL_MEMBER:
                    return None
                parts[name] = zf.read(info)
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, NotImplementedError, RuntimeError):
        return None
    kind = _MARKER_VALUE.search(parts["docProps/custom.xml"])
    created, modified = _CREATED.search(parts["docProps/core.xml"]), _MODIFIED.search(parts["docProps/core.xml"])
    if kind and created and modified and created.group(1) == modified.group(1):
        return kind.group(1).decode()
    return None


def check_output(output, kind: str | tuple[str, ...], *, inputs=(), ids=frozenset(), force: bool = False,
                 suffixes=(".xlsx",), csv_header: bytes = b"") -> None:
    """Refuse, before any work, an output that would replace an input or a file perfxl did not write.

    ``inputs`` are compared as real files (device and inode: symlinks and hard links included);
    ``ids`` are such (device, inode) pairs already known (scan.Inputs.ids), not looked up again.
    ``kind`` may be several (consolidate writes a summary or a score summary).
    ``force`` allows replacing any file except an input.
    """
    output = Path(output)
    if output.suffix.lower() not in suffixes:
        raise UsageError(f"输出文件 {show_path(output)} 的扩展名不对：perfxl 写出的是 {'/'.join(suffixes)} 文件；"
                         f"请把文件名改为以 {suffixes[0]} 结尾")
    target = file_id(output)
    if target is None:
        if os.path.islink(output):
            raise UsageError(f"输出文件 {show_path(output)} 是一个指向不存在文件的快捷方式（符号链接）；请换一个文件名")
        return
    if target in ids or any(file_id(item) == target for item in inputs):
        raise UsageError(f"输出文件 {show_path(output)} 就是输入文件之一；请用 -o 指定另一个文件名")
    if not os.path.isfile(output):
        raise UsageError(f"输出位置 {show_path(output)} 不是普通文件（是文件夹或设备）；请换一个文件名")
    kinds = (kind,) if isinstance(kind, str) else kind
    if not force and written_kind(output, csv_header) not in kinds:
        raise UsageError(f"{show_path(output)} 已经存在，且不是 perfxl 写出的{KIND_NAMES.get(kinds[0], kinds[0])}"
                         f"（或已被其他程序改过）；未写出任何文件。请换一个文件名，或加 --force 覆盖")


def refuse_inputs(output: Path, inputs) -> None:
    """Never write over a user's input file (compared as real files)."""
    check_output(output, "", inputs=inputs, force=True, suffixes=(Path(output).suffix.lower(),))


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


def _new_file_mode() -> int:
    """The mode a new file gets under the process's umask (mkstemp's own is always 0600)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def _private_tempdir():
    """xlsxwriter's scratch files in a folder of their own, removed however the write ends."""
    scratch = tempfile.mkdtemp(prefix="perfxl-")
    saved, tempfile.tempdir = tempfile.tempdir, scratch
    try:
        yield
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def atomic_path(output: str | Path):
    """Yield a temp path in the output's folder; on success it replaces the output at once.

    On any error (or Ctrl-C, SIGTERM) the temp file is removed and the old output, if any, stays.
    A new file gets the umask's mode, a replaced one keeps its mode. An OS error while writing
    (disk full, no permission, name too long, folder gone) becomes one OutputError line.
    """
    output = Path(output)
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"输出文件夹不存在：{show_path(folder)}；请先创建它或换一个位置")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".~perfxl-", suffix=output.suffix, dir=folder)
    except OSError as exc:
        raise OutputError(f"无法在 {show_path(folder)} 中写入（{describe_os_error(exc)}）；"
                          f"请换一个有写权限的文件夹") from None
    os.close(fd)
    try:
        with _private_tempdir():
            try:
                yield Path(tmp)
            except OSError as exc:
                raise OutputError(f"无法写入 {show_path(output)}（{describe_os_error(exc)}）；原有文件未改动") from None
            except Exception as exc:  # xlsxwriter wraps OS errors in its own FileCreateError
                cause = exc.__cause__ or exc.__context__ or (exc.args[0] if exc.args else None)
                if isinstance(cause, OSError):
                    raise OutputError(f"无法写入 {show_path(output)}（{describe_os_error(cause)}）；原有文件未改动") from None
                raise
        try:
            st = os.stat(output)
            mode = stat.S_IMODE(st.st_mode)
        except OSError:
            mode = _new_file_mode()
        try:
            os.chmod(tmp, mode)
            os.replace(tmp, output)
        except PermissionError:
            raise OutputError(
                f"无法写入 {show_path(output)}：文件可能正在 Excel 或 WPS 中打开，请关闭后重试") from None
        except OSError as exc:
            raise OutputError(f"无法写入 {show_path(output)}（{describe_os_error(exc)}）") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def prepare_folder(folder: Path) -> None:
    """Make sure files can be written into ``folder`` (created if missing), before any work is done."""
    folder = Path(folder)
    if os.path.lexists(folder) and not folder.is_dir():
        raise UsageError(f"{show_path(folder)} 不是文件夹；请指定一个文件夹")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".~perfxl-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"无法在 {show_path(folder)} 中写入（{describe_os_error(exc)}）；"
                          f"请换一个有写权限的文件夹") from None
