"""The benchmark's 100,000-form set: renumbered copies must be other projects with the same work."""

import re
import sys
from pathlib import Path

import perfxl
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from generate import generate, renumber  # noqa: E402


def test_renumbered_copies_read_like_the_originals_as_other_projects(tmp_path):
    originals = generate(12, tmp_path / "a")
    copies = tmp_path / "b"
    copies.mkdir()
    for path in sorted(originals.glob("*.xlsx")):
        renumber((str(path), str(copies / path.name), 10000))

    a, b = perfxl.read([originals]), perfxl.read([copies])
    assert len(a.projects) == len(b.projects) == 12
    shifted = [re.sub(r"（(\d{5})）", lambda m: f"（{int(m.group(1)) + 10000:05d}）", p.name) for p in a.projects]
    assert [p.name for p in b.projects] == shifted
    assert [p.name for p in b.projects][0].endswith("（10000）")
    assert [(p.unit, p.funds_year, len(p.indicators), p.sheet.replace("（0", "（1")) for p in a.projects] == [
        (p.unit, p.funds_year, len(p.indicators), p.sheet) for p in b.projects]
    assert [(f.code, Path(f.file).name, f.sheet.replace("（0", "（1"), f.cell) for f in a.findings] == [
        (f.code, Path(f.file).name, f.sheet, f.cell) for f in b.findings]

    both = perfxl.read([originals, copies])
    assert len(both.projects) == 24
    assert not [f for f in both.findings if f.code == "duplicate-project"]
