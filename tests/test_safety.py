"""Issue 12, one test (or more) per reproduction: nothing a user owns is overwritten; no file can
crash, hang or silently drop out of a run; signals and write failures end cleanly."""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import perfxl
from perfxl.cli import main
from perfxl.pipeline import consolidate, read
from perfxl.template import write_template
from conftest import DATA_2023, write_workbook
from mutants import biff_filepass, ods_encrypted

FORMS = sorted(DATA_2023.glob("*.xlsx"))
QUALITY = DATA_2023 / "质量发展专项经费.xlsx"
FORMATS = Path(__file__).parent / "fixtures" / "formats"
CRASH = Path(__file__).parent / "fixtures" / "crash"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "perfxl", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def forms_folder(tmp_path: Path, name="表格") -> Path:
    folder = tmp_path / name
    shutil.copytree(DATA_2023, folder)
    return folder


def temp_leftovers(*folders) -> list[str]:
    return sorted(p.name for f in folders for p in Path(f).iterdir() if p.name.startswith((".~perfxl", "perfxl-")))


# 1. The output rule --------------------------------------------------------------------------

def test_template_does_not_replace_a_filled_form(tmp_path):
    folder = forms_folder(tmp_path)
    form = folder / "质量发展专项经费.xlsx"
    before = form.read_bytes()
    result = CliRunner().invoke(main, ["template", "-o", str(form)])
    assert result.exit_code == 2
    assert result.output.strip() == (f"错误：{form} 已经存在，且不是 perfxl 写出的模板（或已被其他程序改过）；"
                                     "未写出任何文件。请换一个文件名，或加 --force 覆盖")
    assert form.read_bytes() == before
    assert CliRunner().invoke(main, ["template", "-o", str(form), "--force"]).exit_code == 0
    assert form.read_bytes() != before


def test_a_template_perfxl_wrote_is_replaced_but_not_once_saved_by_another_program(tmp_path):
    out = tmp_path / "模板.xlsx"
    write_template(out, year=2023)
    write_template(out, year=2024)  # its own, unchanged: replaced without --force
    with zipfile.ZipFile(out) as zf:
        assert b"2024-01-01T00:00:00Z</dcterms:created>" in zf.read("docProps/core.xml")
    # Saved again by a spreadsheet program: “modified” moves on, so it is somebody's file now.
    with zipfile.ZipFile(out) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["docProps/core.xml"] = parts["docProps/core.xml"].replace(
        b"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">2024-01-01T00:00:00Z",
        b"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">2024-03-05T10:00:00Z")
    with zipfile.ZipFile(out, "w") as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    before = out.read_bytes()
    with pytest.raises(perfxl.UsageError, match="或已被其他程序改过"):
        write_template(out, year=2024)
    assert out.read_bytes() == before


def test_a_summary_is_not_a_template(tmp_path):
    summary = tmp_path / "汇总.xlsx"
    consolidate([str(QUALITY)], summary)
    with pytest.raises(perfxl.UsageError, match="不是 perfxl 写出的模板"):
        write_template(summary)
    consolidate([str(QUALITY)], summary)  # but a summary replaces its own kind


def test_consolidate_does_not_replace_a_workbook_that_is_no_summary(tmp_path):
    other = tmp_path / "已填.xlsx"
    shutil.copy(QUALITY, other)
    before = other.read_bytes()
    result = cli("consolidate", DATA_2023, "-o", other, "-q")
    assert result.returncode == 2
    assert result.stderr.strip() == (f"错误：{other} 已经存在，且不是 perfxl 写出的汇总表（或已被其他程序改过）；"
                                     "未写出任何文件。请换一个文件名，或加 --force 覆盖")
    assert other.read_bytes() == before


def test_csv_dir_never_replaces_an_input_or_a_foreign_csv(tmp_path):
    csv_dir = tmp_path / "csv"
    consolidate([str(DATA_2023)], tmp_path / "s.xlsx", csv_dir=csv_dir)
    own = (csv_dir / "项目汇总.csv").read_bytes()
    # An input given on the command line is never replaced, even with --force.
    result = cli("consolidate", DATA_2023, csv_dir / "项目汇总.csv", "-o", tmp_path / "s.xlsx",
                 "--csv-dir", csv_dir, "--force", "-q")
    assert result.returncode == 2
    assert result.stderr.strip() == f"错误：输出文件 {csv_dir / '项目汇总.csv'} 就是输入文件之一；请用 -o 指定另一个文件名"
    assert (csv_dir / "项目汇总.csv").read_bytes() == own
    # Somebody's own findings.csv: refused, and nothing written (the summary neither).
    (csv_dir / "校验问题.csv").write_text("我的笔记\n", encoding="utf-8")
    (tmp_path / "s.xlsx").unlink()
    result = cli("consolidate", DATA_2023, "-o", tmp_path / "s.xlsx", "--csv-dir", csv_dir, "-q")
    assert result.returncode == 2 and "校验问题.csv 已经存在" in result.stderr
    assert not (tmp_path / "s.xlsx").exists()
    assert (csv_dir / "校验问题.csv").read_text(encoding="utf-8") == "我的笔记\n"
    # perfxl's own CSVs are replaced without --force.
    (csv_dir / "校验问题.csv").unlink()
    assert cli("consolidate", DATA_2023, "-o", tmp_path / "s.xlsx", "--csv-dir", csv_dir, "-q").returncode == 1


def test_symlinked_folder_and_hard_link_are_the_input_itself(tmp_path):
    folder = forms_folder(tmp_path, "t")
    (tmp_path / "tl").symlink_to(folder)
    form = folder / "质量发展专项经费.xlsx"
    before = form.read_bytes()
    for output in (tmp_path / "tl" / "质量发展专项经费.xlsx", tmp_path / "hard.xlsx"):
        if output.name == "hard.xlsx":
            os.link(form, output)
        result = cli("consolidate", folder, "-o", output, "--force", "-q")
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip() == f"错误：输出文件 {output} 就是输入文件之一；请用 -o 指定另一个文件名"
        assert form.read_bytes() == before


def test_new_files_get_the_umask_mode_and_a_replaced_file_keeps_its_mode(tmp_path):
    old = os.umask(0o002)
    try:
        write_template(tmp_path / "t.xlsx")
        consolidate([str(QUALITY)], tmp_path / "s.xlsx", csv_dir=tmp_path / "csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "t.xlsx").stat().st_mode) == 0o664
    assert stat.S_IMODE((tmp_path / "s.xlsx").stat().st_mode) == 0o664
    assert stat.S_IMODE((tmp_path / "csv" / "项目汇总.csv").stat().st_mode) == 0o664
    os.chmod(tmp_path / "s.xlsx", 0o640)
    consolidate([str(QUALITY)], tmp_path / "s.xlsx")
    assert stat.S_IMODE((tmp_path / "s.xlsx").stat().st_mode) == 0o640


@pytest.mark.parametrize("name", ["模板.xls", "模板.xlsm", "模板.ods", "模板"])
def test_a_suffix_that_does_not_match_what_is_written_is_refused(tmp_path, name):
    for args in (["template", "-o", str(tmp_path / name)], ["consolidate", str(QUALITY), "-o", str(tmp_path / name)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2
        assert result.output.strip() == (f"错误：输出文件 {tmp_path / name} 的扩展名不对：perfxl 写出的是 .xlsx 文件；"
                                         "请把文件名改为以 .xlsx 结尾")
    assert list(tmp_path.iterdir()) == []


# 2. Readers that panic or abort ----------------------------------------------------------------

def test_a_panicking_xls_alone_is_one_finding(tmp_path):
    result = cli("validate", CRASH / "panic.xls", "--format", "json", "-q")
    assert result.returncode == 2  # no form found: the one line says so, and nothing of Rust or Python
    assert [(f["code"], f["file"]) for f in json.loads(result.stdout)] == [("reader-crashed", "panic.xls")]
    assert result.stderr == "错误：检查了 1 个文件，没有找到任何绩效目标表（读不了的文件已在上面列出）。\n"


def test_panicking_and_aborting_files_among_good_ones_cost_one_finding_each(tmp_path):
    folder = forms_folder(tmp_path)
    shutil.copy(CRASH / "panic.xls", folder)
    shutil.copy(CRASH / "abort.xls", folder)
    result = cli("consolidate", folder, "-o", tmp_path / "s.xlsx", "--csv-dir", tmp_path / "csv")
    assert result.returncode == 1
    assert "panicked" not in result.stderr and "Traceback" not in result.stderr and "内部错误" not in result.stderr
    crashed = sorted(line.split(" ")[0] for line in result.stdout.splitlines() if "reader-crashed" in line)
    assert crashed == ["表格/abort.xls", "表格/panic.xls"]  # named relative to the folder given
    assert "已写出汇总表" in result.stdout and "8 个项目" in result.stdout


def test_every_file_is_read_in_a_worker_even_one(monkeypatch):
    from perfxl import workers

    calls = []
    real = workers.read_parallel
    monkeypatch.setattr("perfxl.pipeline.read_parallel", lambda *a, **k: calls.append(len(a[0])) or real(*a, **k))
    assert len(read([str(QUALITY)]).projects) == 1
    assert calls == [1]


# 3. Devices, FIFOs, endless files, bombs -------------------------------------------------------

def test_fifo_and_dev_zero_named_xlsx_are_findings_not_hangs(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    os.mkfifo(folder / "x.xlsx")
    (folder / "zero.xlsx").symlink_to("/dev/zero")
    shutil.copy(QUALITY, folder)
    result = cli("validate", folder, "--format", "json", "-q")
    assert result.returncode == 1
    codes = {(Path(f["file"]).name, f["code"]) for f in json.loads(result.stdout)}
    assert {("x.xlsx", "not-regular-file"), ("zero.xlsx", "not-regular-file")} <= codes
    explicit = cli("validate", folder / "x.xlsx", "-q")
    assert explicit.returncode == 2 and "not-regular-file" in explicit.stdout
    imported = cli("import", folder / "x.xlsx", "-o", tmp_path / "out")
    assert imported.returncode == 2
    assert imported.stderr.strip() == (f"错误：{folder / 'x.xlsx'}：这不是普通文件（是设备、管道或套接字），未读取；"
                                       "请确认是 Word 导出的 .docx 或文本文件")


def test_a_docx_that_inflates_without_bound_is_refused_before_parsing(tmp_path):
    from test_import import build_docx

    source = build_docx(tmp_path / "a.docx")
    with zipfile.ZipFile(source) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"<w:t>", b"<w:t>" + b"A" * (300 << 20), 1)
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    del parts
    assert bomb.stat().st_size < 2 << 20
    result = cli("import", bomb, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.strip() == (f"错误：{bomb}：解压后体积异常巨大（疑似压缩炸弹），已跳过；"
                                     "请确认是 Word 导出的 .docx 或文本文件")


# 4. Folder walking ---------------------------------------------------------------------------

def test_symlinked_folders_are_read_once_and_loops_are_said(tmp_path):
    folder = forms_folder(tmp_path)
    outside = tmp_path / "别处"
    outside.mkdir()
    shutil.copy(QUALITY, outside / "外部.xlsx")
    (folder / "链接").symlink_to(outside)
    (folder / "循环").symlink_to(folder)
    result = read([str(folder)])
    assert len(result.projects) == 9  # the linked folder's form is read
    loops = [(f.code, f.file) for f in result.findings if f.code == "folder-loop"]
    assert loops == [("folder-loop", "表格/循环")]


def test_an_unreadable_folder_is_a_finding(tmp_path, monkeypatch):
    folder = forms_folder(tmp_path)
    (folder / "锁住").mkdir()
    real = os.scandir

    def scandir(path):
        if Path(path).name == "锁住":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)  # the tests run as root, whom chmod 000 does not stop
    result = read([str(folder)])
    assert [(f.code, f.file, f.message) for f in result.findings if f.code == "folder-unreadable"] == [
        ("folder-unreadable", "表格/锁住",
         "无法查看此文件夹里的文件（没有权限），其中的表格未读取：请检查文件夹的权限和名称长度，或把表格移到别处")]


def test_a_path_longer_than_the_system_allows_is_a_finding(tmp_path):
    folder = forms_folder(tmp_path)
    fd = os.open(folder, os.O_RDONLY)
    name = "长" * 80  # 240 bytes
    for _ in range(20):  # 20 × 241 bytes: beyond PATH_MAX (4096)
        os.mkdir(name, dir_fd=fd)
        inner = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)
    result = read([str(folder)])
    assert len(result.projects) == 8
    (gap,) = [f for f in result.findings if f.code == "folder-unreadable"]
    assert "文件名太长" in gap.message


# 5 and 12. Names that are not UTF-8, or that would steer the terminal ---------------------------

def test_a_name_with_invalid_utf8_bytes(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    name = os.fsdecode(b"\xff\xfe\xe5\x9d\x8f.xlsx")
    shutil.copy(QUALITY, folder / name)
    result = cli("consolidate", folder, "-o", tmp_path / "s.xlsx", "--csv-dir", tmp_path / "csv")
    assert result.returncode == 1, result.stderr
    assert "f/\\xff\\xfe坏.xlsx!质量发展专项经费!B4 错误 missing-level1" in result.stdout
    import python_calamine

    rows = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "s.xlsx")).get_sheet_by_name("项目汇总").to_python()
    assert rows[3][rows[2].index("来源文件")] == "f/\\xff\\xfe坏.xlsx"
    findings = json.loads(cli("validate", folder, "--format", "json", "-q").stdout)
    assert {(f["file"], f["path"]) for f in findings} == {(f"f/{name}", str(folder / name))}  # exact, \udcff in JSON


def test_control_bidi_and_zero_width_characters_in_names_are_made_visible(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    name = "a\nb\x1b[31m\u202eslx.xlsx\u200b.xlsx"
    shutil.copy(QUALITY, folder / name)
    result = cli("validate", folder / name, "-q")
    lines = result.stdout.splitlines()
    shown = "a\\x0ab\\x1b[31m\\u202eslx.xlsx\\u200b.xlsx!"  # a file named itself is shown by its name
    assert all(line.startswith(shown) for line in lines[:-1]) and lines[-1].startswith("共检查 1 个文件")
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    findings = json.loads(cli("validate", folder / name, "--format", "json", "-q").stdout)
    assert (findings[0]["file"], findings[0]["path"]) == (name, str(folder / name))


# 6. Summaries received are checked like forms --------------------------------------------------

def _summary_with_amounts(tmp_path: Path, amounts: list) -> Path:
    """A workbook that looks like a perfxl summary, with the given 年度金额 (text or numbers)."""
    header = ["序号", "项目名称", "主管部门", "实施单位", "年度金额", "来源文件", "来源工作表"]
    rows = [["2023年度 某局 项目绩效目标汇总表"], ["单位：万元"], header]
    rows += [[i + 1, f"项目{i + 1}", "某局", "某单位", a, f"部门/表{i + 1}.xlsx", "Sheet1"] for i, a in enumerate(amounts)]
    return write_workbook(tmp_path / "收到的汇总.xlsx", {"项目汇总": rows, "指标明细": [["项目名称", "三级指标", "年度指标值"]]},
                          numbers=False)


def test_non_finite_and_absurd_amounts_in_a_received_summary(tmp_path):
    summary = _summary_with_amounts(tmp_path, ["NaN", "Infinity", "1e999999", 1e308, 1e308, 8.5])
    result = cli("consolidate", summary, "-o", tmp_path / "s.xlsx", "--csv-dir", tmp_path / "csv")
    assert result.returncode == 1, result.stderr
    assert "内部错误" not in result.stderr
    found = [line.split(" ")[:3] for line in result.stdout.splitlines() if "amount-" in line]
    assert found == [["收到的汇总.xlsx!项目汇总!E4", "错误", "amount-not-number"],
                     ["收到的汇总.xlsx!项目汇总!E5", "错误", "amount-not-number"],
                     ["收到的汇总.xlsx!项目汇总!E6", "错误", "amount-too-large"],
                     ["收到的汇总.xlsx!项目汇总!E7", "错误", "amount-too-large"],
                     ["收到的汇总.xlsx!项目汇总!E8", "错误", "amount-too-large"]]
    assert "6 个项目" in result.stdout and "年度金额合计 8.50 万元" in result.stdout
    csv_text = (tmp_path / "csv" / "项目汇总.csv").read_text(encoding="utf-8-sig")
    assert "inf" not in csv_text.lower()
    assert "收到的汇总.xlsx > 部门/表6.xlsx" in csv_text  # the summary received, then the source it names


# 7. Signals ------------------------------------------------------------------------------------

HOLD = """
import sys, time
from perfxl import cli, workers, summary
MARKER = sys.argv[2]
def slow_read(path, profile):
    time.sleep(600)
workers.read_file = slow_read if sys.argv[1] == "read" else workers.read_file
def slow_sheet(*a):
    open(MARKER, "w").close()
    time.sleep(600)
summary._findings_sheet = slow_sheet if sys.argv[1] == "write" else summary._findings_sheet
sys.argv = ["perfxl", *sys.argv[3:]]
cli.entry()
"""


def _children(pid: int) -> list[int]:
    out = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            out = [int(c) for c in fh.read().split()]
    except FileNotFoundError:
        pass
    return out + [g for c in out for g in _children(c)]


def _gone(pids, seconds=20) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        alive = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    if fh.read().split(") ")[1][0] != "Z":
                        alive.append(pid)
            except FileNotFoundError:
                pass
        if not alive:
            return True
        time.sleep(0.1)
    return False


def _start(tmp_path, stage: str, folder: Path):
    marker = tmp_path / "writing"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", HOLD, stage, str(marker), "consolidate", str(folder), "-o",
                             str(tmp_path / "out" / "s.xlsx"), "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(Path(perfxl.__file__).parent.parent)})
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if (stage == "read" and _children(proc.pid)) or (stage == "write" and marker.exists()):
            break
        time.sleep(0.05)
    time.sleep(0.3)
    return proc, tmp


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
@pytest.mark.parametrize("stage", ["read", "write"])
def test_a_signal_ends_the_run_like_ctrl_c(tmp_path, sig, stage):
    (tmp_path / "out").mkdir()
    proc, tmp = _start(tmp_path, stage, DATA_2023)
    workers = _children(proc.pid)
    assert stage == "write" or workers
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert err.strip() == "已中断，未写出任何文件。"
    assert _gone(workers)
    assert list((tmp_path / "out").iterdir()) == []
    assert list(tmp.iterdir()) == []


def test_workers_end_when_the_parent_is_killed(tmp_path):
    (tmp_path / "out").mkdir()
    proc, tmp = _start(tmp_path, "read", DATA_2023)
    workers = _children(proc.pid)
    assert workers
    proc.kill()
    proc.communicate(timeout=60)
    assert _gone(workers)
    assert list(tmp.iterdir()) == [] and list((tmp_path / "out").iterdir()) == []


# 8. Write failures -----------------------------------------------------------------------------

def test_a_full_disk_is_one_line_and_the_old_output_stays(tmp_path, monkeypatch):
    out = tmp_path / "s.xlsx"
    consolidate([str(QUALITY)], out)
    before = out.read_bytes()

    def full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)
    monkeypatch.setattr(zipfile.ZipFile, "write", full)
    result = CliRunner().invoke(main, ["consolidate", str(DATA_2023), "-o", str(out), "-q"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == f"错误：无法写入 {out}（磁盘已满）；原有文件未改动"
    assert out.read_bytes() == before
    assert temp_leftovers(tmp_path) == []


def test_an_unwritable_csv_dir_is_said_before_anything_is_written(tmp_path):
    result = cli("consolidate", DATA_2023, "-o", tmp_path / "s.xlsx", "--csv-dir", "/proc/perfxl-不能写", "-q")
    assert result.returncode == 2
    assert result.stderr.startswith("错误：无法在 /proc/perfxl-不能写 中写入（")
    assert "内部错误" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "s.xlsx").exists()


def test_a_vanished_output_folder_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "没有" / "t.xlsx")])
    assert result.exit_code == 2
    assert result.output.strip() == f"错误：输出文件夹不存在：{tmp_path / '没有'}；请先创建它或换一个位置"


# 9. Absurd amounts -----------------------------------------------------------------------------

def _form_with_year_amount(path: Path, raw) -> str:
    """A filled form whose 年度金额 cell holds ``raw`` (a number, or text); returns that cell."""
    import re

    import hostile
    from perfxl.model import Funds, Project
    from conftest import valid_indicators

    p = Project(name="大额项目", department="部门", unit="单位", year="2023", goal_period="目标", goal_year="目标",
                funds_period=Funds(Decimal(1), Decimal(1)), funds_year=Funds(Decimal("123456.789"), Decimal(1)))
    p.indicators = valid_indicators()
    write_template(path, projects=[p])
    found = []

    def change(xml: bytes) -> bytes:
        m = re.search(rb'<c r="([A-Z]+[0-9]+)"([^>]*)><v>123456.789</v></c>', xml)
        found.append(m.group(1).decode())
        cell = (b'<c r="%s"%s><v>%s</v></c>' % (m.group(1), m.group(2), repr(raw).encode()) if isinstance(raw, float)
                else b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (m.group(1), raw.encode()))
        return xml[:m.start()] + cell + xml[m.end():]

    hostile._rewrite(path, "xl/worksheets/sheet1.xml", change)
    return found[0]


@pytest.mark.parametrize("amount", [1e28, 1e300, "1e28", "99999999999999999999999999999", "1e999999万元"])
def test_an_absurd_amount_is_a_finding_and_the_project_is_kept(tmp_path, amount):
    cell = _form_with_year_amount(tmp_path / "a.xlsx", amount)
    result = read([str(tmp_path / "a.xlsx")])
    assert [p.name for p in result.projects] == ["大额项目"]
    (huge,) = [f for f in result.findings if f.code == "amount-too-large"]
    assert huge.cell == cell and huge.level == "error"
    assert result.projects[0].funds_year.total is None


# 10. Password-protected .xls and .ods ----------------------------------------------------------

def test_encrypted_xls_and_ods_are_said_to_have_a_password(tmp_path):
    import random

    for source in sorted(FORMATS.iterdir()):
        data = source.read_bytes()
        mutated = biff_filepass(data, random.Random(1)) if source.suffix == ".xls" else ods_encrypted(data, random.Random(1))
        (tmp_path / source.name).write_bytes(mutated)
    result = read([str(tmp_path)])
    assert sorted((Path(f.file).suffix, f.code) for f in result.findings) == [(".ods", "encrypted"), (".xls", "encrypted")]


# 11. Library arguments -------------------------------------------------------------------------

def test_library_arguments_are_checked_up_front(tmp_path):
    assert len(read(p for p in map(str, FORMS)).projects) == 8  # a generator is read once, not used up
    assert len(read(os.fsencode(DATA_2023)).projects) == 8
    assert len(read([DATA_2023]).projects) == 8
    with pytest.raises(TypeError, match="paths 应是路径或路径的列表，而不是 None"):
        read(None)
    with pytest.raises(TypeError, match="paths 中的一项 应是路径"):
        read([str(QUALITY), 3])
    with pytest.raises(ValueError, match="paths 是空的"):
        read([])
    with pytest.raises(TypeError, match="title 应是文字"):
        consolidate([str(QUALITY)], tmp_path / "s.xlsx", title=123)
    for year in ("abc", 1999, 2101, "20 23"):
        with pytest.raises(ValueError, match="应是 2000–2100 之间的年份"):
            write_template(tmp_path / "t.xlsx", year=year)
    with pytest.raises(TypeError):
        write_template(tmp_path / "t.xlsx", year=2023.5)
    assert list(tmp_path.iterdir()) == []
    write_template(tmp_path / "t.xlsx", year="2100")


def test_years_outside_2000_2100_are_refused_by_the_cli(tmp_path):
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "t.xlsx"), "--year", "1999"])
    assert result.exit_code == 2
    assert result.output.strip() == "错误：--year 的值不对：应是 2000–2100 之间的年份；用 perfxl template -h 查看用法"


def test_many_copies_of_one_project_cost_linear_memory():
    """The ods fuzz run found a sheet holding 16,383 copies of a form: each duplicate-project finding
    listed every other copy, 16,383² places (23 GB, killed by the OOM killer). Now a few and a count."""
    from perfxl.model import Project
    from perfxl.rules import check_duplicates

    copies = [Project(name="重复项目", unit="某单位", file=f"f{i}.xlsx", sheet="Sheet1") for i in range(3000)]
    findings = check_duplicates(copies)
    assert len(findings) == 3000
    assert findings[0].message == ("项目“重复项目”（某单位）重复出现，另见 f1.xlsx!Sheet1；f2.xlsx!Sheet1；f3.xlsx!Sheet1；"
                                   "f4.xlsx!Sheet1；f5.xlsx!Sheet1 等 2999 处：请删除重复的一份")
    assert max(len(f.message) for f in findings) < 200


def test_an_interrupt_python_dropped_in_a_callback_still_ends_the_run(tmp_path, monkeypatch):
    """Ctrl-C landing while Python runs an import-lock or weakref callback is printed as “Exception
    ignored” and dropped; the note the handler left makes the next progress call end the run."""
    from click.testing import CliRunner

    from perfxl import cli

    monkeypatch.setattr(cli, "_signal_received", [signal.SIGINT])
    result = CliRunner().invoke(cli.main, ["consolidate", str(DATA_2023), "-o", str(tmp_path / "s.xlsx"), "-q"])
    assert result.exit_code == 130
    assert "已中断" in result.output
    assert not (tmp_path / "s.xlsx").exists()
