"""The small exception family the library raises; the CLI turns each into one Chinese line."""


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
