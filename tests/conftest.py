"""Shared fixtures: the seed, its independent reading, and helpers that build input files."""

from __future__ import annotations

import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seed" / "2023年度项目绩效目标表.txt"
DATA_2023 = ROOT / "data" / "2023"
SEED_NAMES = [
    "市场监管局工作业务经费", "市场监管局印刷制作费", "市场监管局执法服装采购经费", "食品药品安全监管专项经费",
    "市场监管服务中心工作业务经费", "特种设备安全监管第三方技术服务经费", "腾讯企点认证客服号运营费", "质量发展专项经费",
]
SEED_YEAR_AMOUNTS = [Decimal(x) for x in ("8.2", "52.8", "24.7", "277.13", "25.4", "170", "0.6", "20")]
DEPARTMENT = "大连高新技术产业园区市场监督管理局"


def seed_forms() -> list[list[list[str]]]:
    """The seed split into forms, each a list of rows of cells (independent of perfxl)."""
    forms, current = [], None
    for line in SEED.read_text(encoding="utf-8").split("\n"):
        cells = [c.strip() for c in line.split("\t")]
        if cells[0] == "本级预算项目绩效目标表":
            current = []
            forms.append(current)
        if current is not None:
            current.append(cells)
    return forms


def seed_indicators() -> list[list[tuple[str, str]]]:
    """Per form, (三级指标, 年度指标值) read naively: the last two non-empty cells of each table row."""
    out = []
    for form in seed_forms():
        rows, inside = [], False
        for cells in form:
            filled = [c for c in cells if c]
            if filled[:1] == ["一级指标"]:
                inside = True
                continue
            if inside and filled:
                rows.append((filled[-2], filled[-1]))
        out.append(rows)
    return out


def assert_matches_seed(projects) -> None:
    """The projects are exactly the seed: names, amounts, periods, units and every value."""
    assert [p.name for p in projects] == SEED_NAMES
    assert [p.funds_year.total for p in projects] == SEED_YEAR_AMOUNTS
    assert [p.funds_year.fiscal for p in projects] == SEED_YEAR_AMOUNTS
    assert [p.funds_period.total for p in projects] == SEED_YEAR_AMOUNTS
    assert sum(p.funds_year.total for p in projects) == Decimal("578.83")
    assert sum(len(p.indicators) for p in projects) == 64
    assert {p.period for p in projects} == {"2023年1月至2023年12月"}
    assert {p.department for p in projects} == {DEPARTMENT}
    assert {p.unit for p in projects} == {DEPARTMENT}
    expected = seed_indicators()
    for project, rows in zip(projects, expected):
        assert [(i.level3, i.value) for i in project.indicators] == rows, project.name
    quality = projects[SEED_NAMES.index("质量发展专项经费")]
    assert "效益指标" not in {i.level1 for i in quality.indicators}


def valid_indicators(count: str = "≥2次") -> list:
    """The smallest indicator set the 2015 profile accepts: one 产出, one 效益, one 满意度."""
    from perfxl.model import Indicator
    from perfxl.targets import parse_target

    rows = [("产出指标", "数量指标", "次数", count), ("效益指标", "社会效益指标", "效果", "提升"),
            ("满意度指标", "服务对象满意度指标", "满意度", "≥90%")]
    return [Indicator(a, b, c, v, parse_target(v)) for a, b, c, v in rows]


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def soffice() -> str:
    """The LibreOffice binary; a test that needs it fails under CI=true, skips elsewhere."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (Debian package libreoffice-calc) is required in CI")
        pytest.skip("LibreOffice not installed")
    return found


def libreoffice_convert(source: Path, target_dir: Path, to: str = "xlsx", recalc: bool = False) -> Path:
    """Convert with LibreOffice headless in a private profile; with recalc, every formula is recomputed."""
    profile = target_dir / "lo-profile"
    profile.mkdir(parents=True, exist_ok=True)
    if recalc:
        user = profile / "user"
        user.mkdir(exist_ok=True)
        (user / "registrymodifications.xcu").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
            '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>\n'
            '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
            '<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>\n'
            '</oor:items>\n', encoding="utf-8")
    out = target_dir / "converted"
    out.mkdir(exist_ok=True)
    filter_name = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "pdf": "pdf"}.get(to, to)
    subprocess.run([soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", filter_name, "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=300)
    result = out / (source.stem + "." + to)
    assert result.exists(), f"LibreOffice did not convert {source}"
    return result


def write_workbook(path: Path, sheets: dict, merges: dict | None = None, numbers: bool = True,
                   formats: dict | None = None) -> Path:
    """A workbook with the given sheets of rows; numeric-looking text becomes numbers if asked.

    A cell given as ("=FORMULA", value) is written as a formula with its cached value.
    ``formats``: sheet name → {(row, col): number format} for number cells, e.g. "0%".
    """
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        number_formats = {at: wb.add_format({"num_format": f}) for at, f in (formats or {}).get(name, {}).items()}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, tuple):
                    ws.write_formula(r, c, value[0], None, value[1])
                elif isinstance(value, (int, float)):
                    ws.write_number(r, c, value, number_formats.get((r, c)))
                elif value in ("", None):
                    continue
                elif numbers and _is_number(value):
                    ws.write_number(r, c, float(value))
                else:
                    ws.write_string(r, c, value)
        for rng, text in (merges or {}).get(name, []):
            ws.merge_range(rng, text)
    wb.close()
    return path


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def seed_rows() -> list[list[str]]:
    return [line.split("\t") for line in SEED.read_text(encoding="utf-8").split("\n")]
