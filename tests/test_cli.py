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


@pytest.mark.parametrize("command", ["template", "import", "validate", "consolidate"])
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
