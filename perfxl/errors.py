"""The small exception family the library raises; the CLI turns each into one Chinese line."""

import os
import re


class PerfxlError(Exception):
    """Base class: a user-facing problem whose message says what to change."""


class UsageError(PerfxlError):
    """The call itself is wrong (bad option, missing input, output over an input)."""


class ProfileError(PerfxlError):
    """An indicator profile file cannot be loaded or is malformed."""


class InputError(PerfxlError):
    """An input file cannot be read at all."""


class OutputError(PerfxlError):
    """An output file cannot be written (locked, read-only folder, ...)."""


def describe_os_error(exc: OSError) -> str:
    """An operating-system error in Chinese words, for messages (never the English strerror)."""
    import errno

    words = {
        errno.ENOENT: "文件或文件夹不存在", errno.EACCES: "没有权限", errno.EPERM: "不允许此操作",
        errno.ENOSPC: "磁盘已满", errno.ENAMETOOLONG: "文件名太长", errno.EROFS: "磁盘是只读的",
        errno.EISDIR: "这是一个文件夹", errno.ENOTDIR: "路径中有一部分不是文件夹", errno.EEXIST: "文件已存在",
        errno.EBUSY: "文件正被占用", errno.EIO: "磁盘读写出错", errno.ELOOP: "快捷方式（符号链接）循环",
        errno.EMFILE: "打开的文件太多", errno.EDQUOT: "磁盘配额已用完", errno.EXDEV: "不能跨磁盘改名",
        errno.EINVAL: "参数无效", errno.ETIMEDOUT: "网络或磁盘超时",
    }
    if getattr(exc, "winerror", None) == 32:  # Windows: the file is open in another program
        return "文件正被其他程序打开"
    return words.get(exc.errno, f"系统错误 {exc.errno}" if exc.errno else "系统错误")


# Shown escaped in text output: control characters (C0, DEL, C1), bidi overrides and isolates,
# zero-width characters, line separators, and lone surrogates (bytes of a name that are not UTF-8).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")


def show_path(path) -> str:
    """A path as text output may show it: one line, nothing hidden, nothing that steers a terminal.

    Undecodable bytes appear as \\xNN, invisible or terminal-controlling characters as \\uNNNN;
    everything else as it is. JSON output carries the exact name instead (see json_array).
    """
    return _UNSAFE.sub(_escape, os.fsdecode(path))


def escape_undecodable(text: str) -> str:
    """Bytes of a file name that are not UTF-8 (lone surrogates) as \\xNN: a workbook cannot hold them."""
    return _UNDECODABLE.sub(_escape, text) if _UNDECODABLE.search(text) else text


_UNDECODABLE = re.compile("[\ud800-\udfff]")


def _escape(match) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
