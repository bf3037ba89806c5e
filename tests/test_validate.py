"""perfxl validate: findings, output formats and exit codes; the rules on the seed."""

import json
import os
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner

from perfxl.model import Funds, Indicator, Project
from perfxl.profile import load_profile
from perfxl.rules import check_project
from perfxl.targets import parse_target
from conftest import DATA_2023, SEED_NAMES, write_workbook

# Every finding the seed gives under the 2015 profile (file stem, level, code, cell). No seed form
# fills 项目属性, which the template (into which the seed was imported) asks for in B6.
SEED_FINDINGS_2015 = {
    ("质量发展专项经费", "error", "missing-level1", "B4"),
    ("市场监管局执法服装采购经费", "warning", "value-without-unit", "E13"),
} | {(name, "warning", "missing-attribute", "B6") for name in SEED_NAMES}


def test_seed_findings():
    result = CliRunner().invoke(main_cli(), ["validate", str(DATA_2023), "--format", "json"])
    assert result.exit_code == 1
    findings = json.loads(result.output)
    serious = {(f["project"], f["level"], f["code"], f["cell"]) for f in findings if f["level"] != "notice"}
    assert serious == SEED_FINDINGS_2015
    notices = [f for f in findings if f["level"] == "notice"]
    assert {f["code"] for f in notices} == {"implicit-operator"}
    assert len(notices) == 24
    error = next(f for f in findings if f["level"] == "error")
    assert error["message"] == "缺少效益指标：每个项目至少要有一个效益指标（2015版指标体系），请补充"
    assert set(error) == {"level", "code", "file", "sheet", "cell", "project", "project_id", "message", "path"}
    assert error["project_id"].endswith("质量发展专项经费.xlsx!质量发展专项经费#1")
    assert error["sheet"] == "质量发展专项经费"


def main_cli():
    from perfxl.cli import main
    return main


def test_text_output_and_count_line():
    result = CliRunner().invoke(main_cli(), ["validate", str(DATA_2023), "-q"])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1
    assert lines[-1] == "共检查 8 个文件、8 个项目：错误 1 个，警告 9 个，提示 24 个。"
    error_line = next(line for line in lines if " 错误 " in line)
    assert error_line == ("2023/质量发展专项经费.xlsx!质量发展专项经费!B4 错误 missing-level1 "
                          "缺少效益指标：每个项目至少要有一个效益指标（2015版指标体系），请补充")


def test_profile_2021_requires_cost():
    result = CliRunner().invoke(main_cli(), ["validate", str(DATA_2023), "--profile", "2021", "--format", "json"])
    codes = [(f["project"], f["message"]) for f in json.loads(result.output) if f["code"] == "missing-level1"]
    assert len([c for c in codes if "缺少成本指标" in c[1]]) == 8


def test_clean_file_exits_0(tmp_path):
    result = CliRunner().invoke(main_cli(), ["validate", str(DATA_2023 / "市场监管局工作业务经费.xlsx"), "-q"])
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1] == "共检查 1 个文件、1 个项目：错误 0 个，警告 1 个，提示 3 个。"


def test_nothing_readable_exits_2(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    result = CliRunner().invoke(main_cli(), ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "没有找到可检查的表格文件" in result.output


def test_missing_path_exits_2(tmp_path):
    result = CliRunner().invoke(main_cli(), ["validate", str(tmp_path / "无此文件.xlsx")])
    assert result.exit_code == 2
    assert result.output.strip() == f"错误：找不到：{tmp_path / '无此文件.xlsx'}；请检查路径"


def test_windows_style_glob_is_expanded(tmp_path):
    result = CliRunner().invoke(main_cli(), ["validate", str(DATA_2023 / "市场*.xlsx"), "--format", "json", "-q"])
    assert result.exit_code == 0
    assert {f["project"] for f in json.loads(result.output)} >= {"市场监管局工作业务经费", "市场监管服务中心工作业务经费"}


def _project(values, level1="产出指标", level2="数量指标", **funds):
    p = Project(name="测试项目", department="部门", unit="单位", file="f.xlsx", sheet="表")
    p.funds_year = Funds(**({"total": Decimal(10), "fiscal": Decimal(10)} | funds))
    p.funds_period = Funds(total=Decimal(10), fiscal=Decimal(10))
    base = [("效益指标", "社会效益指标", "效益", "提升"), ("满意度指标", "服务对象满意度指标", "满意度", "≥90%")]
    rows = [(level1, level2, name, v) for name, v in values] + base
    p.indicators = [Indicator(a, b, c, v, parse_target(v), cell=f"C{13 + i}", value_cell=f"E{13 + i}")
                    for i, (a, b, c, v) in enumerate(rows)]
    return p


def codes(project, profile="2015"):
    return [(f.level, f.code, f.cell) for f in check_project(project, load_profile(profile))]


@pytest.mark.parametrize("values, expected", [
    ([("宣传次数", "≥2次")], []),
    ([("宣传次数", "*")], [("error", "placeholder-value", "E13")]),
    ([("宣传次数", "≥**%")], [("error", "placeholder-value", "E13")]),
    ([("宣传次数", "")], [("error", "missing-value", "E13")]),
    ([("", "≥2次")], [("error", "missing-level3", "C13")]),
    ([("宣传次数", "≥12")], [("warning", "value-without-unit", "E13")]),
    ([("合格率", "≥120%")], [("warning", "rate-over-100", "E13")]),
    ([("次数", "≥2次"), ("次数", "≥3次")], [("warning", "duplicate-indicator", "C13")]),
])
def test_indicator_rules(values, expected):
    assert codes(_project(values)) == expected


@pytest.mark.parametrize("values, expected", [
    ([("宣传\x07次数", "≥2次")], [("warning", "control-characters", "C13")]),
    ([("宣传次数", "≥2次\x1f")], [("warning", "control-characters", "E13")]),
    ([("宣传次数", "长" * 32768)], [("warning", "text-too-long", "E13")]),
    ([("#REF!", "≥2次")], [("error", "formula-error", "C13")]),
])
def test_text_rules_on_one_indicator(values, expected):
    """Each text check finds its one cell among clean ones (check_text decides the clean case at once)."""
    assert [c for c in codes(_project(values)) if c[1] != "implicit-operator"] == expected


def test_satisfaction_rules():
    p = _project([("次数", "≥2次")])
    p.indicators[-1].value, p.indicators[-1].target = "≥70%", parse_target("≥70%")
    assert codes(p) == [("warning", "satisfaction-low", "E15")]
    p.indicators[-1].value, p.indicators[-1].target = "100%", parse_target("100%")
    assert ("warning", "satisfaction-100", "E15") in codes(p)


def test_cost_written_with_ge():
    assert codes(_project([("单位成本", "≥5万元")], level2="成本指标")) == [("warning", "cost-greater-than", "E13")]


def test_amount_rules():
    p = _project([("次数", "≥2次")], total=Decimal(10), fiscal=Decimal(8), other=Decimal(1))
    p.cells["funds_year.total"] = "E7"
    assert codes(p) == [("error", "amount-sum-mismatch", "E7")]
    p = _project([("次数", "≥2次")], total=Decimal(20), fiscal=Decimal(20))
    assert ("error", "year-exceeds-period", "") in codes(p)
    p = _project([("次数", "≥2次")], total=Decimal(-1), fiscal=None)
    assert ("error", "amount-negative", "") in codes(p)
    p = _project([("次数", "≥2次")], total=None, fiscal=None)
    assert ("error", "missing-year-amount", "") in codes(p)
    p = _project([("次数", "≥2次")], total=Decimal("10.005"), fiscal=Decimal(10))
    assert codes(p) == []  # within 0.01 万元


def test_missing_fields_and_bad_amount_text(tmp_path):
    rows = [["项目名称", "", "项目实施期", "2023年"], ["主管部门", "局", "实施单位", ""],
            ["资金投入(万元)", "实施期金额", "十万", "年度金额", "abc"],
            ["一级指标", "二级指标", "三级指标", "年度指标值"], ["产出指标", "数量指标", "次数", "≥1次"]]
    path = write_workbook(tmp_path / "bad.xlsx", {"表": rows})
    result = CliRunner().invoke(main_cli(), ["validate", str(path), "--format", "json"])
    found = {(f["code"], f["cell"]) for f in json.loads(result.output) if f["level"] == "error"}
    assert {("missing-project-name", "B1"), ("missing-implementing-unit", "D2"), ("amount-not-number", "C3"),
            ("amount-not-number", "E3")} <= found
    assert result.exit_code == 1


def _template_form(tmp_path, rows, **fields):
    """A filled template (the official layout: 一级 in A, 二级 in B, 三级 in C from row 13) read back."""
    from perfxl.pipeline import read
    from perfxl.template import write_template

    p = Project(name="测试项目", department="部门", unit="单位", attribute="延续项目", goal_period="目标",
                goal_year="目标", funds_year=Funds(Decimal(10), Decimal(10)), funds_period=Funds(Decimal(10), Decimal(10)))
    for key, value in fields.items():
        setattr(p, key, value)
    p.indicators = [Indicator(a, b, c, v, parse_target(v)) for a, b, c, v in rows]
    path = write_template(tmp_path / "表.xlsx", projects=[p], year=2024)
    return read([path])


def test_level_findings_point_at_the_level_cells(tmp_path):
    """一级 findings name the 一级 cell (A), 二级 findings the 二级 cell (B); a 一级 left blank as 同上
    points at the cell above where it was written."""
    rows = [("产出指标", "数量指标", "次数", "≥2次"),
            ("成果指标", "数量指标", "成果", "≥1个"),           # A14: outside the framework
            ("", "质量效果", "成果二", "≥2个"),                 # 一级 同上: still A14
            ("效益指标", "效果指标", "效果", "提升"),            # B16: 二级 outside the framework
            ("产出指标", "", "质量", "高"),                     # B17: 二级 blank under a new 一级
            ("产出指标", "社会效益指标", "社会", "提升"),        # B18: 二级 of another 一级
            ("产出指标", "经济成本指标", "成本", "≤5万元"),      # B19: a local hybrid the profile knows
            ("满意度指标", "服务对象满意度指标", "满意度", "≥90%")]
    result = _template_form(tmp_path, rows)
    found = [(f.level, f.code, f.cell) for f in result.findings if f.code != "implicit-operator"]
    # The 一级 cell A14 covers two rows: one finding, one thing to change.
    assert found == [("error", "unknown-level1", "A14"),
                     ("error", "unknown-level2", "B16"), ("warning", "missing-level2", "B17"),
                     ("warning", "level2-elsewhere", "B18"), ("notice", "level-hybrid", "B19")]
    messages = {f.code: f.message for f in result.findings}
    assert messages["unknown-level1"] == ("一级指标“成果指标”不在2015版指标体系中："
                                          "请改为 产出指标、效益指标、满意度指标 之一")
    assert messages["unknown-level2"] == ("二级指标“效果指标”不在2015版指标体系中：请改为 经济效益指标、社会效益指标、"
                                          "生态效益指标、可持续影响指标 之一")
    assert messages["level2-elsewhere"] == ("二级指标“社会效益指标”在2015版指标体系中属于“效益指标”，不属于“产出指标”："
                                            "请把一级指标改为“效益指标”，或改选 数量指标、质量指标、时效指标、成本指标 之一")
    assert result.errors == 2


def test_blank_first_level1_points_at_a(tmp_path):
    rows = [("", "", "次数", "≥2次"), ("效益指标", "社会效益指标", "效果", "提升"),
            ("满意度指标", "服务对象满意度指标", "满意度", "≥90%")]
    result = _template_form(tmp_path, rows)
    found = [(f.level, f.code, f.cell) for f in result.findings if f.code not in ("implicit-operator", "missing-level1")]
    assert found == [("error", "missing-level1-cell", "A13")]


def test_outside_framework_exits_1(tmp_path):
    rows = [("成果指标", "数量指标", "次数", "≥2次"), ("效益指标", "社会效益指标", "效果", "提升"),
            ("满意度指标", "服务对象满意度指标", "满意度", "≥90%")]
    _template_form(tmp_path, rows)
    result = CliRunner().invoke(main_cli(), ["validate", str(tmp_path / "表.xlsx"), "-q"])
    assert result.exit_code == 1
    assert "表.xlsx!测试项目!A13 错误 unknown-level1" in result.output


def test_empty_year_goal_and_attribute_are_warnings(tmp_path):
    rows = [("产出指标", "数量指标", "次数", "≥2次"), ("效益指标", "社会效益指标", "效果", "提升"),
            ("满意度指标", "服务对象满意度指标", "满意度", "≥90%")]
    result = _template_form(tmp_path, rows, goal_year="", attribute="")
    found = [(f.level, f.code, f.cell, f.message) for f in result.findings if f.code != "implicit-operator"]
    assert found == [("warning", "missing-year-goal", "D11", "年度目标为空：请写明本年度要达到的绩效目标"),
                     ("warning", "missing-attribute", "B6", "项目属性为空：请填写 新增项目、延续项目 之一")]
    assert result.errors == 0


def test_no_attribute_warning_where_the_layout_has_no_attribute(tmp_path):
    rows = [["项目名称", "项目一", "项目实施期", "2023年"], ["主管部门", "局", "实施单位", "单位"],
            ["资金投入(万元)", "年度金额", "5"], ["绩效目标", "年度目标", ""],
            ["一级指标", "二级指标", "三级指标", "年度指标值"], ["产出指标", "数量指标", "次数", "≥1次"]]
    from perfxl.pipeline import read
    result = read([write_workbook(tmp_path / "a.xlsx", {"表": rows})])
    codes = [(f.code, f.cell) for f in result.findings]
    assert ("missing-year-goal", "B5") in codes
    assert "missing-attribute" not in [c for c, _ in codes]


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7])
def test_json_output_in_pieces_is_json_dumps_of_the_whole(count):
    """validate --format json writes its array a few findings at a time; the text is the one json.dumps would make."""
    from perfxl.cli import json_array

    name = os.fsdecode(b"\xff\xe5\x9d\x8f.xlsx")  # not UTF-8: \udcff in the text, escaped in the JSON
    items = [{"level": "error", "file": name if n % 2 else f"甲局/道路{n}.xlsx", "cell": None,
              "message": f"第 {n} 行\n“引号”\t\\ \"x\""} for n in range(count)]
    whole = json.dumps(items, ensure_ascii=False, indent=1)
    expected = re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", whole)
    pieces = list(json_array(iter(items), batch=2))
    assert "".join(pieces) == expected
    assert len(pieces) == count // 2 + 1
    assert json.loads("".join(pieces)) == items
