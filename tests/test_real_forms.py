"""The layouts departments really publish (issue 13): each kind read from a small workbook.

The corpus (tests/test_corpus.py) measures the reader on transcribed published forms; these
tests pin each kind down on its own, with the values it must give.
"""

from decimal import Decimal

import pytest
from click.testing import CliRunner

from perfxl.pipeline import consolidate, read
from perfxl.tables import indicator_rows, rollup_rows, project_rows
from perfxl.profile import load_profile
from conftest import write_workbook


def codes(result, level=None):
    return [f.code for f in result.findings if level is None or f.level == level]


def form(indicator_header, indicator_rows_, fields=None, funds=None):
    """A small form: fields, a funds block and an indicator table under the given header."""
    rows = fields or [["项目名称", "甲项目"], ["主管部门", "某局", "实施单位", "某所"]]
    rows += funds or [["资金投入(万元)", "实施期金额", 10, "年度金额", 10], ["", "其中：财政拨款", 10, "", 10],
                      ["", "其他资金", 0, "", 0]]
    return rows + [indicator_header] + indicator_rows_


SATISFIED = [["满意度指标", "服务对象满意度指标", "满意度", "≥90%"]]


def test_split_value_columns_join_into_one_value(tmp_path):
    rows = form(["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"], [
        ["产出指标", "数量指标", "培训人次", "≥", 500, "人次"],
        ["", "质量指标", "合格率", "=", 100, "%"],
        ["", "成本指标", "人均成本", "≤", 0.5, "万元"],
        ["效益指标", "社会效益指标", "就业率", "正向", 95, "%"],
        ["", "", "投诉量", "反向", "下降", ""],
        ["满意度指标", "服务对象满意度指标", "学员满意度", "≥", "90%", "%"],
    ])
    result = read([str(write_workbook(tmp_path / "split.xlsx", {"表": rows}))])
    (p,) = result.projects
    assert [i.value for i in p.indicators] == ["≥500人次", "=100%", "≤0.5万元", "95%", "下降", "≥90%"]
    assert [(i.target.operator, i.target.direction) for i in p.indicators] == [
        ("≥", "正向"), ("=", "等于"), ("≤", "反向"), ("", "正向"), ("", "反向"), ("≥", "正向")]
    assert [i.value_cell for i in p.indicators][:2] == ["E7", "E8"]
    assert "value-without-unit" not in codes(result) and "implicit-operator" not in codes(result)
    # 指标明细 shows the same fields as for a value written in one cell
    detail = indicator_rows([p])
    assert [r[7:12] for r in detail[:4]] == [
        ["≥", Decimal(500), "人次", "定量", "正向"], ["=", Decimal(100), "%", "定量", "等于"],
        ["≤", Decimal("0.5"), "万元", "定量", "反向"], ["", Decimal(95), "%", "定量", "正向"]]


def test_list_export_gives_one_project_per_project(tmp_path):
    rows = [
        ["2024年部门项目支出绩效目标表"],
        ["", "", "", "", "", "", "", "", "金额单位：元"],
        ["项目名称", "主管部门", "实施单位", "年度资金总额", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"],
        ["[015001]校舍维修", "某县教育局", "某县一中", 1200000, "产出指标", "数量指标", "维修面积", "≥", 800, "平方米"],
        ["", "", "", "", "", "质量指标", "验收合格率", "=", 100, "%"],
        ["", "", "", "", "效益指标", "社会效益指标", "安全隐患", "反向", "降低", ""],
        ["", "", "", "", "满意度指标", "服务对象满意度指标", "师生满意度", "≥", 90, "%"],
        ["小计", "", "", 1200000],
        ["学生资助", "某县教育局", "某县教育局", 345678.9, "产出指标", "数量指标", "资助人数", "≥", 300, "人"],
        ["", "", "", "", "成本指标", "经济成本指标", "人均资助", "≤", 1500, "元"],
        ["", "", "", "", "效益指标", "社会效益指标", "辍学率", "≤", 1, "%"],
        ["", "", "", "", "满意度指标", "服务对象满意度指标", "受助学生满意度", "≥", 95, "%"],
        ["合计", "", "", 1545678.9],
    ]
    merges = {"清单": [("A4:A7", "[015001]校舍维修"), ("B4:B7", "某县教育局"), ("C4:C7", "某县一中"),
                       ("A9:A12", "学生资助"), ("B9:B12", "某县教育局"), ("C9:C12", "某县教育局")]}
    result = read([str(write_workbook(tmp_path / "list.xlsx", {"清单": rows}, merges=merges))])
    assert [(p.name, p.code, p.unit, p.funds_year.total) for p in result.projects] == [
        ("校舍维修", "015001", "某县一中", Decimal(120)), ("学生资助", "", "某县教育局", Decimal("34.56789"))]
    assert [len(p.indicators) for p in result.projects] == [4, 4]
    assert [p.framework for p in result.projects] == ["2015", "2021"]  # 成本指标 as a 一级 in the second
    assert result.projects[1].indicators[1].value == "≤1500元"
    assert codes(result, "error") == []


def test_list_export_with_a_header_over_two_rows(tmp_path):
    rows = [["项目支出绩效目标清单"], ["金额单位：元"],
            ["项目名称", "单位名称", "年度资金总额", "绩效指标"],
            ["", "", "", "一级指标", "二级指标", "三级指标", "指标方向", "指标值", "计量单位"],
            ["道路养护", "某区交通局", 500000, "产出指标", "数量指标", "养护里程", "正向", 20, "公里"],
            ["", "", "", "满意度指标", "服务对象满意度指标", "群众满意度", "正向", 90, "%"],
            ["路灯维修", "某区城管局", 80000, "产出指标", "数量指标", "维修盏数", "正向", 300, "盏"]]
    result = read([str(write_workbook(tmp_path / "two.xlsx", {"清单": rows}))])
    assert [(p.name, p.department, p.funds_year.total, [i.value for i in p.indicators]) for p in result.projects] == [
        ("道路养护", "某区交通局", Decimal(50), ["20公里", "90%"]), ("路灯维修", "某区城管局", Decimal(8), ["300盏"])]
    assert result.projects[0].indicators[0].target.direction == "正向"


def test_annual_side_of_a_long_term_table(tmp_path):
    rows = form(["一级指标", "二级指标(长期)", "三级指标(长期)", "指标值(长期)", "二级指标(年度)", "三级指标(年度)",
                 "指标值(年度)"], [
        ["产出指标", "数量指标", "三年建成道路", "≥30公里", "数量指标", "本年建成道路", "≥10公里"],
        ["效益指标", "社会效益指标", "通行时间", "缩短", "社会效益指标", "通行时间", "缩短10%"],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "服务对象满意度指标", "群众满意度", "≥85%"],
    ])
    (p,) = read([str(write_workbook(tmp_path / "long.xlsx", {"表": rows}))]).projects
    assert [(i.level2, i.level3, i.value) for i in p.indicators] == [
        ("数量指标", "本年建成道路", "≥10公里"), ("社会效益指标", "通行时间", "缩短10%"),
        ("服务对象满意度指标", "群众满意度", "≥85%")]


def test_the_side_said_in_the_row_above(tmp_path):
    """“年度绩效指标” merged over the left columns, “中长期绩效指标” over the right: the left is read."""
    rows = form(["一级指标", "二级指标", "三级指标", "指标值", "二级指标", "三级指标", "指标值"], [
        ["产出指标", "数量指标", "本年培训", "≥100人", "数量指标", "三年培训", "≥300人"]])
    rows.insert(5, ["", "年度绩效指标", "", "", "中长期绩效指标", "", ""])
    (p,) = read([str(write_workbook(tmp_path / "above.xlsx", {"表": rows}))]).projects
    assert [(i.level3, i.value, i.value_cell) for i in p.indicators] == [("本年培训", "≥100人", "D8")]


def test_the_same_header_under_other_lines_reads_each_forms_own_side():
    """The header's columns are kept per layout: what the line above says still decides, form by form."""
    from perfxl.form import find_forms
    from perfxl.grid import Grid

    def read_under(above):
        rows = form(["一级指标", "二级指标", "三级指标", "指标值", "二级指标", "三级指标", "指标值"], [
            ["产出指标", "数量指标", "本年培训", "≥100人", "数量指标", "三年培训", "≥300人"]])
        rows.insert(5, above)
        (p,) = find_forms(Grid("f.xlsx", "表", rows), load_profile("2015"))
        return [(i.level3, i.value) for i in p.indicators]

    assert read_under(["", "年度绩效指标", "", "", "中长期绩效指标", "", ""]) == [("本年培训", "≥100人")]
    assert read_under(["", "中长期绩效指标", "", "", "年度绩效指标", "", ""]) == [("三年培训", "≥300人")]
    # A longer text says no side (a goal written above the table), but the search for a label stops at it.
    goal = "中长期绩效指标：三年内完成全部培训任务共计三百人"
    assert read_under(["", "", "", "", goal, "", ""]) == [("三年培训", "≥300人")]
    assert read_under(["", "年度绩效指标", "", "", goal, "", ""]) == [("本年培训", "≥100人")]


def test_unlabelled_sides_read_the_right_one_and_a_subheader_picks_the_target(tmp_path):
    rows = form(["一级指标", "二级指标", "三级指标", "指标值", "二级指标", "三级指标", "指标值"], [
        ["产出指标", "数量指标", "中期目标数", "100个", "数量指标", "年度目标数", "30个"]]) + [[""]]
    rows2 = form(["一级指标", "二级指标", "三级指标", "指标值", "", "依据"],
                 [["", "", "", "上年实际值", "预期本年实现值", ""], ["产出指标", "数量指标", "开课门数", "200门", "220门", "计划"]])
    (a,) = read([str(write_workbook(tmp_path / "a.xlsx", {"表": rows}))]).projects
    (b,) = read([str(write_workbook(tmp_path / "b.xlsx", {"表": rows2}))]).projects
    assert [(i.level3, i.value) for i in a.indicators] == [("年度目标数", "30个")]
    assert [(i.level3, i.value, i.value_cell) for i in b.indicators] == [("开课门数", "220门", "E8")]


def test_labels_over_two_rows_line_breaks_and_scores(tmp_path):
    rows = form(["一级\n指标", "二级 指标", "三级指标", "指标值"], [
        ["产出指标(0-50)分", "数量指标", "次数", "≥2次"],
        ["成本指标(0-20)分", "经济成本指标", "总成本", "≤10万元"],
        ["效益指标（20分）", "社会效益指标", "效果", "提升"],
        ["满意度指标", "社会公众或服务", "群众满意度", "≥90%"],
        ["", "对象满意度指标", "企业满意度", "≥85%"],
    ])
    result = read([str(write_workbook(tmp_path / "two.xlsx", {"表": rows}))])
    (p,) = result.projects
    assert [(i.level1, i.level2) for i in p.indicators] == [
        ("产出指标", "数量指标"), ("成本指标", "经济成本指标"), ("效益指标", "社会效益指标"),
        ("满意度指标", "服务对象满意度指标"), ("满意度指标", "服务对象满意度指标")]
    assert p.framework == "2021"
    assert codes(result, "error") == [] and "unknown-level2" not in codes(result)


def test_codes_before_names_move_out_so_names_group(tmp_path):
    a = form(["一级指标", "二级指标", "三级指标", "指标值"], [["产出指标", "数量指标", "次数", "≥2次"],
             ["效益指标", "社会效益指标", "效果", "提升"]] + SATISFIED,
             fields=[["项目名称", "[015001]档案数字化"], ["主管部门", "(433)某市档案局", "实施单位", "某市档案馆 308001"]])
    b = form(["一级指标", "二级指标", "三级指标", "指标值"], [["产出指标", "数量指标", "次数", "≥2次"],
             ["效益指标", "社会效益指标", "效果", "提升"]] + SATISFIED,
             fields=[["项目名称", "档案修复"], ["主管部门", "某市档案局", "实施单位", "某市档案馆"]])
    result = read([str(write_workbook(tmp_path / "codes.xlsx", {"一": a, "二": b}))])
    first, second = result.projects
    assert (first.code, first.name, first.department, first.unit) == ("015001", "档案数字化", "某市档案局", "某市档案馆")
    assert first.codes == {"department": "433", "unit": "308001"}
    rollup = rollup_rows(project_rows(result.projects, result.findings, load_profile("2015")))
    assert [(r[0], r[1], r[2]) for r in rollup if r[0] == "按主管部门"] == [("按主管部门", "某市档案局", 2)]


def test_amounts_with_notes_a_single_column_and_label_cells(tmp_path):
    rows = form(["一级指标", "二级指标", "三级指标", "指标值"], [
        ["产出指标", "数量指标", "面积", "≥500亩"], ["效益指标", "社会效益指标", "效果", "提升"]] + SATISFIED,
        funds=[["资金情况(万元)", "资金总额", "854万(高标准农田建设400万元,示范建设295万元,畅通工程159万元)"],
               ["", "其中：财政拨款", "854", "财政资金科目代码", "21305"], ["", "其他资金", ""]])
    result = read([str(write_workbook(tmp_path / "note.xlsx", {"表": rows}, numbers=False))])
    (p,) = result.projects
    assert (p.funds_year.total, p.funds_year.fiscal, p.funds_period.total) == (Decimal(854), Decimal(854), None)
    assert p.cells["funds_year.total"] == "C3"
    assert codes(result, "error") == []


def test_a_label_is_never_a_value(tmp_path):
    from perfxl.form import label_kind

    rows = form(["一级指标", "二级指标", "三级指标", "指标值"], [["产出指标", "数量指标", "次数", "≥2次"]],
                funds=[["项目资金", "资金总额", "当年资金总额:", 30], ["", "其中：财政拨款", "", "", 30]])
    (p,) = read([str(write_workbook(tmp_path / "colon.xlsx", {"表": rows}))]).projects
    assert (p.funds_year.total, p.funds_year.fiscal, p.bad_amounts) == (Decimal(30), Decimal(30), {})
    assert p.cells["funds_year.total"] == "D3"
    assert label_kind("本级财力安排：", load_profile("2015")) == ("label", "")  # unknown, but a label


def test_a_neighbouring_header_is_not_the_goal(tmp_path):
    rows = form(["一级指标", "二级指标", "三级指标", "指标值"], [["产出指标", "数量指标", "次数", "≥2次"]],
                funds=[["资金情况(万元)", "年度资金总额:", "", 10], ["总体目标", "年度目标", "", "", "年度总体目标完成情况"],
                       ["", "带来游客不少于6万人", "", "", ""]])
    (p,) = read([str(write_workbook(tmp_path / "goal.xlsx", {"表": rows}))]).projects
    assert (p.goal_year, p.cells["goal_year"]) == ("带来游客不少于6万人", "B5")


def test_cover_line_gives_the_department_a_form_lacks(tmp_path):
    rows = [["项目支出绩效目标表"], ["预算单位：某县卫生健康局", "", "", "金额单位：万元"]] + form(
        ["一级指标", "二级指标", "三级指标", "指标值"],
        [["产出指标", "数量指标", "次数", "≥2次"], ["效益指标", "社会效益指标", "效果", "提升"]] + SATISFIED,
        fields=[["项目名称", "再扶助"]], funds=[["项目资金(万元)", "年度资金总额", 6.3]])
    result = read([str(write_workbook(tmp_path / "cover.xlsx", {"表": rows}))])
    (p,) = result.projects
    assert (p.department, p.unit, p.cells["department"]) == ("某县卫生健康局", "某县卫生健康局", "A2")
    assert p.funds_year.total == Decimal("6.3")
    assert codes(result, "error") == []


def test_a_field_the_layout_lacks_is_a_notice_an_empty_one_an_error(tmp_path):
    header = ["一级指标", "二级指标", "三级指标", "指标值"]
    table = [["产出指标", "数量指标", "次数", "≥2次"], ["效益指标", "社会效益指标", "效果", "提升"]] + SATISFIED
    lacking = form(header, table, fields=[["项目名称", "甲"], ["主管部门", "某局"]])
    empty = form(header, table, fields=[["项目名称", "乙"], ["主管部门", "某局", "实施单位", ""]])
    result = read([str(write_workbook(tmp_path / "lack.xlsx", {"缺栏目": lacking, "空栏目": empty}))])
    found = [(f.sheet, f.level, f.code) for f in result.findings if f.code.startswith(("missing-", "field-"))]
    assert found == [("缺栏目", "notice", "field-not-in-layout"), ("空栏目", "error", "missing-implementing-unit")]
    notice = next(f for f in result.findings if f.code == "field-not-in-layout")
    assert notice.message.startswith("表中没有“实施单位”栏目")


def test_whole_department_form(tmp_path):
    rows = [["部门整体支出绩效目标表"], ["(2019年度)"],
            ["部门(单位)名称", "某市地方志研究室", "", "部门预算编码", "901001033"],
            ["年度预算安排(万元)", "资金总额", 171.41], ["", "项目支出", 60.8], ["", "基本支出", 110.61],
            ["整体绩效目标", "保障志鉴工作"],
            ["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "数量指标", "年鉴出版", "1部"], ["效益指标", "社会效益指标", "存史资政", "提升"]] + SATISFIED
    result = read([str(write_workbook(tmp_path / "whole.xlsx", {"整体": rows}))])
    (p,) = result.projects
    assert (p.kind, p.name, p.goal_year, p.funds_year.total) == ("整体支出", "某市地方志研究室", "保障志鉴工作", Decimal("171.41"))
    assert codes(result, "error") == []
    rows[2][1] = ""
    result = read([str(write_workbook(tmp_path / "blank.xlsx", {"整体": rows}))])
    assert codes(result, "error") == ["missing-department-name"]


def test_date_cells_read_as_dates(tmp_path):
    rows = form(["一级指标", "二级指标", "三级指标", "指标值"], [
        ["产出指标", "时效指标", "完成时间", 44561], ["", "数量指标", "次数", 44561]])
    path = write_workbook(tmp_path / "date.xlsx", {"表": rows}, formats={"表": {(6, 3): "yyyy-mm-dd"}})
    result = read([str(path)])
    (p,) = result.projects
    assert [i.value for i in p.indicators] == ["2021年12月31日", "44561"]  # only the date-formatted cell is a date
    assert p.indicators[0].target.is_date
    assert [f.cell for f in result.findings if f.code == "value-without-unit"] == ["D8"]


def test_framework_chosen_per_form_and_shown(tmp_path):
    header = ["一级指标", "二级指标", "三级指标", "指标值"]
    old = form(header, [["产出指标", "数量指标", "次数", "≥2次"], ["效益指标", "社会效益指标", "效果", "提升"]] + SATISFIED)
    new = form(header, [["产出指标", "数量指标", "次数", "≥2次"], ["成本指标", "经济成本指标", "成本", "≤5万元"],
                        ["效益指标", "社会效益指标", "效果", "提升"]] + SATISFIED,
               fields=[["项目名称", "乙项目"], ["主管部门", "某局", "实施单位", "某所"]])
    (tmp_path / "in").mkdir()
    write_workbook(tmp_path / "in" / "old.xlsx", {"表": old})
    write_workbook(tmp_path / "in" / "new.xlsx", {"表": new})
    result = read([str(tmp_path / "in")])
    assert [(p.name, p.framework) for p in result.projects] == [("乙项目", "2021"), ("甲项目", "2015")]
    assert [f for f in result.findings if f.level != "notice"] == []
    forced = read([str(tmp_path / "in")], profile="2015")
    assert {p.framework for p in forced.projects} == {"2015"}
    assert [(f.project, f.code) for f in forced.findings if f.code == "unknown-level1"] == [("乙项目", "unknown-level1")]
    assert "2015版" in next(f.message for f in forced.findings if f.code == "unknown-level1")
    out = consolidate([str(tmp_path / "in")], tmp_path / "汇总.xlsx")
    import openpyxl

    wb = openpyxl.load_workbook(out.written)
    projects, details = wb["项目汇总"], wb["指标明细"]
    assert [c.value for c in projects[3]][8] == "指标体系"  # after 年度, 项目属性, 项目类别
    assert [projects.cell(r, 9).value for r in (4, 5)] == ["2021", "2015"]
    assert [c.value for c in details[3]][2] == "指标体系"
    assert [details.cell(r, 3).value for r in range(4, 11)] == ["2021"] * 4 + ["2015"] * 3
    about = {row[0].value: row[1].value for row in wb["说明"].iter_rows(min_row=3, max_col=2) if row[0].value}
    assert about["指标体系"].startswith("2015版 财预〔2015〕88号") and "（1 个项目）；2021版 财预〔2021〕101号" in about["指标体系"]


def test_the_templates_framework_holds_without_a_cost_row(tmp_path):
    from perfxl.template import write_template

    from perfxl.model import Project

    # Only a name filled in: a form with nothing at all filled in would be skipped as blank.
    path = write_template(tmp_path / "t.xlsx", profile="2021", year=2024, projects=[Project(name="道路养护")])
    result = read([str(path)])
    assert {p.framework for p in result.projects} == {"2021"}


def test_cli_profile_forces_one_framework(tmp_path):
    from perfxl.cli import main

    rows = form(["一级指标", "二级指标", "三级指标", "指标值"], [["产出指标", "数量指标", "次数", "≥2次"],
                ["效益指标", "社会效益指标", "效果", "提升"]] + SATISFIED)
    path = write_workbook(tmp_path / "f.xlsx", {"表": rows})
    assert CliRunner().invoke(main, ["validate", str(path), "-q"]).exit_code == 0
    forced = CliRunner().invoke(main, ["validate", str(path), "-q", "--profile", "2021"])
    assert forced.exit_code == 1 and "缺少成本指标" in forced.output and "2021版" in forced.output


@pytest.mark.parametrize("cached", [1, ""], ids=["excel-cached-value", "script-without-value"])
def test_values_typed_as_formulas_are_read_as_typed(tmp_path, cached):
    rows = form(["一级指标", "二级指标", "三级指标", "年度指标值"], [
        ["产出指标", "质量指标", "合格率", ("100%", cached)], ["", "数量指标", "席位", ("3席", "#NAME?")],
        ["", "", "金额差", ("E5-E4", cached)]])
    result = read([str(write_workbook(tmp_path / "f.xlsx", {"表": rows}))])
    (p,) = result.projects
    assert [i.value for i in p.indicators][:2] == ["=100%", "=3席"]
    assert p.indicators[0].target.operator == "=" and p.indicators[0].target.unit == "%"
    typed = [(f.cell, f.code) for f in result.findings if f.code in ("value-typed-as-formula", "formula-without-value")]
    expected = [("D7", "value-typed-as-formula"), ("D8", "value-typed-as-formula")]
    if cached == "":  # a real formula saved without its result is read from its text, and said
        assert p.indicators[2].value == "=E5-E4"
        expected.append(("D9", "formula-without-value"))
    else:
        assert p.indicators[2].value == "1"
    assert typed == expected
    assert "formula-error" not in codes(result)
