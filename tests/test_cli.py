"""The command line itself: help in Chinese, usage errors as one Chinese line, exit codes."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from perfxl.cli import main


@pytest.mark.parametrize("args, message", [
    (["validate"], "错误：缺少参数 路径；用 perfxl validate -h 查看用法"),
    (["validate", "--bogus", "x"], "错误：没有选项 --bogus；用 perfxl validate -h 查看用法"),
    (["consolidate", "x"], "错误：缺少选项 -o；用 perfxl consolidate -h 查看用法"),
    (["nocmd"], "错误：没有这个命令：nocmd；用 perfxl -h 查看用法"),
    (["validate", "无此*.xlsx"], "错误：没有文件匹配 无此*.xlsx；用 perfxl validate -h 查看用法"),
])
def test_usage_errors_are_one_chinese_line(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output.strip() == message


def test_bad_option_value():
    result = CliRunner().invoke(main, ["template", "--sheets", "0"])
    assert result.exit_code == 2
    assert result.output.startswith("错误：--sheets 的值不对")


@pytest.mark.parametrize("command", ["template", "import", "validate", "consolidate", "selfeval"])
def test_help_is_chinese(command):
    result = CliRunner().invoke(main, [command, "-h"])
    assert result.exit_code == 0
    assert result.output.startswith(f"用法：perfxl {command} [选项]")
    assert "选项:" in result.output and "显示本帮助并退出。" in result.output


def test_version_and_main_help():
    assert CliRunner().invoke(main, ["-V"]).output.strip() == "perfxl 0.1.0"
    out = CliRunner().invoke(main, ["--help"]).output
    for command in ("template", "import", "validate", "consolidate"):
        assert command in out


def test_help_does_not_import_the_heavy_libraries():
    """`perfxl --help` must be instant: no pandas, xlsxwriter, calamine or openpyxl at start-up."""
    code = ("import sys; from perfxl.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'xlsxwriter', 'python_calamine', 'openpyxl', 'docx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_verbose_shows_a_traceback_only_with_v(tmp_path):
    quiet = CliRunner().invoke(main, ["template", "--profile", str(tmp_path / "x.json"), "-o", str(tmp_path / "t.xlsx")])
    loud = CliRunner().invoke(main, ["-v", "template", "--profile", str(tmp_path / "x.json"), "-o",
                                     str(tmp_path / "t.xlsx")])
    assert quiet.exit_code == loud.exit_code == 2
    assert "Traceback" not in quiet.output
    assert "Traceback" in loud.output


def test_custom_profile_file(tmp_path):
    profile = tmp_path / "region.json"
    profile.write_text('{"extends": "2015", "name": "某省", "required": ["产出指标", "满意度指标"], '
                       '"labels": {"name": ["项目名"]}}', encoding="utf-8")
    from conftest import DATA_2023
    result = CliRunner().invoke(main, ["validate", str(DATA_2023), "--profile", str(profile), "-q"])
    assert result.exit_code == 0  # 效益指标 is not required in this region
    assert "错误 0 个" in result.output


def test_a_reader_that_goes_away_is_no_internal_error():
    """perfxl validate … | head: the pipe closes early; no “内部错误”, no traceback."""
    from conftest import DATA_2023

    proc = subprocess.Popen([sys.executable, "-m", "perfxl", "validate", str(DATA_2023)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # before perfxl writes its first line
    err = proc.communicate(timeout=60)[1].decode("utf-8", "replace")
    assert proc.returncode == 1
    assert err == ""


@pytest.mark.parametrize("args, code", [(["validate", "DATA"], 1), (["consolidate", "DATA", "-o", "OUT"], 1),
                                        (["validate", "NOWHERE"], 2)])  # the seed tables hold one error
def test_console_script_exit_codes(tmp_path, args, code):
    """The console script leaves fast after the work (os._exit) with the right code and all output."""
    from conftest import DATA_2023

    places = {"DATA": str(DATA_2023), "OUT": str(tmp_path / "汇总.xlsx"), "NOWHERE": str(tmp_path / "nowhere")}
    proc = subprocess.run([sys.executable, "-m", "perfxl", *[places.get(a, a) for a in args]],
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == code, proc.stderr
    if args[0] == "consolidate":
        assert proc.stdout.splitlines()[-1] == (f"已写出汇总表：{tmp_path / '汇总.xlsx'}（8 个项目、64 个指标，"
                                                "年度金额合计 578.83 万元；错误 1 个，警告 9 个；另有提示 24 个，见汇总表的“校验问题”工作表）")
        assert (tmp_path / "汇总.xlsx").exists()
    elif code == 1:
        assert proc.stdout.splitlines()[-1] == "共检查 8 个文件、8 个项目：错误 1 个，警告 9 个，提示 24 个。"
    else:
        assert "找不到" in proc.stderr


# ASCII words a user may see: command and option names, formats, products, file kinds.
ALLOWED_ASCII = {"perfxl", "template", "import", "validate", "consolidate", "codes", "selfeval", "text", "json", "JSON",
                 "CSV", "BOM", "Excel", "WPS", "Word", "LibreOffice", "Markdown", "docs", "findings", "md", "A4",
                 "xlsx", "xlsm", "xls", "et", "ods", "docx", "doc", "txt", "wps"}


def english_words(text: str, *paths) -> list[str]:
    """ASCII words in ``text`` that are not option names, paths or ALLOWED_ASCII."""
    import re

    for path in sorted(map(str, paths), key=len, reverse=True):
        text = text.replace(path, "<路径>")
    text = re.sub(r"(?<![\w-])--?[A-Za-z][a-z-]*", "", text)  # option names
    return [w for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", text) if w not in ALLOWED_ASCII]


@pytest.mark.parametrize("args", [[], ["-h"], ["template", "-h"], ["import", "-h"], ["validate", "-h"],
                                  ["consolidate", "-h"], ["selfeval", "-h"], ["codes", "-h"]])
def test_every_help_text_is_chinese(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    assert result.output.strip()
    assert english_words(result.output) == [], result.output


@pytest.mark.parametrize("command", ["template", "import", "validate", "consolidate", "selfeval"])
def test_help_fits_an_80_column_window_and_lines_up(command):
    """Measured in terminal columns (a Chinese character is two): no line runs past 80, and every
    option's description starts in the same column."""
    from perfxl.cli import display_width

    out = CliRunner(env={"COLUMNS": "80"}).invoke(main, [command, "-h"]).output
    assert max(display_width(line) for line in out.splitlines()) <= 80
    import re

    options = [re.match(r"(  -\S.*?\S {2,})\S", line) for line in out.split("选项:\n")[1].splitlines()]
    starts = {display_width(m.group(1)) for m in options if m}
    assert len(starts) == 1, out


@pytest.mark.parametrize("args, message", [
    (["validate", "--format", "xml", "x"], "错误：--format 的值不对：“xml”不是可选的值（'text', 'json'）；用 perfxl validate -h 查看用法"),
    (["template", "--year", "abc"], "错误：--year 的值不对：“abc”不是数字；用 perfxl template -h 查看用法"),
    (["template", "--sheets", "0"], "错误：--sheets 的值不对：0 不在 1 至 200 的范围内；用 perfxl template -h 查看用法"),
    (["codes", "extra"], "错误：多写了参数：extra；用 perfxl codes -h 查看用法"),
    (["codes", "甲", "乙"], "错误：多写了参数：甲 乙；用 perfxl codes -h 查看用法"),
    (["template", "--year"], "错误：选项 --year 后面要写一个值；用 perfxl template -h 查看用法"),
    (["import", "x.txt"], "错误：缺少选项 -o；用 perfxl import -h 查看用法"),
    (["import", "-o", "out"], "错误：缺少参数 文件；用 perfxl import -h 查看用法"),
    (["consolidate", "-o", "a.xlsx"], "错误：缺少参数 路径；用 perfxl consolidate -h 查看用法"),
    (["-x"], "错误：没有选项 -x；用 perfxl -h 查看用法"),
    (["validate", "--profle", "2021", "x"], "错误：没有选项 --profle（是不是要用 --profile？）；用 perfxl validate -h 查看用法"),
    (["consolidate", "x", "-o", "y.xlsx", "--csv-dir", "CONFTEST"],
     "错误：--csv-dir 的值不对：“CONFTEST”是一个文件，这里要写文件夹；用 perfxl consolidate -h 查看用法"),
])
def test_usage_errors_are_chinese(args, message):
    from conftest import __file__ as a_file

    args, message = [a.replace("CONFTEST", a_file) for a in args], message.replace("CONFTEST", a_file)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output.strip() == message
    typed = [a for a in args if len(a) > 1 and not a.startswith("-")]  # what the user typed may come back
    assert english_words(result.output, *typed) == []


def test_help_shows_defaults_and_required_in_chinese():
    out = CliRunner().invoke(main, ["template", "-h"]).output
    assert "[默认：2015]" in out and "[默认：1; 1 至 200]" in out
    assert "[必填]" in CliRunner().invoke(main, ["consolidate", "-h"]).output


def test_perfxl_alone_lists_the_commands():
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "perfxl 0.1.0：本级预算项目绩效目标表的模板、导入、校验与汇总工具"
    assert [line.split()[0] for line in lines[3:9]] == ["codes", "consolidate", "import", "selfeval", "template", "validate"]
    assert lines[-1] == "用 perfxl 命令 -h 查看某个命令的用法，用 perfxl -h 查看全部说明。"
    assert "错误" not in result.output and "选项" not in result.output


@pytest.mark.parametrize("command", [["validate"], ["consolidate", "-o", "OUT"]])
def test_no_form_found_is_exit_2_with_one_line(tmp_path, command):
    from conftest import write_workbook

    folder = tmp_path / "in"
    folder.mkdir()
    write_workbook(folder / "通讯录.xlsx", {"表": [["姓名", "电话"], ["张三", "123"]]})
    args = [a.replace("OUT", str(tmp_path / "汇总.xlsx")) for a in command]
    result = CliRunner().invoke(main, [*args, str(folder), "-q"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == "错误：检查了 1 个文件，没有找到任何绩效目标表（表中要有“项目名称”栏目）。"
    assert not (tmp_path / "汇总.xlsx").exists()


@pytest.mark.parametrize("code, words", [("EPERM", "不允许此操作"), ("EACCES", "没有权限"), ("ENOSPC", "磁盘已满"),
                                         ("ENAMETOOLONG", "文件名太长"), ("EROFS", "磁盘是只读的")])
def test_an_os_error_is_one_chinese_line(tmp_path, monkeypatch, code, words):
    """An OSError nobody expected (here: the CSV folder cannot be made) says what and where in Chinese."""
    import errno
    import os

    from conftest import DATA_2023
    import perfxl.summary

    def refuse(*args, **kwargs):
        number = getattr(errno, code)
        raise OSError(number, os.strerror(number), str(tmp_path / "csv"))

    monkeypatch.setattr(perfxl.summary, "write_csvs", refuse)
    result = CliRunner().invoke(main, ["consolidate", str(DATA_2023), "-o", str(tmp_path / "汇总.xlsx"),
                                       "--csv-dir", str(tmp_path / "csv"), "-q"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"错误：{tmp_path / 'csv'}：{words}；请检查路径和权限后重试"
    assert english_words(result.output, tmp_path / "csv") == []


def test_consolidate_lists_errors_and_warnings_and_counts_the_notices(tmp_path):
    from conftest import DATA_2023

    result = CliRunner().invoke(main, ["consolidate", str(DATA_2023), "-o", str(tmp_path / "汇总.xlsx"), "-q"])
    lines = result.output.splitlines()
    levels = [line.split(" ")[1] for line in lines if "!" in line and " " in line]
    assert levels.count("错误") == 1 and levels.count("警告") == 9 and "提示" not in levels
    assert lines[-1].endswith("错误 1 个，警告 9 个；另有提示 24 个，见汇总表的“校验问题”工作表）")


def test_an_internal_error_names_no_exception_class(tmp_path, monkeypatch):
    import perfxl.pipeline

    def broken(*args, **kwargs):
        raise ValueError("something deep")

    monkeypatch.setattr(perfxl.pipeline, "read", broken)
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip() == "内部错误：perfxl 自身出了问题，未能完成（加 -v 查看详情，并请报告此问题）"


def test_a_broken_profile_file_is_said_in_chinese(tmp_path):
    bad = tmp_path / "坏.json"
    bad.write_text("{\n  \"levels\": [,]\n}", encoding="utf-8")
    result = CliRunner().invoke(main, ["template", "--profile", str(bad), "-o", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 2
    assert result.output.strip() == f"错误：指标体系文件 {bad} 不是有效的 JSON（第 2 行第 14 列有误）；写法见 docs/profiles.md"


def test_no_class_names_in_user_text():
    """No message shows an exception's class name (type(exc).__name__) to the user."""
    from pathlib import Path

    import perfxl

    for source in Path(perfxl.__file__).parent.glob("*.py"):
        assert "__name__}" not in source.read_text(encoding="utf-8"), source.name


def test_quiet_template_prints_nothing(tmp_path):
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "t.xlsx"), "-q"])
    assert (result.exit_code, result.output) == (0, "")
    loud = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "u.xlsx")])
    assert loud.output == f"已生成模板：{tmp_path / 'u.xlsx'}\n"


def test_progress_counts_against_a_total(monkeypatch):
    """On a terminal the counter shows done/total, rewritten in place, then a newline."""
    from perfxl import cli
    from conftest import DATA_2023

    written = []
    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(cli.click, "echo", lambda text="", nl=True, err=False: written.append((text, nl, err)))
    progress = cli.Progress(False, "已读取", "个文件")
    from perfxl.pipeline import read

    read([str(DATA_2023)], progress=progress, workers=1)
    progress(None)
    progress.done()
    assert written[0] == ("\r已读取 1/8 个文件", False, True)
    assert written[7] == ("\r已读取 8/8 个文件", False, True)
    assert written[8] == ("\r已读取 8/8 个文件，正在写出……", False, True)
    assert written[9] == ("", True, True)
    quiet = cli.Progress(True, "已读取", "个文件")
    quiet(3)
    quiet("x")
    assert len(written) == 10


def test_amounts_on_screen_have_thousands_separators():
    from decimal import Decimal

    from perfxl.cli import amount

    assert amount(Decimal("25648801.12")) == "25,648,801.12"
    assert amount(Decimal("0.6")) == "0.60"


def test_open_after_writing_uses_the_default_application(tmp_path, monkeypatch):
    """--open hands the written summary to xdg-open (Linux), open (macOS) or os.startfile (Windows)."""
    import os

    from perfxl import cli
    from conftest import DATA_2023

    launched = []

    class FakePopen:
        def __init__(self, args, **kwargs):
            launched.append((args, kwargs.get("start_new_session")))

    monkeypatch.setattr("subprocess.Popen", FakePopen)
    monkeypatch.setattr(cli.sys, "platform", "linux")
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(DATA_2023), "-o", str(out), "--open", "-q"])
    assert result.exit_code == 1  # the seed's one error; the summary is written and opened all the same
    assert launched == [(["xdg-open", str(out)], True)]
    monkeypatch.setattr(cli.sys, "platform", "darwin")
    cli.open_with_default_app(out)
    assert launched[-1] == (["open", str(out)], True)
    started = []
    monkeypatch.setattr(cli.sys, "platform", "win32")
    monkeypatch.setattr(os, "startfile", started.append, raising=False)
    cli.open_with_default_app(out)
    assert started == [out] and len(launched) == 2


def test_open_without_an_opener_says_so(tmp_path, monkeypatch):
    from perfxl import cli
    from conftest import DATA_2023

    def missing(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", "xdg-open")

    monkeypatch.setattr("subprocess.Popen", missing)
    monkeypatch.setattr(cli.sys, "platform", "linux")
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(DATA_2023), "-o", str(out), "--open", "-q"])
    assert result.exit_code == 1 and out.exists()
    assert result.output.splitlines()[-1] == f"无法自动打开汇总表（文件或文件夹不存在），请手动打开：{out}"
