"""Fuzz: seeded mutants of valid forms go through perfxl; nothing crashes, nothing is lost.

PERFXL_FUZZ_COUNT and PERFXL_FUZZ_SEED make a larger or another run (bench/fuzz.py runs many).
Every mutant replays from its seed and index (see mutants.make_mutant).
"""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mutants import MUTATORS, make_mutant
from conftest import DATA_2023, SEED_NAMES

SEED = int(os.environ.get("PERFXL_FUZZ_SEED", "2023"))
COUNT = int(os.environ.get("PERFXL_FUZZ_COUNT", "120"))
FIXTURES = Path(__file__).parent / "fixtures" / "fuzz"


def write_mutants(folder: Path, seed: int, count: int) -> list[Path]:
    sources = [(DATA_2023 / f"{name}.xlsx").read_bytes() for name in SEED_NAMES]
    paths = []
    for i in range(count):
        name, data = make_mutant(sources[i % len(sources)], seed, i)
        path = folder / f"{i:04d}-{name}.xlsx"
        path.write_bytes(data)
        paths.append(path)
    return paths


def run(*args, timeout=600, codes=(0, 1)):
    proc = subprocess.run([sys.executable, "-m", "perfxl", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-3000:]
    assert proc.returncode in codes, (proc.returncode, proc.stderr[-2000:])
    return proc


def accounted(csv_dir: Path) -> set[str]:
    """Files that reached the summary: as a project's source or in a finding."""
    seen = set()
    with open(csv_dir / "项目汇总.csv", encoding="utf-8-sig", newline="") as fh:
        seen |= {row["来源文件"] for row in csv.DictReader(fh)}
    with open(csv_dir / "校验问题.csv", encoding="utf-8-sig", newline="") as fh:
        seen |= {row["文件"] for row in csv.DictReader(fh)}
    return seen


def test_mutants_never_crash_and_every_input_is_accounted_for(tmp_path):
    folder = tmp_path / "mutants"
    folder.mkdir()
    paths = write_mutants(folder, SEED, COUNT)
    assert {p.name.split("-", 1)[1][:-5] for p in paths} == {m.__name__ for m in MUTATORS}
    run("consolidate", str(folder), "-o", str(tmp_path / "汇总.xlsx"), "--csv-dir", str(tmp_path / "csv"), "-q")
    names = {f"mutants/{p.name}" for p in paths}  # files are named relative to the folder given
    missing = names - accounted(tmp_path / "csv")
    assert not missing, sorted(missing)[:5]
    proc = run("validate", str(folder), "--format", "json", "-q")
    files = {f["file"] for f in json.loads(proc.stdout)}
    clean = names - files
    # A mutant without any finding must still have been read as a whole project.
    with open(tmp_path / "csv" / "项目汇总.csv", encoding="utf-8-sig", newline="") as fh:
        sources = {row["来源文件"] for row in csv.DictReader(fh)}
    assert clean <= sources


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.xlsx")), ids=lambda p: p.name)
def test_regression_fixtures(fixture, tmp_path):
    """Files that once broke perfxl or got lost (kept in tests/fixtures/fuzz/): each is now
    read into a project or reported, with no traceback."""
    proc = run("validate", str(fixture), "--format", "json", "-q", codes=(0, 1, 2))
    findings = json.loads(proc.stdout)
    if proc.returncode == 2:  # no form could be read from it: one line says so, a finding says why
        assert proc.stderr.startswith("错误：检查了 1 个文件，没有找到任何绩效目标表")
        assert fixture.name in {f["file"] for f in findings}
    if fixture.name not in {f["file"] for f in findings}:  # a file named itself is shown by its name
        run("consolidate", str(fixture), "-o", str(tmp_path / "s.xlsx"), "--csv-dir", str(tmp_path / "csv"), "-q")
        assert fixture.name in accounted(tmp_path / "csv")
