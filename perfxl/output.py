"""Writing outputs safely: to a temp file beside the target, then one atomic rename."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from pathlib import Path

from .errors import OutputError, UsageError, describe_os_error

EXCEL_CELL_LIMIT = 32767
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cell_text(text: str) -> str:
    """Text as a spreadsheet cell can hold it: no control characters, at most 32,767 UTF-16 units.

    The rules report both (control-characters, text-too-long), so nothing changes silently.
    Excel counts UTF-16 units, so a character outside the BMP (an emoji) counts twice.
    """
    if CONTROL_CHARS.search(text):
        text = CONTROL_CHARS.sub("", text)
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


def refuse_inputs(output: Path, inputs) -> None:
    """Never write over a user's input file."""
    target = os.path.normcase(os.path.abspath(output))
    for item in inputs:
        if os.path.normcase(os.path.abspath(item)) == target:
            raise UsageError(f"输出文件 {output} 就是输入文件之一；请用 -o 指定另一个文件名")


@contextlib.contextmanager
def atomic_path(output: str | Path):
    """Yield a temp path in the output's folder; on success it replaces the output at once.

    On any error (or Ctrl-C) the temp file is removed and the old output, if any, stays.
    """
    output = Path(output)
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"输出文件夹不存在：{folder}；请先创建它或换一个位置")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".~perfxl-", suffix=output.suffix, dir=folder)
    except OSError as exc:
        raise OutputError(f"无法在 {folder} 中写入（{describe_os_error(exc)}）；请换一个有写权限的文件夹") from None
    os.close(fd)
    try:
        yield Path(tmp)
        try:
            os.replace(tmp, output)
        except PermissionError:
            raise OutputError(
                f"无法写入 {output}：文件可能正在 Excel 或 WPS 中打开，请关闭后重试") from None
        except OSError as exc:
            raise OutputError(f"无法写入 {output}（{describe_os_error(exc)}）") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
