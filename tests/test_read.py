"""Reading filled workbooks back: every layout staff send, and the regional variants."""

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from perfxl.pipeline import read
from perfxl.template import write_template
from conftest import (DATA_2023, SEED_NAMES, assert_matches_seed, seed_forms, seed_rows, write_workbook)


def test_sample_workbooks_read_back_to_the_seed():
    result = read([str(DATA_2023 / f"{n}.xlsx") for n in SEED_NAMES])
    assert_matches_seed(result.projects)
    assert len(result.files) == 8


def test_folder_reads_all_eight():
    result = read([str(DATA_2023)])
    assert sorted(p.name for p in result.projects) == sorted(SEED_NAMES)
    assert sum(p.funds_year.total for p in result.projects) == Decimal("578.83")


@pytest.mark.parametrize("numbers", [True, False], ids=["amounts-as-numbers", "amounts-as-text"])
def test_seed_pasted_whole_into_one_sheet(tmp_path, numbers):
    path = write_workbook(tmp_path / "one.xlsx", {"Sheet1": seed_rows()}, numbers=numbers)
    result = read([str(path)])
    assert_matches_seed(result.projects)
    assert {p.sheet for p in result.projects} == {"Sheet1"}
    assert [p.position for p in result.projects] == list(range(8))


def test_seed_as_eight_sheets(tmp_path):
    sheets = {f"表{i + 1}": form for i, form in enumerate(seed_forms())}
    result = read([str(write_workbook(tmp_path / "eight.xlsx", sheets))])
    assert_matches_seed(result.projects)
    assert [p.sheet for p in result.projects] == [f"表{i}" for i in range(1, 9)]
    assert result.projects[0].cells["funds_year.total"] == "E11"


def test_template_filled_by_hand(tmp_path):
    """perfxl's blank template, filled the way a person would (merged blanks for 一级)."""
    blank = write_template(tmp_path / "blank.xlsx", year=2023, department="某局")
    wb = openpyxl.load_workbook(blank)
    ws = wb["项目1"]
    ws["B4"], ws["B5"], ws["E5"] = "档案数字化经费", "某局", "某局档案馆"
    ws["B6"], ws["E6"] = "延续项目", "专项业务费"
    ws["C7"], ws["E7"], ws["C8"], ws["C9"], ws["E8"], ws["E9"] = 120, "60.5", 100, 20, 50.25, 10.25
    ws["B11"], ws["D11"] = "完成全部馆藏数字化", "完成 2023 年度 30 万页数字化"
    rows = [("产出指标", "数量指标", "数字化页数", "≥30万页"), ("", "质量指标", "验收合格率", "≥98%"),
            ("", "时效指标", "完成时间", "2023年12月31日前"), ("", "成本指标", "每页成本", "≤1.8元"),
            ("效益指标", "社会效益指标", "查档效率提升", "提升"), ("满意度指标", "服务对象满意度指标", "查档群众满意度", "≥90%")]
    for i, row in enumerate(rows):
        for col, value in zip("ABCE", row):
            if value:
                ws[f"{col}{13 + i}"] = value
    wb.save(tmp_path / "filled.xlsx")
    result = read([str(tmp_path / "filled.xlsx")])
    (p,) = result.projects
    assert (p.name, p.department, p.unit, p.attribute, p.category) == (
        "档案数字化经费", "某局", "某局档案馆", "延续项目", "专项业务费")
    assert (p.funds_period.total, p.funds_year.total, p.funds_year.fiscal, p.funds_year.other) == (
        Decimal(120), Decimal("60.5"), Decimal("50.25"), Decimal("10.25"))
    assert p.goal_year == "完成 2023 年度 30 万页数字化"
    assert [(i.level1, i.level2, i.level3) for i in p.indicators][1] == ("产出指标", "质量指标", "验收合格率")
    assert len(p.indicators) == 6
    assert [f.code for f in result.findings if f.level == "error"] == []
    assert p.indicators[3].target.operator == "≤" and p.indicators[3].target.unit == "元"


def regional_rows():
    """A regional layout: other labels, 元, a leading merged label column, placeholder and trailing rows."""
    return [
        ["2024年度项目支出绩效目标申报表", "", "", "", "", ""],
        ["填报单位（盖章）：某市教育局", "", "", "", "单位：元", ""],
        ["项 目 名 称", "校园安全设施改造", "", "项目起止时间", "2024年1月-12月", ""],
        ["主管部门(及代码)", "某市教育局（101）", "", "项目单位", "某市第一中学", ""],
        ["项目资金（元）", "中期资金总额", "2,500,000", "年度资金申请总额", "1,200,000.00", ""],
        ["", "其中：当年财政拨款", "2500000", "当年财政拨款", ("=E5-E7", 1000000), ""],
        ["", "其他资金", "0", "其他资金", "200000", ""],
        ["总体目标", "中期目标", "", "本年度绩效目标", "", ""],
        ["", "三年内完成全部校舍安防改造", "", "完成主教学楼监控和门禁改造", "", ""],
        ["本年度绩效指标", "一级指标", "二级指标", "指标内容", "指标值及单位", "备注"],
        ["", "产出指标", "数量指标", "改造监控点位", "不少于120个", "新增"],
        ["", "", "", "改造门禁", "8套", ""],
        ["", "", "质量指标", "验收合格率", "＝100％", ""],
        ["", "", "时效指标", "", "", ""],
        ["", "", "成本指标", "单个点位成本", "≤0.5万元", ""],
        ["", "效益指标", "社会效益", "校园安全事件", "降低", ""],
        ["", "", "环境效益指标", "", "", ""],
        ["", "社会公众或服务对象满意度指标", "", "师生满意度", "≥95%", ""],
        ["财政部门审核意见", "", "", "", "", ""],
        ["填表人：张三", "", "", "联系电话：123", "", ""],
    ]


def test_regional_form_with_other_labels(tmp_path):
    merges = {"申报表": [("A10:A18", "本年度绩效指标")]}
    rows = regional_rows()
    path = write_workbook(tmp_path / "regional.xlsx", {"申报表": rows}, merges=merges, numbers=False)
    result = read([str(path)])
    (p,) = result.projects
    assert (p.name, p.period, p.department, p.unit, p.year) == (
        "校园安全设施改造", "2024年1月-12月", "某市教育局（101）", "某市第一中学", "2024")
    assert p.reporter == "某市教育局"
    # amounts in 元 become 万元, exactly
    assert p.funds_period.total == Decimal(250)
    assert (p.funds_year.total, p.funds_year.fiscal, p.funds_year.other) == (Decimal(120), Decimal(100), Decimal(20))
    assert p.funds_period.fiscal == Decimal(250) and p.funds_period.other == Decimal(0)
    assert (p.goal_period, p.goal_year) == ("三年内完成全部校舍安防改造", "完成主教学楼监控和门禁改造")
    got = [(i.level1, i.level2, i.level3, i.value) for i in p.indicators]
    assert got == [
        ("产出指标", "数量指标", "改造监控点位", "不少于120个"),
        ("产出指标", "数量指标", "改造门禁", "8套"),
        ("产出指标", "质量指标", "验收合格率", "＝100％"),
        ("产出指标", "成本指标", "单个点位成本", "≤0.5万元"),
        ("效益指标", "社会效益指标", "校园安全事件", "降低"),
        ("满意度指标", "服务对象满意度指标", "师生满意度", "≥95%"),
    ]
    assert p.indicators[0].cell == "D11" and p.indicators[0].value_cell == "E11"
    assert [f.code for f in result.findings if f.level == "error"] == []


def test_hybrid_level_is_kept_with_a_notice(tmp_path):
    rows = regional_rows()
    rows[14] = ["", "", "经济成本指标", "单个点位成本", "≤0.5万元", ""]
    result = read([str(write_workbook(tmp_path / "hybrid.xlsx", {"表": rows}, numbers=False))])
    ind = result.projects[0].indicators[3]
    assert (ind.level1, ind.level2) == ("产出指标", "经济成本指标")
    assert ind.level2_cell == "C15"
    assert [f.code for f in result.findings if f.cell == ind.level2_cell] == ["level-hybrid"]


def test_inherited_level1_yields_to_level2(tmp_path):
    rows = regional_rows()
    rows[15] = ["", "", "社会效益", "校园安全事件", "降低", ""]  # 一级 blank, 二级 belongs to 效益
    result = read([str(write_workbook(tmp_path / "x.xlsx", {"表": rows}, numbers=False))])
    ind = result.projects[0].indicators[4]
    assert (ind.level1, ind.level2) == ("效益指标", "社会效益指标")


def test_stacked_forms_with_different_arrangements(tmp_path):
    rows = seed_rows()[:60] + [[""]] + [r[:5] + [""] for r in regional_rows()]
    result = read([str(write_workbook(tmp_path / "stack.xlsx", {"合并": rows}, numbers=False))])
    assert [p.name for p in result.projects] == ["市场监管局工作业务经费", "市场监管局印刷制作费", "校园安全设施改造"]
    assert [len(p.indicators) for p in result.projects] == [12, 7, 6]


FORMATS = Path(__file__).parent / "fixtures" / "formats"


@pytest.mark.parametrize("suffix", ["ods", "xls"])
def test_other_formats_saved_by_libreoffice(suffix):
    """The sample form saved by LibreOffice as .ods and as Excel 97 .xls reads like the .xlsx."""
    original = read([str(DATA_2023 / "腾讯企点认证客服号运营费.xlsx")]).projects[0]
    (p,) = read([str(FORMATS / f"腾讯企点认证客服号运营费.{suffix}")]).projects
    assert (p.name, p.period, p.department, p.unit) == (original.name, original.period, original.department, original.unit)
    assert (p.funds_year, p.funds_period) == (original.funds_year, original.funds_period)
    assert [(i.level1, i.level2, i.level3, i.value, i.cell) for i in p.indicators] == [
        (i.level1, i.level2, i.level3, i.value, i.cell) for i in original.indicators]
    assert p.goal_year == original.goal_year


def test_folder_scan_picks_up_ods_and_xls():
    result = read([str(FORMATS)])
    assert sorted(Path(f).suffix for f in result.files) == [".ods", ".xls"]
    assert len(result.projects) == 2


PERCENT_ROWS = [["项目名称", "甲"], ["主管部门", "局", "实施单位", "所"], ["资金投入(万元)", "实施期金额", 1, "年度金额", 1],
                ["一级指标", "二级指标", "三级指标", "年度指标值"],
                ["产出指标", "质量指标", "验收合格率", 1.0], ["", "", "设备故障率", 0.05],
                ["", "数量指标", "采购数量", 1.0], ["满意度指标", "服务对象满意度指标", "群众满意度", 0.95]]


def test_percent_cells_typed_in_excel(tmp_path):
    """Excel stores a typed 95% as 0.95 with a percent format: it reads as 95%, with a notice; other numbers stay."""
    formats = {"表": {(4, 3): "0%", (5, 3): "0%", (7, 3): "0.0%"}}
    result = read([str(write_workbook(tmp_path / "pct.xlsx", {"表": PERCENT_ROWS}, formats=formats))])
    (p,) = result.projects
    assert [i.value for i in p.indicators] == ["100%", "5%", "1", "95%"]
    assert [(f.code, f.cell) for f in result.findings if f.code == "percent-number"] == [
        ("percent-number", "D5"), ("percent-number", "D6"), ("percent-number", "D8")]


def test_a_plain_number_for_a_rate_stays_a_number_in_xlsx(tmp_path):
    """A 1 typed for a rate (no percent format) is what the page shows: 1, not 100%."""
    result = read([str(write_workbook(tmp_path / "plain.xlsx", {"表": PERCENT_ROWS}))])
    (p,) = result.projects
    assert [i.value for i in p.indicators] == ["1", "0.05", "1", "0.95"]
    assert not [f for f in result.findings if f.code == "percent-number"]


def test_rate_numbers_without_format_information_are_percents(tmp_path):
    """Where the format cannot be seen (a text dump, .xls/.ods), a number from 0 to 1 for a rate is a percent."""
    from perfxl.form import find_forms
    from perfxl.grid import Grid
    from perfxl.profile import load_profile

    (p,) = find_forms(Grid("f", "s", [list(r) for r in PERCENT_ROWS]), load_profile("2015"))
    assert [i.value for i in p.indicators] == ["100%", "5%", "1", "95%"]


def test_decided_by_content_not_by_name(tmp_path):
    """An .xls saved under a .xlsx name, and a WPS .et (BIFF inside), read like the original."""
    source = FORMATS / "腾讯企点认证客服号运营费.xls"
    for name in ("改了扩展名.xlsx", "金山表格.et"):
        (tmp_path / name).write_bytes(source.read_bytes())
    result = read([str(tmp_path)])
    assert [p.name for p in result.projects] == ["腾讯企点认证客服号运营费"] * 2
    # The same project twice is the one error: read() checks across files as consolidate does.
    assert [f.code for f in result.findings if f.level == "error"] == ["duplicate-project"] * 2


def test_a_lone_amount_goes_to_the_nearer_funds_column(tmp_path):
    rows = [["项目名称", "甲"], ["主管部门", "局", "实施单位", "所"],
            ["资金投入(万元)", "实施期金额", 10, "年度金额", 5],
            ["", "其中：财政拨款", 10, "", 3],
            ["", "其他资金", "", "", 2],
            ["一级指标", "二级指标", "三级指标", "", "年度指标值"], ["产出指标", "数量指标", "次数", "", "≥1次"]]
    (p,) = read([str(write_workbook(tmp_path / "f.xlsx", {"表": rows}))]).projects
    assert (p.funds_period.fiscal, p.funds_year.fiscal) == (Decimal(10), Decimal(3))
    assert (p.funds_period.other, p.funds_year.other) == (None, Decimal(2))
    assert p.cells["funds_year.other"] == "E5"
