"""The master template: layout, dependent dropdowns, protection, print setup, determinism."""

import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.template import write_template
from xlsxparts import assert_same_parts

ROOT = Path(__file__).resolve().parent.parent


def range_values(wb, ref: str) -> list:
    sheet, cells = ref.lstrip("=").split("!")
    ws = wb[sheet.strip("'")]
    return [row[0].value for row in ws[cells.replace("$", "")]]


def level2_choices(wb, ws, level1: str, row: int = 13) -> list:
    """Evaluate the 二级 validation of a row the way Excel does, for a given 一级."""
    rule = next(dv for dv in ws.data_validations.dataValidation if f"B{row}" in dv.sqref)
    assert rule.type == "list"
    nearest = f'IF($A{row}<>"",$A{row},LOOKUP(2,1/($A${row}:$A{row}<>""),$A${row}:$A{row}))'
    assert rule.formula1 == f'INDIRECT("_L2_"&MATCH({nearest},_L1,0))'  # a row with its own 一级 uses it
    level1s = range_values(wb, wb.defined_names["_L1"].attr_text)
    index = level1s.index(level1) + 1
    return range_values(wb, wb.defined_names[f"_L2_{index}"].attr_text)


@pytest.fixture(scope="module")
def template_2015(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "模板.xlsx"
    write_template(path, year=2023, department="某某局", sheets=2)
    return path


def test_dependent_dropdown_2015(template_2015):
    wb = openpyxl.load_workbook(template_2015)
    ws = wb["项目1"]
    assert level2_choices(wb, ws, "产出指标") == ["数量指标", "质量指标", "时效指标", "成本指标"]
    assert level2_choices(wb, ws, "满意度指标") == ["服务对象满意度指标"]
    assert range_values(wb, wb.defined_names["_L1"].attr_text) == ["产出指标", "效益指标", "满意度指标"]


def test_dependent_dropdown_2021(tmp_path):
    path = write_template(tmp_path / "t.xlsx", year=2023, profile="2021")
    wb = openpyxl.load_workbook(path)
    ws = wb["项目1"]
    assert level2_choices(wb, ws, "产出指标") == ["数量指标", "质量指标", "时效指标"]
    assert level2_choices(wb, ws, "成本指标") == ["经济成本指标", "社会成本指标", "生态环境成本指标"]


def test_lists_are_on_a_hidden_sheet_never_inline(template_2015):
    wb = openpyxl.load_workbook(template_2015)
    assert wb["指标体系"].sheet_state == "hidden"
    assert wb.sheetnames == ["项目1", "项目2", "填表说明", "指标体系"]
    for ws in (wb["项目1"], wb["项目2"]):
        lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
        assert len(lists) == 3  # 项目属性, 一级, 二级
        assert all('"' not in dv.formula1 or "INDIRECT" in dv.formula1 for dv in lists)
        assert {dv.formula1 for dv in lists} >= {"_L1", "_ATTR"}
    assert range_values(wb, wb.defined_names["_ATTR"].attr_text) == ["新增项目", "延续项目"]


def test_layout_and_at_least_30_indicator_rows(template_2015):
    ws = openpyxl.load_workbook(template_2015)["项目1"]
    assert ws["A1"].value == "本级预算项目绩效目标表"
    assert ws["A2"].value == "（2023年度）"
    assert ws["A3"].value == "填报单位（盖章）：某某局"
    assert ws["E3"].value == "单位：万元"
    assert [ws[c].value for c in ("A4", "D4", "A5", "D5", "A6", "D6")] == [
        "项目名称", "项目实施期", "主管部门", "实施单位", "项目属性", "项目类别"]
    assert ws["B5"].value == "某某局"
    assert ws["E4"].value == "2023年1月至2023年12月"
    assert [ws[c].value for c in ("A7", "B7", "D7", "B8", "B9")] == [
        "资金投入（万元）", "实施期金额", "年度金额", "其中：财政拨款", "其他资金"]
    assert [ws[c].value for c in ("A12", "B12", "C12", "E12")] == ["一级指标", "二级指标", "三级指标", "年度指标值"]
    level1_rule = next(dv for dv in ws.data_validations.dataValidation if dv.formula1 == "_L1")
    assert str(level1_rule.sqref) == "A13:A42"
    assert ws["A43"].value == "填表人"


def test_amount_and_value_help(template_2015):
    ws = openpyxl.load_workbook(template_2015)["项目1"]
    money = [dv for dv in ws.data_validations.dataValidation if dv.type == "decimal"]
    assert {str(dv.sqref) for dv in money} == {"C7:C9", "E7:E9"}
    assert all(dv.operator == "greaterThanOrEqual" and dv.formula1 == "0" for dv in money)
    assert "不小于 0" in money[0].error
    assert ws["C7"].number_format == "0.00"
    # typed "100%" or "=3席" must stay text in Excel, not turn into 1 or a formula
    assert {ws[c].number_format for c in ("B4", "E4", "A13", "B13", "C13", "E13", "B11", "D11")} == {"@"}
    value_help = next(dv for dv in ws.data_validations.dataValidation if "E13" in dv.sqref and dv.prompt)
    assert "≥130个" in value_help.prompt and "≤34000套" in value_help.prompt


def test_labels_locked_inputs_unlocked_no_password(template_2015):
    ws = openpyxl.load_workbook(template_2015)["项目1"]
    assert ws.protection.sheet is True
    assert not ws.protection.password
    assert ws["A4"].protection.locked is True
    assert ws["A12"].protection.locked is True
    for cell in ("B4", "E4", "C7", "E7", "B11", "A13", "B13", "C13", "E13", "A42"):
        assert ws[cell].protection.locked is False, cell


def test_print_setup(template_2015):
    ws = openpyxl.load_workbook(template_2015)["项目1"]
    assert ws.page_setup.paperSize == 9
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default and may be omitted
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_area == "'项目1'!$A$1:$F$43"


def test_guide_sheet_lists_framework(template_2015):
    ws = openpyxl.load_workbook(template_2015)["填表说明"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "数量指标、质量指标、时效指标、成本指标" in texts
    assert any("≥130个" in t for t in texts)


def _parts(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.mark.parametrize("profile", ["2015", "2021"])
def test_shipped_templates_match_the_code(tmp_path, profile, monkeypatch):
    """workbook_templates/ must be regenerated when the template code changes:
    perfxl template --year 2023 --profile P -o workbook_templates/本级预算项目绩效目标表_P.xlsx"""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    shipped = ROOT / "workbook_templates" / f"本级预算项目绩效目标表_{profile}.xlsx"
    fresh = write_template(tmp_path / "t.xlsx", year=2023, profile=profile)
    assert_same_parts(fresh, shipped)  # as XML: every allowed xlsxwriter version writes other bytes


def test_deterministic_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    a = write_template(tmp_path / "a.xlsx", year=2023).read_bytes()
    b = write_template(tmp_path / "b.xlsx", year=2023).read_bytes()
    assert a == b
    assert b"2023-11-14T22:13:20Z" in _parts(tmp_path / "a.xlsx")["docProps/core.xml"]


def test_cli_template(tmp_path):
    out = tmp_path / "模板 2023.xlsx"
    result = CliRunner().invoke(main, ["template", "-o", str(out), "--year", "2023", "--department", "甲局",
                                       "--unit", "乙中心", "--sheets", "3", "--profile", "2021"])
    assert result.exit_code == 0, result.output
    assert "已生成模板" in result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["项目1", "项目2", "项目3"]
    assert wb["项目3"]["E5"].value == "乙中心"


def test_cli_template_bad_profile_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "t.xlsx"), "--profile", "2099"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["错误：找不到指标体系文件：2099；请写 2015、2021 或一个 JSON 文件的路径"]
    assert not (tmp_path / "t.xlsx").exists()
