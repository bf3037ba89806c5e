"""The `perfxl` command line. The only module that imports click; library errors become one line."""

from __future__ import annotations

import glob
import os
import sys
import traceback

import click

from . import __version__

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
_HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}


class ChineseFormatter(click.HelpFormatter):
    """click's help layout with Chinese headings."""

    def write_usage(self, prog, args="", prefix=None):
        super().write_usage(prog, args.replace("[OPTIONS]", "[选项]").replace("COMMAND", "命令")
                            .replace("[ARGS]...", "[参数]..."), prefix="用法：")

    def write_heading(self, heading):
        super().write_heading(_HEADINGS.get(heading, heading))


class ChineseContext(click.Context):
    formatter_class = ChineseFormatter


def _chinese_help_option(cls):
    """Give a command class Chinese help texts."""
    base = cls.get_help_option

    def get_help_option(self, ctx):
        option = base(self, ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    cls.get_help_option = get_help_option
    cls.context_class = ChineseContext
    return cls


@_chinese_help_option
class ChineseCommand(click.Command):
    pass


@_chinese_help_option
class ChineseGroup(click.Group):
    command_class = ChineseCommand

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
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


def usage_message(exc: click.UsageError) -> str:
    """click's English usage errors in Chinese, with where to look for the right usage."""
    command = exc.ctx.command_path if exc.ctx else "perfxl"
    hint = f"；用 {command} -h 查看用法"
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        name = exc.param.human_readable_name if exc.param.param_type_name == "argument" else exc.param.opts[0]
        return f"缺少{'参数' if exc.param.param_type_name == 'argument' else '选项'} {name}{hint}"
    if isinstance(exc, click.NoSuchOption):
        return f"没有选项 {exc.option_name}{hint}"
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        return f"{exc.param.opts[0] if exc.param.opts else exc.param.name} 的值不对（{exc.message}）{hint}"
    if exc.message.startswith("No such command"):
        return f"没有这个命令：{exc.message.split(chr(39))[1] if chr(39) in exc.message else exc.message}{hint}"
    return f"{exc.message}{hint}"


PROFILE_HELP = "指标体系：2015（默认，财预〔2015〕88号）、2021（财预〔2021〕101号），或自定义 JSON 文件的路径。"


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
    """A one-line counter on stderr, only for a terminal and without --quiet."""

    def __init__(self, quiet: bool, label: str):
        self.enabled = not quiet and sys.stderr.isatty()
        self.label, self.count = label, 0

    def __call__(self, item=None) -> None:
        """One more file done; ``None`` announces the writing stage."""
        if item is None:
            if self.enabled:
                click.echo(f"\r{self.label}：{self.count}，正在写出……", nl=False, err=True)
            return
        self.count += 1
        if self.enabled:
            click.echo(f"\r{self.label}：{self.count}", nl=False, err=True)

    def done(self) -> None:
        if self.enabled and self.count:
            click.echo("", err=True)


def run_safely(func):
    """Turn library errors into one Chinese line and exit 2; tracebacks only with -v."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .errors import PerfxlError

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
            sys.exit(130)
        except BrokenPipeError:  # the reader went away (perfxl validate … | head): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as exc:
            if verbose:
                traceback.print_exc()
            click.echo(f"内部错误：{type(exc).__name__}: {exc}（加 -v 查看详情，并请报告此问题）", err=True)
            sys.exit(2)

    return wrapper


@click.group(name="perfxl", cls=ChineseGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="perfxl", message="%(prog)s %(version)s",
                      help="显示版本号并退出。")
@click.option("-v", "--verbose", is_flag=True, help="出错时显示详细的调用栈。")
def main(verbose):
    """perfxl：本级预算项目绩效目标表的模板、导入、校验与汇总工具。

    \b
    常用：
      perfxl template -o 模板.xlsx --year 2023      生成填报模板
      perfxl import 目标表.docx -o 表格/            把 Word 表格导入为填好的模板
      perfxl validate 表格/                         检查填好的表
      perfxl consolidate 表格/ -o 汇总.xlsx         合并为汇总表
      perfxl codes                                  列出全部问题代码
    """
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


@main.command("template", context_settings=CONTEXT)
@click.option("-o", "--output", default="本级预算项目绩效目标表.xlsx", show_default=True, help="输出文件。")
@click.option("--year", type=int, help="预算年度，默认今年。")
@click.option("--department", default="", help="主管部门（填报单位）名称，预先填入。")
@click.option("--unit", default="", help="实施单位名称，预先填入。")
@click.option("--profile", default="2015", show_default=True, help=PROFILE_HELP)
@click.option("--sheets", type=click.IntRange(1, 200), default=1, show_default=True, help="空白项目表的张数。")
@run_safely
def template_cmd(output, year, department, unit, profile, sheets):
    """生成绩效目标表填报模板（带下拉列表、锁定栏目、A4 打印设置）。"""
    from .template import write_template

    path = write_template(output, profile=profile, year=year, department=department, unit=unit, sheets=sheets)
    click.echo(f"已生成模板：{path}")


@main.command("import", context_settings=CONTEXT)
@click.argument("sources", nargs=-1, required=True)
@click.option("-o", "--output-dir", "out_dir", required=True, help="输出文件夹，每个项目一个工作簿。")
@click.option("--profile", default="2015", show_default=True, help=PROFILE_HELP)
@click.option("--force", is_flag=True, help="覆盖输出文件夹中同名的文件（默认不覆盖，什么也不写）。")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度。")
@run_safely
def import_cmd(sources, out_dir, profile, force, quiet):
    """把从 Word 复制出的文本（.txt）或 .docx 中的绩效目标表导入为填好的模板工作簿。"""
    from .importer import import_forms

    progress = Progress(quiet, "已导入项目")
    result = import_forms(expand_paths(sources), out_dir, profile=profile, progress=progress, overwrite=force)
    progress.done()
    for path in result.written:
        click.echo(str(path))
    for source in result.empty_sources:
        click.echo(f"警告：{source} 中没有找到绩效目标表（缺少“项目名称”栏目）", err=True)
    if not result.written:
        click.echo("错误：没有找到任何绩效目标表，未写出文件。", err=True)
        sys.exit(2)
    total = sum((p.funds_year.total or 0) for p in result.projects)
    indicators = sum(len(p.indicators) for p in result.projects)
    click.echo(f"共导入 {len(result.projects)} 个项目、{indicators} 个指标，年度金额合计 {total:.2f} 万元。")


def report_skipped(skipped: list[str], quiet: bool) -> None:
    """Files found in folders that are no spreadsheets: counted, never silently dropped."""
    if skipped and not quiet:
        click.echo(f"已跳过 {len(skipped)} 个非表格文件（如 {skipped[0]}）", err=True)


def blank_note(result) -> str:
    """The closing line's word on blank forms, which are skipped rather than counted as projects."""
    return f"；另有 {result.blank_forms} 张空白表未填写，已跳过" if result.blank_forms else ""


def format_finding(f) -> str:
    from .model import LEVEL_NAMES

    where = "!".join(x for x in (f.file, f.sheet, f.cell) if x)
    return f"{where + ' ' if where else ''}{LEVEL_NAMES[f.level]} {f.code} {f.message}"


@main.command("validate", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True)
@click.option("--profile", default="2015", show_default=True, help=PROFILE_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 每条问题一行；json 一个 JSON 数组。")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度。")
@run_safely
def validate_cmd(paths, profile, fmt, quiet):
    """检查填好的绩效目标表（文件或文件夹），逐个单元格指出要修改的地方。

    退出码：0 没有错误；1 有错误；2 用法有误或没有可读的文件。
    """
    import json

    from .pipeline import read

    progress = Progress(quiet, "已读取文件")
    result = read(expand_paths(paths), profile=profile, progress=progress)
    progress.done()
    report_skipped(result.skipped, quiet)
    if not result.files:
        click.echo("错误：没有找到可检查的表格文件（xlsx/xls/et/ods）。", err=True)
        sys.exit(2)
    if fmt == "json":
        # "file" as the summary shows it (relative to the inputs); "path" the file as read, for scripts.
        found = [{**f.as_dict(), "path": result.paths.get(f.file.split(" > ")[0], "")} for f in result.findings]
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
    else:
        current = None
        for f in result.findings:
            if current is not None and f.file != current:
                click.echo("")
            current = f.file
            click.echo(format_finding(f))
        notices = len(result.findings) - result.errors - result.warnings
        click.echo(f"共检查 {len(result.files)} 个文件、{len(result.projects)} 个项目：错误 {result.errors} 个，"
                   f"警告 {result.warnings} 个，提示 {notices} 个{blank_note(result)}。")
    sys.exit(1 if result.errors else 0)


@main.command("consolidate", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="输出的汇总工作簿（.xlsx）。")
@click.option("--profile", default="2015", show_default=True, help=PROFILE_HELP)
@click.option("--title", help="汇总表标题，默认如“2023年度 某某局 项目绩效目标汇总表”。")
@click.option("--year", type=click.IntRange(2000, 2100),
              help="汇总表的年度，默认取各项目的年度（不一致时标题列出各年度并给出警告）。")
@click.option("--csv-dir", type=click.Path(file_okay=False), help="另存 CSV（带 BOM，Excel 可直接打开）到此文件夹。")
@click.option("--strict", is_flag=True, help="有错误时不写出汇总表（退出码 1）。")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度。")
@run_safely
def consolidate_cmd(paths, output, profile, title, year, csv_dir, strict, quiet):
    """把各项目的绩效目标表（及各部门的汇总表）合并成汇总工作簿，并按部门、单位汇总资金。

    \b
    退出码：0 已写出且没有错误；1 有错误（已列出；--strict 时不写出）；2 用法有误或没有可汇总的项目。
    """
    from .pipeline import consolidate

    progress = Progress(quiet, "已读取文件")
    result = consolidate(expand_paths(paths), output, profile=profile, title=title, year=year, csv_dir=csv_dir,
                         strict=strict, progress=progress)
    progress.done()
    report_skipped(result.skipped, quiet)
    for f in result.findings:
        if f.level != "notice":
            click.echo(format_finding(f))
    if not result.projects:
        click.echo("错误：没有找到任何项目，未写出汇总表。", err=True)
        sys.exit(2)
    counts = (f"{len(result.projects)} 个项目、{result.indicator_count} 个指标，年度金额合计 "
              f"{result.year_total:.2f} 万元；错误 {result.errors} 个，警告 {result.warnings} 个{blank_note(result)}")
    if result.written is None:
        click.echo(f"有错误，按 --strict 未写出汇总表（{counts}）。")
    else:
        click.echo(f"已写出汇总表：{result.written}（{counts}）")
        for path in result.csv_files:
            click.echo(f"已写出：{path}")
    sys.exit(1 if result.errors else 0)


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
    import signal

    gc.disable()
    try:
        main(prog_name="perfxl")
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if code not in (None, 0, 1):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (perfxl … | head): nothing more to say
            pass
    os._exit(code or 0)
