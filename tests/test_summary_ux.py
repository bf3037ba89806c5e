"""What the bureau sees in the summary (issue 14): years, blank forms, contacts, paths, time, print."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from collections import Counter
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.model import Funds, Project
from perfxl.pipeline import consolidate, read
from perfxl.template import write_template
from conftest import DATA_2023, SEED_NAMES, libreoffice_convert, valid_indicators, write_workbook


def rows_of(path, sheet):
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(
        skip_empty_area=False)


def records(path, sheet="项目汇总"):
    """Data rows of a summary sheet as dicts (header on row 3), without the 合计 row."""
    rows = rows_of(path, sheet)
    return [dict(zip(rows[2], r)) for r in rows[3:] if r[0] not in ("", "合计")]


def form(name, year="2024", unit="甲所", department="甲局", amount="10", **fields) -> Project:
    p = Project(name=name, department=department, unit=unit, period=f"{year}年1月至{year}年12月", year=year,
                funds_period=Funds(Decimal(amount), Decimal(amount), None),
                funds_year=Funds(Decimal(amount), Decimal(amount), None), goal_period="目标", goal_year="目标",
                attribute="新增项目", **fields)
    p.indicators = valid_indicators()
    return p


# ---- 2. years -------------------------------------------------------------------------------------

def test_mixed_years_are_a_warning_and_the_title_names_both(tmp_path):
    for i in range(2):
        write_template(tmp_path / f"新{i}.xlsx", projects=[form(f"新项目{i}")], year=2024)
    result = CliRunner().invoke(main, ["consolidate", str(DATA_2023), str(tmp_path / "新0.xlsx"),
                                       str(tmp_path / "新1.xlsx"), "-o", str(tmp_path / "s.xlsx"), "-q"])
    assert result.exit_code == 1, result.output  # the seed's one error
    warning = "警告 mixed-years 项目的年度不一致（8 个项目为 2023 年度，2 个为 2024 年度）：汇总表标题写作“2023、2024年度”"
    assert warning in result.output
    assert rows_of(tmp_path / "s.xlsx", "项目汇总")[0][0] == "2023、2024年度 项目绩效目标汇总表"
    assert Counter(r["年度"] for r in records(tmp_path / "s.xlsx")) == {"2023": 8, "2024": 2}
    # Read again (as the bureau would), the summary's years are judged afresh: one warning, not two.
    again = read([str(tmp_path / "s.xlsx")])
    assert [f.code for f in again.findings].count("mixed-years") == 0
    assert [f.code for f in consolidate([str(tmp_path / "s.xlsx")], tmp_path / "again.xlsx").findings
            ].count("mixed-years") == 1
    # --year picks the summary's year; the warning stays, saying so.
    result = CliRunner().invoke(main, ["consolidate", str(DATA_2023), str(tmp_path / "新0.xlsx"), "--year", "2024",
                                       "-o", str(tmp_path / "y.xlsx"), "-q"])
    assert rows_of(tmp_path / "y.xlsx", "项目汇总")[0][0] == "2024年度 项目绩效目标汇总表"
    assert "8 个项目为 2023 年度，1 个为 2024 年度）：汇总表按指定的年度定为 2024 年度" in result.output
    # One year: no warning.
    one = consolidate([str(DATA_2023)], tmp_path / "one.xlsx")
    assert not [f for f in one.findings if f.code == "mixed-years"]
    assert one.title == "2023年度 大连高新技术产业园区市场监督管理局 项目绩效目标汇总表"
    assert CliRunner().invoke(main, ["consolidate", str(DATA_2023), "--year", "1800", "-o",
                                     str(tmp_path / "z.xlsx")]).exit_code == 2


def test_a_department_summary_keeps_its_years_for_the_bureau(tmp_path, monkeypatch):
    """A department summary with its own --title still carries each project's year: the bureau
    re-consolidating it with two 2024 forms is told 9 projects are 2023 and 2 are 2024."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(DATA_2023, "局")
    write_template("局/补充.xlsx", projects=[form("补充项目", year="2023", unit="大连高新技术产业园区市场监督管理局",
                                                department="大连高新技术产业园区市场监督管理局")])
    consolidate(["局"], "部门汇总.xlsx", title="市场监管局绩效目标汇总")
    assert rows_of("部门汇总.xlsx", "项目汇总")[0][0] == "市场监管局绩效目标汇总"
    for i in range(2):
        write_template(f"新{i}.xlsx", projects=[form(f"新项目{i}")])
    bureau = consolidate(["部门汇总.xlsx", "新0.xlsx", "新1.xlsx"], "全局汇总.xlsx")
    mixed = [f for f in bureau.findings if f.code == "mixed-years"]
    assert [f.message.split("：")[0] for f in mixed] == ["项目的年度不一致（9 个项目为 2023 年度，2 个为 2024 年度）"]
    assert bureau.title == "2023、2024年度 项目绩效目标汇总表"
    assert Counter(p.year for p in bureau.projects) == {"2023": 9, "2024": 2}


def test_an_older_summary_without_a_year_column_gives_its_titles_year(tmp_path):
    """Summaries written before the 年度 column: the title's year, as before."""
    out = consolidate([str(DATA_2023)], tmp_path / "s.xlsx").written
    wb = openpyxl.load_workbook(out)
    ws = wb["项目汇总"]
    ws.delete_cols(6)  # 年度
    wb.save(tmp_path / "old.xlsx")
    again = read([str(tmp_path / "old.xlsx")])
    assert [p.year for p in again.projects] == ["2023"] * 8


# ---- 3. blank forms -------------------------------------------------------------------------------

def test_blank_template_sheets_are_skipped_with_a_notice(tmp_path):
    """`perfxl template --sheets 3` with one sheet filled: one project, two blank sheets said once each."""
    runner = CliRunner()
    assert runner.invoke(main, ["template", "--sheets", "3", "--year", "2024", "--department", "甲局",
                                "-o", str(tmp_path / "t.xlsx")]).exit_code == 0
    write_template(tmp_path / "filled.xlsx", projects=[form("道路养护")])
    result = runner.invoke(main, ["validate", str(tmp_path / "t.xlsx"), str(tmp_path / "filled.xlsx"), "-q"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"t.xlsx!项目{i}!B4 提示 blank-form 此表什么也没有填写（项目名称、金额、目标、指标都为空），已跳过："
        "如果这是要申报的项目，请填写后再提交" for i in (1, 2, 3)] + [
        "共检查 2 个文件、1 个项目：错误 0 个，警告 0 个，提示 3 个；3 张空白表未填写，已跳过。"]
    alone = runner.invoke(main, ["validate", str(tmp_path / "t.xlsx"), "-q"])  # nothing filled in at all
    assert alone.exit_code == 2
    assert alone.output.splitlines()[-1] == "错误：检查了 1 个文件，没有找到任何绩效目标表（3 张表什么也没有填写，已跳过）。"
    out = tmp_path / "s.xlsx"
    result = runner.invoke(main, ["consolidate", str(tmp_path / "t.xlsx"), str(tmp_path / "filled.xlsx"),
                                  "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        f"已写出汇总表：{out}（1 个项目、3 个指标，年度金额合计 10.00 万元；错误 0 个，警告 0 个；"
        "3 张空白表未填写，已跳过；另有提示 3 个，见汇总表的“校验问题”工作表）")
    assert [r["项目名称"] for r in records(out)] == ["道路养护"]
    assert [r[1] for r in rows_of(out, "资金汇总")[3:] if r[1]] == ["甲局", "合计", "甲所", "合计"]
    about = {r[0]: r[1] for r in rows_of(out, "说明")}
    assert about["空白表"] == "3 张，什么也没有填写，已跳过（见校验问题）" and about["项目数"] == "1"


def test_a_form_with_only_a_name_is_a_project_with_its_errors(tmp_path):
    p = Project(name="只写了名称")
    write_template(tmp_path / "x.xlsx", projects=[p])
    result = read([str(tmp_path / "x.xlsx")])
    assert [q.name for q in result.projects] == ["只写了名称"]
    assert "no-indicators" in {f.code for f in result.findings} and result.blank_forms == 0


def test_charts_and_rollups_never_show_an_empty_name(tmp_path):
    """Blank 实施单位 / 项目名称: the rollup group and the chart label read （未填写）, and the group's
    COUNTIFS/SUMIFS count the blank cells (recalculated by LibreOffice), 合计 rows add up."""
    write_template(tmp_path / "a.xlsx", projects=[form("有单位", amount="10")])
    write_template(tmp_path / "b.xlsx", projects=[form("无单位一", unit="", amount="20"),
                                                   form("", unit="", amount="30")])
    out = consolidate([str(tmp_path / "a.xlsx"), str(tmp_path / "b.xlsx")], tmp_path / "s.xlsx").written
    rollup = rows_of(out, "资金汇总")
    units = [r[:5] for r in rollup if r[0] == "按实施单位"]
    assert units == [["按实施单位", "（未填写）", 2, 50, 50], ["按实施单位", "甲所", 1, 10, 10],
                     ["按实施单位", "合计", 3, 60, 60]]
    top = [r[9:11] for r in rollup[3:6]]
    assert top == [["（未填写）", 30], ["无单位一", 20], ["有单位", 10]]
    converted = libreoffice_convert(out, tmp_path, recalc=True)
    theirs = rows_of(converted, "资金汇总")
    for r, row in enumerate(rollup):
        for c, value in enumerate(row[:11]):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert theirs[r][c] == pytest.approx(value, abs=1e-9), (r, c, row[1])
            elif value:
                assert theirs[r][c] == value
    wb = openpyxl.load_workbook(out)
    assert wb["资金汇总"]["C8"].value == "=SUM(C6:C7)"  # the 按实施单位 合计


# ---- 8. 填表人 and 联系电话 -------------------------------------------------------------------------

def test_contacts_from_our_template_and_other_layouts_reach_the_summary(tmp_path):
    write_template(tmp_path / "ours.xlsx", projects=[form("道路养护", contact="张三", phone="0411-84812345")])
    other = [
        ["本级预算项目绩效目标表"], ["项目名称", "路灯维护", "", "项目实施期", "2024年"],
        ["主管部门", "甲局", "", "实施单位", "乙所"],
        ["资金投入（万元）", "实施期金额", 5, "年度金额", 5],
        ["一级指标", "二级指标", "三级指标", "年度指标值"],
        ["产出指标", "数量指标", "路灯数", "≥100盏"], ["效益指标", "社会效益指标", "亮灯率", "≥98%"],
        ["满意度指标", "服务对象满意度指标", "满意度", "≥90%"],
        ["单位负责人：王五", "", "联系人：李四", "", "联系电话：13800000000"],
    ]
    write_workbook(tmp_path / "other.xlsx", {"路灯": other}, numbers=False)
    projects = {p.name: p for p in read([str(tmp_path)]).projects}
    assert (projects["道路养护"].contact, projects["道路养护"].phone) == ("张三", "0411-84812345")
    assert projects["道路养护"].cells["contact"] == "B43"
    assert (projects["路灯维护"].contact, projects["路灯维护"].phone) == ("李四", "13800000000")
    assert len(projects["路灯维护"].indicators) == 3  # the contact line ends the table
    out = consolidate([str(tmp_path / "ours.xlsx"), str(tmp_path / "other.xlsx")], tmp_path / "s.xlsx").written
    assert [(r["项目名称"], r["填表人"], r["联系电话"]) for r in records(out)] == [
        ("路灯维护", "李四", "13800000000"), ("道路养护", "张三", "0411-84812345")]  # 乙所 before 甲所
    carried = read([str(out)]).projects  # and back, for the bureau
    assert [(p.contact, p.phone) for p in carried] == [("李四", "13800000000"), ("张三", "0411-84812345")]


# ---- 9. paths ---------------------------------------------------------------------------------------

def test_paths_are_relative_to_the_inputs_and_a_carried_project_names_its_summary(tmp_path, monkeypatch):
    department = tmp_path / "home" / "zhang" / "data" / "2023"
    shutil.copytree(DATA_2023, department)
    dept = consolidate([str(department)], tmp_path / "部门汇总.xlsx")  # an absolute path, as given
    assert {p.file for p in dept.projects} == {f"2023/{n}.xlsx" for n in SEED_NAMES}
    assert str(tmp_path) not in repr([(f.file, f.message) for f in dept.findings])
    assert {r["来源文件"] for r in records(dept.written)} == {f"2023/{n}.xlsx" for n in SEED_NAMES}
    bureau_dir = tmp_path / "bureau"
    bureau_dir.mkdir()
    shutil.copy(dept.written, bureau_dir / "市场监管局.xlsx")
    monkeypatch.chdir(tmp_path)
    bureau = consolidate(["bureau"], tmp_path / "全局.xlsx")
    quality = next(p for p in bureau.projects if p.name == "质量发展专项经费")
    assert quality.file == "bureau/市场监管局.xlsx > 2023/质量发展专项经费.xlsx"
    error = next(f for f in bureau.findings if f.code == "missing-level1")
    assert (error.file, error.project_id) == (quality.file, quality.id)
    assert next(r for r in records(bureau.written) if r["项目名称"] == "质量发展专项经费")["错误数"] == 1
    summary_notice = next(f for f in bureau.findings if f.code == "summary-input")
    assert summary_notice.file == "bureau/市场监管局.xlsx"
    about = [r[1] for r in rows_of(bureau.written, "说明")]
    assert "bureau/市场监管局.xlsx（8 个项目）" in about


def test_validate_json_keeps_the_path_read_for_scripts():
    import json

    found = json.loads(CliRunner().invoke(main, ["validate", str(DATA_2023), "--format", "json"]).output)
    error = next(f for f in found if f["level"] == "error")
    assert (error["file"], error["path"]) == ("2023/质量发展专项经费.xlsx", str(DATA_2023 / "质量发展专项经费.xlsx"))


def test_another_machines_absolute_paths_shrink_to_file_names(tmp_path):
    """A summary written by an older perfxl holds absolute paths: only the file name comes through."""
    out = consolidate([str(DATA_2023)], tmp_path / "s.xlsx").written
    wb = openpyxl.load_workbook(out)
    for sheet, column in (("项目汇总", "来源文件"), ("指标明细", "来源文件"), ("校验问题", "文件")):
        ws = wb[sheet]
        col = [c.value for c in ws[3]].index(column) + 1
        for r in range(4, ws.max_row + 1):
            value = ws.cell(r, col).value
            if value and value.startswith("2023/"):
                windows = len(value) % 2  # one file's path is written alike on every sheet
                ws.cell(r, col).value = ("C:\\Users\\zhang\\data\\" if windows else "/home/zhang/data/") + value[5:]
    wb.save(tmp_path / "old.xlsx")
    result = read([str(tmp_path / "old.xlsx")])
    assert sorted(p.file for p in result.projects) == sorted(f"old.xlsx > {n}.xlsx" for n in SEED_NAMES)
    assert sum(len(p.indicators) for p in result.projects) == 64
    assert not [f for f in result.findings if "zhang" in f.file + f.message]


# ---- 10. time ---------------------------------------------------------------------------------------

def test_local_time_with_its_offset_and_reproducible_bytes(tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        a = consolidate([str(DATA_2023)], tmp_path / "a.xlsx").written
        b = consolidate([str(DATA_2023)], tmp_path / "b.xlsx").written
        about = {r[0]: r[1] for r in rows_of(a, "说明")}
        assert about["生成时间"] == "2023-11-15 06:13（UTC+08:00）"
        assert a.read_bytes() == b.read_bytes()
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
        c = consolidate([str(DATA_2023)], tmp_path / "c.xlsx").written
        assert {r[0]: r[1] for r in rows_of(c, "说明")}["生成时间"] == "2023-11-14 22:13（UTC+00:00）"
    finally:
        monkeypatch.undo()
        time.tzset()


# ---- 6. print -------------------------------------------------------------------------------------

def _pdf_pages(pdf: Path) -> list[tuple[tuple[float, float], float, str]]:
    """Per page: (width, height) in pt, the body text size in pt, and its text (pdftotext)."""
    tool = shutil.which("pdftotext")
    if not tool:
        import os

        if os.environ.get("CI") == "true":
            pytest.fail("poppler-utils (pdftotext, pdfinfo) is required in CI")
        pytest.skip("poppler-utils not installed")
    data = pdf.read_bytes()
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    fonts = []  # LibreOffice writes each page's content as one Flate stream; 10 pt body text scaled
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        tf = re.findall(rb"([\d.]+) Tf", content)
        if tf:
            fonts.append(float(Counter(tf).most_common(1)[0][0]))
    texts = [subprocess.run([tool, "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"], capture_output=True,
                            text=True, check=True).stdout for i in range(1, len(sizes) + 1)]
    assert len(fonts) == len(sizes)
    return list(zip(sizes, fonts, texts))


A3_LANDSCAPE, A4_LANDSCAPE, A4_PORTRAIT = (1190.55, 841.89), (841.89, 595.304), (595.304, 841.89)


def test_every_sheet_prints_legibly(tmp_path):
    """LibreOffice renders the seed's summary: 项目汇总 on one A3 landscape page, 指标明细 on two A4
    landscape pages with every reviewer's column, 资金汇总 with its 合计 rows and one chart a page,
    校验问题 wrapped on two pages, 说明 on A4 portrait; all at 72% or more (body text ≥ 7.2 pt)."""
    out = consolidate([str(DATA_2023)], tmp_path / "汇总.xlsx").written
    wb = openpyxl.load_workbook(out)
    settings = {ws.title: (ws.page_setup.paperSize, ws.page_setup.orientation, ws.sheet_properties.pageSetUpPr.fitToPage,
                           ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight, ws.print_area) for ws in wb}  # 1: the default
    assert settings["项目汇总"] == (8, "landscape", True, 1, 0, "'项目汇总'!$A$1:$X$12")
    assert settings["指标明细"] == (9, "landscape", True, 1, 0, "'指标明细'!$A$1:$L$67")
    assert settings["资金汇总"][:5] == (9, "landscape", True, 1, 0)
    assert settings["校验问题"][:5] == (9, "landscape", True, 1, 0)
    assert settings["说明"][:3] == (9, "portrait", True)
    pages = _pdf_pages(libreoffice_convert(out, tmp_path, to="pdf"))
    # Each page's paper and which table's header it repeats (the header row prints on every page).
    sheets = [(size, [t for t in ("序号", "汇总方式", "级别", "生成时间") if t in text]) for size, _, text in pages]
    finding_pages = len(pages) - 6  # as many as the seed's findings take
    assert finding_pages >= 1
    assert sheets == [(A3_LANDSCAPE, ["序号"])] + [(A4_LANDSCAPE, ["序号"])] * 2 + [
        (A4_LANDSCAPE, ["汇总方式"])] * 2 + [(A4_LANDSCAPE, ["序号", "级别"])] * finding_pages + [
        (A4_PORTRAIT, ["生成时间"])]
    for size, font, text in pages:
        assert font >= 7.2, (size, font)
    texts = [text for _, _, text in pages]
    projects, indicators, rollup, findings, about = texts[0], texts[1:3], texts[3:5], texts[5:-1], texts[-1]
    assert "联系电话" in projects and "来源文件" not in projects and "578.83" in projects
    assert "年度目标" not in projects  # the header of a goal column
    assert "质量发展专项经费" in projects and "腾讯企点认证客服号运营费" in projects
    for text in indicators:
        assert "指标方向" in text and "来源文件" not in text
    assert sum(len(re.findall(r"^\s*\d+ ", t, re.M)) for t in indicators) == 64  # every 序号 printed
    # The table with its two 合计 rows and the top-20 chart, then the pie on a page of its own (not cut).
    assert rollup[0].count("合计") == 2 and "年度金额最多的项目" in rollup[0] and "年度金额按实施单位" in rollup[1]
    assert "缺少效益指标" in "".join(findings) and "请补充" in "".join(findings)
    assert "读取的文件" in about


def test_the_unit_chart_is_a_pie_up_to_8_units_bars_up_to_20_and_absent_beyond(tmp_path):
    def charts(units: int) -> list[str]:
        folder = tmp_path / str(units)
        folder.mkdir()
        write_template(folder / "x.xlsx", projects=[form(f"项目{i}", unit=f"单位{i:02d}") for i in range(units)])
        out = consolidate([str(folder)], folder / "s.xlsx").written
        return [c.tagname for c in openpyxl.load_workbook(out)["资金汇总"]._charts]

    assert charts(8) == ["barChart", "pieChart"]
    assert charts(9) == ["barChart", "barChart"]
    assert charts(21) == ["barChart"]
