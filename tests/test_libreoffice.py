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


def test_libreoffice_gives_the_level2_list_of_the_nearest_level1_above(tmp_path):
    """The template's 二级 list formula on rows whose 一级 is left blank (同上): LibreOffice evaluates
    it to the list of the nearest 一级 above, and a row's own 一级 still decides on its row."""
    from perfxl.template import HEADER_ROW, _nearest_level1

    first = HEADER_ROW + 1
    column_a = ["产出指标", "", "", "效益指标", "", "满意度指标", ""]
    path = tmp_path / "nearest.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("检验")
    _define_lists(wb, load_profile("2015"))
    for i, level1 in enumerate(column_a):
        row = first + i
        if level1:
            ws.write_string(row, 0, level1)
        nearest = _nearest_level1(first).replace(f"$A{first + 1}", f"$A{row + 1}")  # as the list sees it on this row
        ws.write_formula(row, 1, f"={nearest}", None, "")
        lists = f'INDIRECT("_L2_"&MATCH({nearest},_L1,0))'
        ws.write_formula(row, 2, f"=ROWS({lists})", None, 0)
        ws.write_formula(row, 3, f"=INDEX({lists},1)", None, "")
        ws.write_formula(row, 4, f"=INDEX({lists},ROWS({lists}))", None, "")
    wb.close()
    converted = libreoffice_convert(path, tmp_path, recalc=True)
    sheet = python_calamine.CalamineWorkbook.from_path(str(converted)).get_sheet_by_name("检验")
    rows = sheet.to_python(skip_empty_area=False)[first:first + len(column_a)]
    assert [row[1:5] for row in rows] == [
        ["产出指标", 4, "数量指标", "成本指标"], ["产出指标", 4, "数量指标", "成本指标"],
        ["产出指标", 4, "数量指标", "成本指标"], ["效益指标", 4, "经济效益指标", "可持续影响指标"],
        ["效益指标", 4, "经济效益指标", "可持续影响指标"], ["满意度指标", 1, "服务对象满意度指标", "服务对象满意度指标"],
        ["满意度指标", 1, "服务对象满意度指标", "服务对象满意度指标"]]


def test_the_template_lists_follow_the_nearest_level1(tmp_path):
    """The formula the template writes for the 二级 list is the nearest-一级 one, and survives LibreOffice."""
    from perfxl.template import HEADER_ROW, _nearest_level1

    converted = libreoffice_convert(write_template(tmp_path / "模板.xlsx", year=2023), tmp_path)
    ws = openpyxl.load_workbook(converted)["项目1"]
    level2 = [dv for dv in ws.data_validations.dataValidation if "INDIRECT" in (dv.formula1 or "")]
    assert len(level2) == 1
    assert str(level2[0].sqref).startswith(f"B{HEADER_ROW + 2}")
    assert "LOOKUP(2,1/(" in level2[0].formula1 and "$A$13:$A13" in level2[0].formula1
    assert _nearest_level1(HEADER_ROW + 1) == 'IF($A13<>"",$A13,LOOKUP(2,1/($A$13:$A13<>""),$A$13:$A13))'
