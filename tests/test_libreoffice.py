"""A real spreadsheet application opens our files: LibreOffice headless (fails in CI if missing)."""

import openpyxl
import python_calamine
import xlsxwriter

from perfxl.profile import load_profile
from perfxl.template import _define_lists, write_template
from conftest import libreoffice_convert


def test_template_survives_libreoffice(tmp_path):
    source = write_template(tmp_path / "模板.xlsx", year=2023)
    converted = libreoffice_convert(source, tmp_path)
    wb = openpyxl.load_workbook(converted)
    names = set(wb.defined_names)
    assert {"_L1", "_L2_1", "_L2_2", "_L2_3", "_ATTR"} <= names
    ws = wb["项目1"]
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert "_L1" in formulas
    assert any("INDIRECT" in f and "_L2_" in f and "_L1" in f for f in formulas)
    assert wb["指标体系"].sheet_state == "hidden"
    assert ws.protection.sheet is True


def test_libreoffice_evaluates_the_dependent_list(tmp_path):
    """The 二级 list formula, evaluated by LibreOffice, gives the 一级's own 二级 choices."""
    path = tmp_path / "lists.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("检验")
    _define_lists(wb, load_profile("2015"))
    ws.write_string("A1", "产出指标")
    ws.write_string("A2", "效益指标")
    for col in range(4):
        ws.write_formula(0, col + 1, f'=INDEX(INDIRECT("_L2_"&MATCH($A1,_L1,0)),{col + 1})', None, "")
        ws.write_formula(1, col + 1, f'=INDEX(INDIRECT("_L2_"&MATCH($A2,_L1,0)),{col + 1})', None, "")
    wb.close()
    converted = libreoffice_convert(path, tmp_path, recalc=True)
    rows = python_calamine.CalamineWorkbook.from_path(str(converted)).get_sheet_by_name("检验").to_python()
    assert rows[0][1:5] == ["数量指标", "质量指标", "时效指标", "成本指标"]
    assert rows[1][1:5] == ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"]
