"""Output safety and resource bounds: atomic writes, refusals, interruptions, crashing readers."""

import faulthandler
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import perfxl.summary as summary_module
from perfxl import workers
from perfxl.cli import main
from perfxl.model import Funds, Project
from perfxl.pipeline import consolidate
from perfxl.template import write_template
from conftest import DATA_2023, ROOT, SEED_NAMES, valid_indicators


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".~perfxl"))


def test_interrupted_write_leaves_old_output_and_no_temp_file(tmp_path, monkeypatch):
    out = tmp_path / "汇总.xlsx"
    out.write_bytes(b"old summary")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(summary_module, "_findings_sheet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        consolidate([str(DATA_2023)], out, force=True)
    assert out.read_bytes() == b"old summary"
    assert leftovers(tmp_path) == []


def test_ctrl_c_in_the_cli(tmp_path, monkeypatch):
    monkeypatch.setattr(summary_module, "_findings_sheet", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    result = CliRunner().invoke(main, ["consolidate", str(DATA_2023), "-o", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 130
    assert "已中断" in result.output
    assert not (tmp_path / "s.xlsx").exists() and leftovers(tmp_path) == []


def test_sigint_during_a_real_run(tmp_path):
    """Ctrl-C while workers read hundreds of forms: no output, no temp file, no traceback."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    folder = generate(1200, tmp_path / "forms")
    proc = subprocess.Popen([sys.executable, "-m", "perfxl", "consolidate", str(folder), "-o",
                             str(tmp_path / "s.xlsx"), "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Not before the workers exist: a signal that lands while Python itself starts ends it by the
    # default handler (exit -2), before perfxl runs at all (once in 40 runs on a loaded machine).
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 30
    while children.exists() and not children.read_text().split() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2 if children.exists() else 0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err[-500:])
    assert "Traceback" not in err
    assert "已中断" in err
    assert not (tmp_path / "s.xlsx").exists()
    assert leftovers(tmp_path) == []


def test_output_open_in_excel(tmp_path, monkeypatch):
    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    result = CliRunner().invoke(main, ["consolidate", str(DATA_2023), "-o", str(tmp_path / "s.xlsx"), "-q"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        f"错误：无法写入 {tmp_path / 's.xlsx'}：文件可能正在 Excel 或 WPS 中打开，请关闭后重试")
    assert leftovers(tmp_path) == []


def test_folder_not_writable(tmp_path, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 2
    assert result.output.strip() == f"错误：无法在 {tmp_path} 中写入（没有权限）；请换一个有写权限的文件夹"


def test_missing_output_folder(tmp_path):
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "无" / "t.xlsx")])
    assert result.exit_code == 2
    assert "输出文件夹不存在" in result.output


def test_refuses_an_input_found_in_a_folder(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    form = folder / "a.xlsx"
    form.write_bytes((DATA_2023 / f"{SEED_NAMES[0]}.xlsx").read_bytes())
    before = form.read_bytes()
    result = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(form)])
    assert result.exit_code == 2
    assert result.output.strip() == f"错误：输出文件 {form} 就是输入文件之一；请用 -o 指定另一个文件名"
    assert form.read_bytes() == before


def test_inputs_are_never_modified(tmp_path):
    import shutil

    folder = tmp_path / "in"
    shutil.copytree(DATA_2023, folder)
    stamps = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    CliRunner().invoke(main, ["validate", str(folder), "-q"])
    CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(tmp_path / "s.xlsx"), "-q"])
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir() if p in stamps} == stamps


def test_control_characters_and_overlong_text(tmp_path):
    """Text from another tool: control characters, and a goal longer than Excel's cell limit."""
    import hostile

    p = Project(name="NAME-PLACEHOLDER", department="部门", unit="单位", year="2023",
                funds_period=Funds(Decimal(1), Decimal(1)), funds_year=Funds(Decimal(1), Decimal(1)),
                goal_period="GOAL-PLACEHOLDER", goal_year="目标")
    p.indicators = valid_indicators("≥1次")
    (tmp_path / "in").mkdir()
    write_template(tmp_path / "in" / "a.xlsx", projects=[p])
    hostile._rewrite(tmp_path / "in" / "a.xlsx", "xl/sharedStrings.xml",
                     lambda xml: xml.replace(b"GOAL-PLACEHOLDER", ("长" * 40_000).encode())
                     .replace(b"NAME-PLACEHOLDER", "含_x0001_控制_x001F_字符的项目".encode()))
    result = consolidate([str(tmp_path / "in")], tmp_path / "s.xlsx")
    codes = sorted(f.code for f in result.findings if f.level == "warning")
    assert codes == ["control-characters", "missing-attribute", "text-too-long"]
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["项目汇总"]
    assert ws["B4"].value == "含控制字符的项目"
    assert len(ws["AA4"].value) == 32767  # 实施期目标


def _fake_reader(path, profile):
    name = Path(path).name
    if name == "crash.xlsx":
        faulthandler.disable()  # pytest enables it in the parent: the forked worker would dump its stack
        os.abort()
    if name == "spin.xlsx":
        while True:
            pass
    if name == "alloc.xlsx":
        blocks = []
        while True:
            blocks.append(bytearray(256 << 20))
    if name == "raise.xlsx":
        raise RuntimeError("bug")
    return [Project(name=name, file=path)], []


def test_a_crashing_or_runaway_reader_costs_one_finding(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "read_file", _fake_reader)
    monkeypatch.setattr(workers, "CPU_SECONDS_PER_FILE", 1)
    monkeypatch.setattr(workers, "MEMORY_BYTES_PER_WORKER", 1 << 30)
    names = [f"ok{i}.xlsx" for i in range(20)]
    names[3], names[9], names[14], names[17] = "crash.xlsx", "spin.xlsx", "alloc.xlsx", "raise.xlsx"
    items = [str(tmp_path / n) for n in names]
    start = time.monotonic()
    results = workers.read_parallel(items, None, 2)
    assert time.monotonic() - start < 60
    for name, (projects, findings) in zip(names, results):
        if name.startswith("ok"):
            assert [p.name for p in projects] == [name] and findings == []
        else:
            assert projects == [] and [f.code for f in findings] == ["reader-crashed"], name


def test_spawned_workers_as_on_windows(monkeypatch):
    """Windows starts workers by spawn, not fork: the pool must work that way too."""
    import multiprocessing

    from perfxl.profile import load_profile

    monkeypatch.setattr(workers, "_context", lambda: multiprocessing.get_context("spawn"))
    items = [str(p) for p in sorted(DATA_2023.glob("*.xlsx"))]
    results = workers.read_parallel(items, load_profile("2015"), 2)
    assert sorted(p.name for projects, _ in results for p in projects) == sorted(SEED_NAMES)
