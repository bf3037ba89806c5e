"""The `perfxl` command line. The only module that imports click; library errors become one line."""

from __future__ import annotations

import glob
import os
import re
import signal
import sys
import traceback
import unicodedata
from functools import partial

import click

from . import __version__
from .errors import show_path

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# click's own texts in Chinese. click marks every text it prints for gettext, and its modules
# look up ``_`` and ``ngettext`` when they print, so pointing those at this table is enough.
# A text missing here comes out in English: tests/test_cli.py scans every help text and usage
# error for English words.
CLICK_TEXTS = {
    "Usage:": "用法：", "Options": "选项", "Commands": "命令", "Arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。", "Show the version and exit.": "显示版本号并退出。",
    "default: {default}": "默认：{default}", "required": "必填", "(dynamic)": "（自动）",
    "Error: {message}": "错误：{message}", "Try '{command} {option}' for help.": "用 {command} {option} 查看用法。",
    "Aborted!": "已中断。",
    "Missing argument": "缺少参数", "Missing option": "缺少选项", "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有这个命令：{name}", "No such option {name!r}.": "没有选项 {name}",
    "No such option: {name}": "没有选项 {name}",  # click 8.1
    "Did you mean {possibility}?": "是不是要用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是要用 {possibilities} 之一？）",
    "Option {name!r} requires an argument.": "选项 {name} 后面要写一个值",
    "Option {name!r} requires {nargs} arguments.": "选项 {name} 后面要写 {nargs} 个值",
    "Option {name!r} does not take a value.": "选项 {name} 后面不能写值",
    "Got unexpected extra argument ({args})": "多写了参数：{args}",
    "Got unexpected extra arguments ({args})": "多写了参数：{args}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不对：{message}",
    "Invalid value: {message}": "值不对：{message}",
    "{value!r} is not a valid {number_type}.": "“{value}”不是数字",
    "{value!r} is not a valid integer.": "“{value}”不是整数",  # click 8.1
    "{value} is not in the range {range}.": "{value} 不在 {range} 的范围内",
    "{value!r} is not one of {choices}.": "“{value}”不是可选的值（{choices}）",
    "{value!r} is not {choice}.": "“{value}”不是可选的值（{choice}）",
    "{value!r} is not a valid boolean. Recognized values: {states}": "“{value}”不是是非值（{states}）",
    "file": "文件", "directory": "文件夹", "path": "路径",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在",
    "{name} {filename!r} is a file.": "“{filename}”是一个文件，这里要写文件夹",
    "{name} {filename!r} is a directory.": "“{filename}”是一个文件夹，这里要写文件",
    "{name} {filename!r} is not readable.": "{name}“{filename}”没有读取权限",
    "{name} {filename!r} is not writable.": "{name}“{filename}”没有写入权限",
}


def _chinese(message: str) -> str:
    return CLICK_TEXTS.get(message, message)


def _chinese_plural(singular: str, plural: str, n: int) -> str:
    return _chinese(singular if n == 1 else plural)


def _speak_chinese() -> None:
    """Route click's gettext lookups to CLICK_TEXTS (before any option is declared: click.Path
    names its kind when it is made)."""
    import importlib

    for name in ("core", "types", "exceptions", "parser", "formatting", "decorators", "termui", "utils"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _chinese
        if hasattr(module, "ngettext"):
            module.ngettext = _chinese_plural


_speak_chinese()


def display_width(text: str) -> int:
    """Terminal columns: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# A bracketed note such as “[默认：2015]” or an ASCII word (each kept whole), a space, or one character.
_TOKENS = re.compile(r"\[[^\]\n]*\]|[!-~]+|\s+|.")
_NO_LINE_START = set("，。、；：！？）》」』”’〕")
_NO_LINE_END = set("（《「『“‘〔")


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns, broken between Chinese characters or at spaces; a closing
    mark never starts a line and an opening one never ends one (the word before moves down too)."""
    lines, line = [], []
    for token in _TOKENS.findall(text):
        if token.isspace():
            line += [" "] if line else []
            continue
        if line and display_width("".join(line) + token) > width:
            carry = [line.pop()] if token[0] in _NO_LINE_START else []
            while line and line[-1][-1] in _NO_LINE_END:
                carry.insert(0, line.pop())
            if "".join(line).strip():
                lines.append("".join(line).rstrip())
                line = carry
            else:  # nothing left to break before: let this line run long
                line += carry
            while line and line[0] == " ":
                line.pop(0)
        line.append(token)
    if "".join(line).strip():
        lines.append("".join(line).rstrip())
    return lines


def _join(lines: list[str]) -> str:
    """A paragraph's source lines as one text: a space between ASCII words only, not between Chinese."""
    out = ""
    for line in (part.strip() for part in lines):
        space = out and line and out[-1].isascii() and line[0].isascii()
        out += (" " if space else "") + line
    return out


class ChineseFormatter(click.HelpFormatter):
    """click's help layout measured in terminal columns (a Chinese character is two wide), so
    help texts wrap inside the window and option descriptions line up; usage starts “用法：”."""

    def write_usage(self, prog, args="", prefix=None):
        super().write_usage(prog, args, prefix="用法：")

    def write_text(self, text):
        indent = " " * self.current_indent
        width = max(self.width - self.current_indent, 20)
        blocks = []
        for block in re.split(r"\n\s*\n", text):
            lines = block.splitlines()
            if lines and lines[0].strip() == "\b":  # click's mark: keep these lines as written
                blocks.append([indent + line for line in lines[1:]])
            else:
                blocks.append([indent + line for line in wrap(_join(lines), width)])
        self.write("\n\n".join("\n".join(block) for block in blocks) + "\n")

    def write_dl(self, rows, col_max=30, col_spacing=2):
        rows = list(rows)
        first_col = min(max(display_width(first) for first, _ in rows), col_max) + col_spacing
        lead = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(" " * self.current_indent + first)
            if not second:
                self.write("\n")
                continue
            width = display_width(first)
            self.write(" " * (first_col - width) if width <= first_col - col_spacing else "\n" + lead)
            lines = wrap(second, max(self.width - first_col - self.current_indent, 10)) or [""]
            self.write(lines[0] + "\n" + "".join(f"{lead}{line}\n" for line in lines[1:]))


class ChineseContext(click.Context):
    formatter_class = ChineseFormatter


class _Usage:
    """Chinese metavars, and every usage error knows its command (click's parser leaves some
    without one), so the hint names the right ``-h``."""

    context_class = ChineseContext

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            exc.ctx = exc.ctx or ctx
            raise


class ChineseCommand(_Usage, click.Command):
    pass


class Range(click.IntRange):
    """An integer range whose help and errors say “1 至 200”, not “1<=x<=200”."""

    def _describe_range(self) -> str:
        return f"{self.min} 至 {self.max}"


class ChineseGroup(_Usage, click.Group):
    command_class = ChineseCommand

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """click's main, with usage errors said in one Chinese line (exit 2)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            click.echo(f"错误：{usage_message(exc)}", err=True)
            sys.exit(2)
        except click.Abort:
            click.echo("已中断。", err=True)
            sys.exit(interrupted_exit_code())
        sys.exit(code if isinstance(code, int) else 0)


def usage_message(exc: click.UsageError) -> str:
    """A usage error in one Chinese line, with where to look for the right usage."""
    command = exc.ctx.command_path if exc.ctx else "perfxl"
    hint = f"；用 {command} -h 查看用法"
    param = getattr(exc, "param", None)
    if isinstance(exc, click.MissingParameter) and param is not None:
        if param.param_type_name == "argument":
            return f"缺少参数 {param.human_readable_name.rstrip('.')}{hint}"
        return f"缺少选项 {param.opts[0]}{hint}"
    if isinstance(exc, click.NoSuchOption):
        maybe = f"（是不是要用 {'、'.join(exc.possibilities)}？）" if exc.possibilities else ""
        return f"没有选项 {exc.option_name}{maybe}{hint}"
    if isinstance(exc, click.BadParameter) and param is not None:
        return f"{param.opts[0] if param.opts else param.name} 的值不对：{exc.message}{hint}"
    return f"{exc.message.rstrip('。.')}{hint}"


TERMINATING = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
FORCE_HELP = "覆盖已有的输出文件（默认只覆盖 perfxl 写出后未被改动过的同类文件）；输入文件任何时候都不会被覆盖。"
PROFILE_HELP = "指标体系：2015（默认，财预〔2015〕88号）、2021（财预〔2021〕101号），或自定义 JSON 文件的路径。"
CHECK_PROFILE_HELP = ("指标体系：2015（财预〔2015〕88号）、2021（财预〔2021〕101号），或自定义 JSON 文件的路径；"
                      "不写则每张表按自身判断（一级指标有“成本指标”为 2021，否则 2015；perfxl 模板按其记录）。")
QUIET_HELP = "安静：不显示进度和写出的文件清单，只显示问题和结果。"


def expand_paths(paths) -> list[str]:
    """Expand wildcards ourselves: cmd.exe and PowerShell hand `*.xlsx` over unexpanded."""
    out = []
    for p in paths:
        if any(ch in p for ch in "*?[") and not os.path.exists(p):
            matches = sorted(glob.glob(p, recursive=True))
            if not matches:
                raise click.UsageError(f"没有文件匹配 {p}")
            out.extend(matches)
        else:
            out.append(p)
    return out


class Progress:
    """A one-line counter on stderr (“已读取 12/629 个文件”), only for a terminal and without -q.

    The library calls it first with the number of items (an int), then with each item done,
    and (consolidate) once with None when writing starts.
    """

    def __init__(self, quiet: bool, label: str, unit: str):
        self.enabled = not quiet and sys.stderr.isatty()
        self.label, self.unit = label, unit
        self.count, self.total = 0, None

    def __call__(self, item=None) -> None:
        if _signal_received:  # an interrupt that Python dropped inside a callback: end the run now
            raise KeyboardInterrupt
        if isinstance(item, int):
            self.total = item
            return
        if item is not None:
            self.count += 1
        if self.enabled:
            done = f"{self.count}/{self.total}" if self.total is not None else f"{self.count}"
            click.echo(f"\r{self.label} {done} {self.unit}{'，正在写出……' if item is None else ''}", nl=False, err=True)

    def done(self) -> None:
        if self.enabled and self.count:
            click.echo("", err=True)


def amount(value) -> str:
    """An amount in 万元 as people read it on screen: 25,648,801.12."""
    return f"{value:,.2f}"


_SURROGATE = re.compile("[\ud800-\udfff]")
_signal_received: list[int] = []


def json_array(items, batch: int = 2_000):
    """A JSON array of ``items`` (flat dicts), in pieces of ``batch`` items: the text of 100,000
    forms' findings is never held whole (it took 0.5 GB). Indented by one space, as
    ``json.dumps(list(items), ensure_ascii=False, indent=1)`` would be.

    Every name is exact: a byte of a file name that is not UTF-8 (a lone surrogate in Python) is
    written as its \\udcXX escape, which json.loads turns back into the same name.
    """
    import json

    encode = json.JSONEncoder(ensure_ascii=False, indent=1).encode
    escape = partial(_SURROGATE.sub, lambda m: f"\\u{ord(m.group()):04x}")
    pieces, opening = [], "[\n "
    for item in items:
        # Inside the array each line of the item moves one space in (strings hold no raw line ends).
        pieces.append(opening + encode(item).replace("\n", "\n "))
        opening = ",\n "
        if len(pieces) == batch:
            yield escape("".join(pieces))
            pieces = []
    pieces.append("[]" if opening == "[\n " else "\n]")
    yield escape("".join(pieces))


def _terminate(signum, frame) -> None:
    """Ctrl-C, SIGTERM, SIGHUP: noted, then raised as KeyboardInterrupt, so the run ends the way
    Ctrl-C ends it (temp files removed, workers stopped); a second SIGTERM/SIGHUP waits.

    Python drops an exception raised while it runs certain callbacks (an import lock's, a
    weakref's: “Exception ignored in …”), and the run would go on; Progress raises it again
    from the note at the next file.
    """
    if signum != signal.SIGINT:
        for sig in TERMINATING:
            signal.signal(sig, signal.SIG_IGN)
    _signal_received.append(signum)
    raise KeyboardInterrupt


def interrupted_exit_code() -> int:
    """128 + the signal that ended the run: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP."""
    return 128 + (_signal_received[0] if _signal_received else signal.SIGINT)


def _year(value):
    """--year checked as the library checks it (2000–2100), said in Chinese."""
    from .arguments import as_year

    try:
        return as_year(value)
    except ValueError:
        raise click.BadParameter("应是 2000–2100 之间的年份") from None


def run_safely(func):
    """Turn library and system errors into one Chinese line and exit 2; tracebacks only with -v."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .errors import PerfxlError, describe_os_error

        verbose = click.get_current_context().find_root().params.get("verbose")
        try:
            return func(*args, **kwargs)
        except PerfxlError as exc:
            if verbose:
                traceback.print_exc()
            click.echo(f"错误：{exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("已中断，未写出任何文件。", err=True)
            sys.exit(interrupted_exit_code())
        except BrokenPipeError:  # the reader went away (perfxl validate … | head): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except OSError as exc:  # one the library did not expect: say it in Chinese, with the path
            if verbose:
                traceback.print_exc()
            where = f"{exc.filename}：" if exc.filename else ""
            click.echo(f"错误：{where}{describe_os_error(exc)}；请检查路径和权限后重试", err=True)
            sys.exit(2)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception:
            if verbose:
                traceback.print_exc()
            click.echo("内部错误：perfxl 自身出了问题，未能完成（加 -v 查看详情，并请报告此问题）", err=True)
            sys.exit(2)

    return wrapper


@click.group(name="perfxl", cls=ChineseGroup, context_settings=CONTEXT, invoke_without_command=True)
@click.version_option(__version__, "-V", "--version", prog_name="perfxl", message="%(prog)s %(version)s",
                      help="显示版本号并退出。")
@click.option("-v", "--verbose", is_flag=True, help="出错时显示详细的调用栈。")
@click.pass_context
def main(ctx, verbose):
    """perfxl：本级预算项目绩效目标表的模板、导入、校验与汇总工具。

    \b
    常用：
      perfxl template -o 模板.xlsx --year 2023      生成填报模板
      perfxl import 目标表.docx -o 表格/            把 Word 表格导入为填好的模板
      perfxl validate 表格/                         检查填好的表
      perfxl consolidate 表格/ -o 汇总.xlsx         合并为汇总表
      perfxl selfeval 表格/ -o 自评表/              年终生成绩效自评表
      perfxl codes                                  列出全部问题代码

    只输入 perfxl 时列出各命令（退出码 0）。退出码：0 完成且没有错误；1 完成但发现错误；
    2 用法有误或什么也没做成（如没有找到任何绩效目标表）。
    """
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if ctx.invoked_subcommand is None:
        click.echo(command_list(ctx))


def command_list(ctx) -> str:
    """What `perfxl` alone prints: the commands, one line each, and where to read more."""
    group = ctx.command
    lines = [f"perfxl {__version__}：本级预算项目绩效目标表的模板、导入、校验与汇总工具", "", "命令："]
    for name in group.list_commands(ctx):
        lines.append(f"  {name:<12} {group.get_command(ctx, name).get_short_help_str(limit=60)}")
    lines += ["", "用 perfxl 命令 -h 查看某个命令的用法，用 perfxl -h 查看全部说明。"]
    return "\n".join(lines)


@main.command("template", context_settings=CONTEXT)
@click.option("-o", "--output", metavar="文件", default="本级预算项目绩效目标表.xlsx", show_default=True,
              help="输出文件。")
@click.option("--year", type=int, metavar="年份", callback=lambda ctx, param, value: _year(value),
              help="预算年度（2000–2100），默认今年。")
@click.option("--department", metavar="名称", default="", help="主管部门（填报单位）名称，预先填入。")
@click.option("--unit", metavar="名称", default="", help="实施单位名称，预先填入。")
@click.option("--profile", metavar="体系", default="2015", show_default=True, help=PROFILE_HELP)
@click.option("--sheets", type=Range(1, 200), metavar="张数", default=1, show_default=True, help="空白项目表的张数。")
@click.option("--force", is_flag=True, help=FORCE_HELP)
@click.option("-q", "--quiet", is_flag=True, help="安静：成功时什么也不显示。")
@run_safely
def template_cmd(output, year, department, unit, profile, sheets, force, quiet):
    """生成绩效目标表填报模板（带下拉列表、锁定栏目、A4 打印设置）。"""
    from .template import write_template

    path = write_template(output, profile=profile, year=year, department=department, unit=unit, sheets=sheets,
                          force=force)
    if not quiet:
        click.echo(f"已生成模板：{show_path(path)}")


def blank_note(result) -> str:
    """The closing line's word on blank forms, which are skipped rather than counted as projects."""
    return f"；{result.blank_forms} 张空白表未填写，已跳过" if result.blank_forms else ""


def format_finding(f) -> str:
    from .model import LEVEL_NAMES

    where = "!".join(show_path(x) for x in (f.file, f.sheet, f.cell) if x)
    return f"{where + ' ' if where else ''}{LEVEL_NAMES[f.level]} {f.code} {f.message}"


def print_findings(findings, levels=("error", "warning", "notice")) -> None:
    """One line per finding, a blank line between files."""
    current = None
    for f in findings:
        if f.level not in levels:
            continue
        if current is not None and f.file != current:
            click.echo("")
        current = f.file
        click.echo(format_finding(f))


def counts(result) -> str:
    return f"错误 {result.errors} 个，警告 {result.warnings} 个，提示 {result.notices} 个"


def no_forms(result) -> None:
    """Nothing to check or consolidate: one line, exit 2 (the same for validate and consolidate)."""
    if not result.files:
        click.echo("错误：没有找到可检查的表格文件（xlsx/xls/et/ods）。", err=True)
    else:
        if result.blank_forms:
            why = f"{result.blank_forms} 张表什么也没有填写，已跳过"
        else:
            why = "读不了的文件已在上面列出" if result.errors else "表中要有“项目名称”栏目"
        click.echo(f"错误：检查了 {len(result.files)} 个文件，没有找到任何绩效目标表（{why}）。", err=True)
    sys.exit(2)


@main.command("import", context_settings=CONTEXT)
@click.argument("sources", nargs=-1, required=True, metavar="文件...")
@click.option("-o", "--output-dir", "out_dir", metavar="文件夹", required=True, help="输出文件夹，每个项目一个工作簿。")
@click.option("--profile", metavar="体系", default="2015", show_default=True, help=PROFILE_HELP)
@click.option("--force", is_flag=True, help="覆盖输出文件夹中同名的文件（默认只覆盖 perfxl 导入后未改动过的文件，否则什么也不写）。")
@click.option("-q", "--quiet", is_flag=True, help=QUIET_HELP)
@run_safely
def import_cmd(sources, out_dir, profile, force, quiet):
    """把从 Word 复制出的文本（.txt）或 .docx 中的绩效目标表导入为填好的模板工作簿。

    写出后像 validate 一样检查写出的工作簿，列出问题。

    退出码：0 已导入且没有错误；1 已导入但有错误（已列出）；2 用法有误或没有找到任何绩效目标表。
    """
    from .importer import import_forms

    progress = Progress(quiet, "已导入", "个项目")
    result = import_forms(expand_paths(sources), out_dir, profile=profile, progress=progress, overwrite=force)
    progress.done()
    if not quiet:
        for path in result.written:
            click.echo(show_path(path))
    print_findings(result.findings)
    if not result.written:
        click.echo("错误：没有找到任何绩效目标表，未写出文件。", err=True)
        sys.exit(2)
    total = sum((p.funds_year.total or 0) for p in result.projects)
    indicators = sum(len(p.indicators) for p in result.projects)
    click.echo(f"共导入 {len(result.projects)} 个项目、{indicators} 个指标，年度金额合计 {amount(total)} 万元："
               f"{counts(result)}。")
    sys.exit(1 if result.errors else 0)


def report_skipped(skipped: list[str], quiet: bool) -> None:
    """Files found in folders that are no spreadsheets: counted, never silently dropped."""
    if skipped and not quiet:
        click.echo(f"已跳过 {len(skipped)} 个非表格文件（如 {show_path(skipped[0])}）", err=True)


@main.command("validate", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, metavar="路径...")
@click.option("--profile", metavar="体系", default=None, help=CHECK_PROFILE_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 每条问题一行；json 一个 JSON 数组。")
@click.option("-q", "--quiet", is_flag=True, help=QUIET_HELP)
@run_safely
def validate_cmd(paths, profile, fmt, quiet):
    """检查填好的绩效目标表（文件或文件夹），逐个单元格指出要修改的地方。

    退出码：0 没有错误；1 有错误；2 用法有误，或没有找到任何绩效目标表。
    """
    from .pipeline import read

    progress = Progress(quiet, "已读取", "个文件")
    result = read(expand_paths(paths), profile=profile, progress=progress)
    progress.done()
    report_skipped(result.skipped, quiet)
    if fmt == "json":
        # "file" as the summary shows it (relative to the inputs); "path" the file as read, for scripts.
        found = ({**f.as_dict(), "path": result.paths.get(f.file.split(" > ")[0], "")} for f in result.findings)
        for piece in json_array(found):
            click.echo(piece, nl=False)
        click.echo()
    else:
        print_findings(result.findings)
    if not result.projects:
        no_forms(result)
    if fmt == "text":
        click.echo(f"共检查 {len(result.files)} 个文件、{len(result.projects)} 个项目：{counts(result)}{blank_note(result)}。")
    sys.exit(1 if result.errors else 0)


def open_with_default_app(path) -> None:
    """Open a file as a double click would: os.startfile on Windows, open on macOS, xdg-open elsewhere."""
    import subprocess

    if sys.platform == "win32":
        os.startfile(path)  # Windows' own way to reach the file association
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    subprocess.Popen([opener, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)


@main.command("consolidate", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, metavar="路径...")
@click.option("-o", "--output", metavar="文件", required=True, help="输出的汇总工作簿（.xlsx）。")
@click.option("--profile", metavar="体系", default=None, help=CHECK_PROFILE_HELP)
@click.option("--title", metavar="标题", help="汇总表标题，默认如“2023年度 某某局 项目绩效目标汇总表”。")
@click.option("--year", metavar="年份", type=int,
              help="汇总表的年度（2000 至 2100），默认取各项目的年度（不一致时标题列出各年度并给出警告）。")
@click.option("--csv-dir", metavar="文件夹", type=click.Path(file_okay=False),
              help="另存 CSV（带 BOM，Excel 可直接打开）到此文件夹。")
@click.option("--strict", is_flag=True, help="有错误时不写出汇总表（退出码 1）。")
@click.option("--open", "open_after", is_flag=True, help="写出后用系统默认的程序（Excel、WPS 等）打开汇总表。")
@click.option("--force", is_flag=True, help=FORCE_HELP)
@click.option("-q", "--quiet", is_flag=True, help=QUIET_HELP)
@run_safely
def consolidate_cmd(paths, output, profile, title, year, csv_dir, strict, open_after, force, quiet):
    """把各项目的绩效目标表（及各部门的汇总表）合并成汇总工作簿，并按部门、单位汇总资金。

    屏幕上列出错误和警告；提示只写入汇总表的“校验问题”工作表，最后一行说明有几个。

    退出码：0 已写出且没有错误；1 有错误（已列出；--strict 时不写出）；2 用法有误或没有找到任何绩效目标表。
    """
    from .pipeline import consolidate

    progress = Progress(quiet, "已读取", "个文件")
    result = consolidate(expand_paths(paths), output, profile=profile, title=title, year=year, csv_dir=csv_dir,
                         strict=strict, force=force, progress=progress)
    progress.done()
    report_skipped(result.skipped, quiet)
    print_findings(result.findings, levels=("error", "warning"))
    if not result.projects:
        no_forms(result)
    notices = result.notices
    summary = (f"{len(result.projects)} 个项目、{result.indicator_count} 个指标，年度金额合计 "
               f"{amount(result.year_total)} 万元；错误 {result.errors} 个，警告 {result.warnings} 个{blank_note(result)}")
    if result.written is None:
        click.echo(f"有错误，按 --strict 未写出汇总表（{summary}，提示 {notices} 个）。")
    else:
        more = f"；另有提示 {notices} 个，见汇总表的“校验问题”工作表" if notices else ""
        click.echo(f"已写出汇总表：{show_path(result.written)}（{summary}{more}）")
        if not quiet:
            for path in result.csv_files:
                click.echo(f"已写出：{show_path(path)}")
        if open_after:
            try:
                open_with_default_app(result.written)
            except OSError as exc:
                from .errors import describe_os_error

                click.echo(f"无法自动打开汇总表（{describe_os_error(exc)}），请手动打开：{show_path(result.written)}", err=True)
    sys.exit(1 if result.errors else 0)


@main.command("selfeval", context_settings=CONTEXT)
@click.argument("targets", nargs=-1, required=True, metavar="目标表...")
@click.option("-o", "--output-dir", "out_dir", metavar="文件夹", required=True, help="输出文件夹，每个项目一个自评表工作簿。")
@click.option("--actuals", metavar="文件", type=click.Path(dir_okay=False),
              help="预算执行数文件（CSV 或 xlsx，列：项目名称、实施单位、全年预算数、全年执行数），填入资金栏。")
@click.option("--profile", metavar="体系", default="2015", show_default=True, help=PROFILE_HELP)
@click.option("-q", "--quiet", is_flag=True, help=QUIET_HELP)
@run_safely
def selfeval_cmd(targets, out_dir, actuals, profile, quiet):
    """按批复的绩效目标表生成年终绩效自评表（财预〔2020〕10号附件格式），每个项目一个工作簿。

    \b
    得分、总分和等级是公式，填入实际完成值后自动计算；
    填好后用 perfxl validate 复核。
    退出码：0 已生成；1 已生成，但目标表有错误或执行数文件中有对不上的行
    （已列出）；2 用法有误或没有找到项目。
    """
    from .evalform import selfeval

    progress = Progress(quiet, "已读取", "个文件")
    result = selfeval(expand_paths(targets), out_dir, actuals=actuals, profile=profile, progress=progress)
    progress.done()
    if not result.projects:
        click.echo("错误：没有找到任何绩效目标表，未生成自评表。", err=True)
        sys.exit(2)
    errors = [f for f in result.findings if f.level == "error"]  # in the target forms: worth fixing first
    for f in errors:
        click.echo(format_finding(f))
    if not quiet:
        for path in result.written:
            click.echo(show_path(path))
    for note in result.notes:
        click.echo(f"注意：{note}", err=True)
    for row in result.unmatched:
        click.echo(f"警告：执行数文件{row}没有对应的项目，未使用", err=True)
    click.echo(f"已生成 {len(result.written)} 份自评表（{sum(len(p.indicators) for p in result.projects)} 个指标）"
               + (f"，执行数已填入 {result.filled} 个项目" if actuals else "") + "。")
    sys.exit(1 if result.unmatched or errors else 0)


@main.command("codes", context_settings=CONTEXT)
@click.option("--markdown", is_flag=True, help="输出 Markdown 表格（即 docs/findings.md）。")
def codes_cmd(markdown):
    """列出 perfxl 可能报告的全部问题代码：级别、名称、说明和修改方法。"""
    from .findings import CATALOGUE, render_markdown
    from .model import LEVEL_NAMES

    if markdown:
        click.echo(render_markdown(), nl=False)
        return
    for spec in CATALOGUE.values():
        fix = f"：{spec.fix}" if spec.fix else ""
        click.echo(f"{spec.code}  {LEVEL_NAMES[spec.level]}  {spec.title} — {spec.message}{fix}")


def entry() -> None:
    """The console script: run the command, then ignore a Ctrl-C that comes during shutdown
    (the work is done and written by then; it must not end in a traceback).

    Once a command has done its work (exit code 0 or 1) the process leaves at once (os._exit,
    as mypy does): freeing the objects of 10,000 projects one by one would only make the user
    wait. Other endings (usage errors, Ctrl-C) go the normal way, which also reaps any worker.
    The cyclic GC stays off for the whole run (the library pauses it only while reading and
    writing): switched back on, its first pass walks every cell just written, 25 ms at 1,000
    forms, for a process that is about to end.
    """
    import gc

    gc.disable()
    for sig in (signal.SIGINT, *TERMINATING):
        signal.signal(sig, _terminate)
    try:
        main(prog_name="perfxl")
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    finally:
        for sig in (signal.SIGINT, *TERMINATING):
            signal.signal(sig, signal.SIG_IGN)
    if code not in (None, 0, 1):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (perfxl … | head): nothing more to say
            pass
    os._exit(code or 0)
