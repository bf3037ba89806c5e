"""The master form workbook (blank or filled from Projects), written with xlsxwriter.

Layout (columns A–F), the official 本级预算项目绩效目标表: title, (年度), 填报单位 and 单位,
the field block, the two-column funds block, the goals block and the indicator table, with a
填表人 row closing the table. 一级 and 二级 are dropdowns fed from a hidden 指标体系 sheet through
defined names; the 二级 list depends on the row's 一级, or on the nearest one above where it is
left blank as 同上.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from .model import PROJECT_ATTRIBUTES, Project, column_letter
from .output import atomic_path, build_time, cell_text
from .profile import Profile, load_profile

MIN_INDICATOR_ROWS = 30
LISTS_SHEET = "指标体系"
GUIDE_SHEET = "填表说明"
HEADER_ROW = 11  # 0-based row of the 一级指标 header
VALUE_HELP = ("先写符号，再写数值和单位：≥130个、=100%、≤34000套、≤1个工作日、=3席。"
              "定性指标写文字：高、提升、降低、优、良好。不要留 * 或 XX。")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\']")


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤31 characters, no []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub("_", name).strip() or "项目"
    base = base[:31]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


class _Formats:
    def __init__(self, wb):
        base = {"font_name": "宋体", "font_size": 11, "border": 1, "valign": "vcenter", "text_wrap": True}
        self.title = wb.add_format({"font_name": "宋体", "font_size": 18, "bold": True, "align": "center",
                                    "valign": "vcenter"})
        self.sub = wb.add_format({"font_name": "宋体", "font_size": 11, "align": "center"})
        self.plain = wb.add_format({"font_name": "宋体", "font_size": 11})
        self.plain_input = wb.add_format({"font_name": "宋体", "font_size": 11, "locked": False})
        self.right = wb.add_format({"font_name": "宋体", "font_size": 11, "align": "right"})
        self.label = wb.add_format({**base, "bold": True, "align": "center", "bg_color": "#F2F2F2"})
        # Text format (@) on every text input: typed "100%" or "=3席" must stay text, not become 1 or a formula.
        self.text = wb.add_format({**base, "locked": False, "num_format": "@"})
        self.center = wb.add_format({**base, "locked": False, "align": "center", "num_format": "@"})
        self.money = wb.add_format({**base, "locked": False, "num_format": "0.00", "align": "right"})
        self.goal = wb.add_format({**base, "locked": False, "valign": "top", "num_format": "@"})
        self.guide_title = wb.add_format({"font_name": "宋体", "font_size": 14, "bold": True})
        self.guide = wb.add_format({"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top"})
        self.guide_head = wb.add_format({"font_name": "宋体", "font_size": 11, "bold": True, "border": 1,
                                         "bg_color": "#F2F2F2"})
        self.guide_cell = wb.add_format({"font_name": "宋体", "font_size": 11, "border": 1, "text_wrap": True})


def _amount(value):
    return "" if value is None else float(value)


def _define_lists(wb, profile: Profile) -> None:
    """The hidden 指标体系 sheet and the defined names the dropdowns use.

    _L1 lists the 一级; _L2_1, _L2_2, … the 二级 of the n-th 一级 (so the 二级 validation is
    INDIRECT("_L2_"&MATCH(一级,_L1,0))); _ATTR the 项目属性 choices.
    """
    ws = wb.add_worksheet(LISTS_SHEET)
    ws.hide()
    quoted = f"'{LISTS_SHEET}'"
    level1 = list(profile.levels)
    ws.write_string(0, 0, "一级指标")
    for i, name in enumerate(level1):
        ws.write_string(i + 1, 0, name)
    wb.define_name("_L1", f"={quoted}!$A$2:$A${len(level1) + 1}")
    for i, name in enumerate(level1):
        col = i + 2
        ws.write_string(0, col, name)
        for j, child in enumerate(profile.levels[name]):
            ws.write_string(j + 1, col, child)
        letter = column_letter(col)
        wb.define_name(f"_L2_{i + 1}", f"={quoted}!${letter}$2:${letter}${len(profile.levels[name]) + 1}")
    attr_col = len(level1) + 3
    letter = column_letter(attr_col)
    ws.write_string(0, attr_col, "项目属性")
    for j, name in enumerate(PROJECT_ATTRIBUTES):
        ws.write_string(j + 1, attr_col, name)
    wb.define_name("_ATTR", f"={quoted}!${letter}$2:${letter}${len(PROJECT_ATTRIBUTES) + 1}")


def _nearest_level1(first: int) -> str:
    """The 一级 a row's 二级 list follows: the row's own, or, left blank as 同上, the nearest above.

    LOOKUP(2,1/(range<>""),range) is the last non-blank cell of the range (LOOKUP treats the
    array natively, no array entry needed). The IF keeps a row with its own 一级 on the plain
    reference, so such rows never depend on how an application evaluates arrays in a list source.
    LibreOffice's result is checked in tests/test_libreoffice.py.
    """
    here, top = f"$A{first + 1}", f"$A${first + 1}"
    return f'IF({here}<>"",{here},LOOKUP(2,1/({top}:{here}<>""),{top}:{here}))'


def _write_form(wb, ws, f: _Formats, profile: Profile, project: Project | None, year: str,
                department: str, unit: str) -> None:
    p = project or Project(department=department, unit=unit, period=f"{year}年1月至{year}年12月")
    ws.set_column("A:A", 14)
    ws.set_column("B:B", 18)
    ws.set_column("C:C", 24)
    ws.set_column("D:D", 16)
    ws.set_column("E:F", 13)
    ws.set_row(0, 30)
    ws.merge_range("A1:F1", "本级预算项目绩效目标表", f.title)
    ws.merge_range("A2:F2", f"（{p.year or year}年度）", f.sub)
    reporter = p.reporter or department
    ws.merge_range("A3:D3", cell_text(f"填报单位（盖章）：{reporter}"), f.plain)
    ws.merge_range("E3:F3", "单位：万元", f.right)

    def field_row(row, left_label, left_value, right_label, right_value):
        ws.write_string(row, 0, left_label, f.label)
        ws.merge_range(row, 1, row, 2, "", f.text)
        ws.write_string(row, 1, cell_text(left_value), f.text)
        ws.write_string(row, 3, right_label, f.label)
        ws.merge_range(row, 4, row, 5, "", f.text)
        ws.write_string(row, 4, cell_text(right_value), f.text)

    field_row(3, "项目名称", p.name, "项目实施期", p.period)
    field_row(4, "主管部门", p.department, "实施单位", p.unit)
    field_row(5, "项目属性", p.attribute, "项目类别", p.category)
    ws.data_validation(5, 1, 5, 1, {"validate": "list", "source": "=_ATTR", "error_type": "warning",
                                    "error_title": "项目属性", "error_message": "请选择 新增项目 或 延续项目"})

    ws.merge_range("A7:A9", "资金投入（万元）", f.label)
    rows = [("实施期金额", "年度金额", "total"), ("其中：财政拨款", "其中：财政拨款", "fiscal"),
            ("其他资金", "其他资金", "other")]
    for i, (left, right, slot) in enumerate(rows):
        r = 6 + i
        ws.write_string(r, 1, left, f.label)
        ws.write(r, 2, _amount(getattr(p.funds_period, slot)), f.money)
        ws.write_string(r, 3, right, f.label)
        ws.merge_range(r, 4, r, 5, "", f.money)
        ws.write(r, 4, _amount(getattr(p.funds_year, slot)), f.money)
    money_rule = {"validate": "decimal", "criteria": ">=", "value": 0, "ignore_blank": True,
                  "error_title": "金额有误", "error_message": "请填写不小于 0 的数字，单位万元，例如 8.2 或 277.13。",
                  "input_title": "金额（万元）", "input_message": "只填数字，单位万元，最多保留两位小数。"}
    ws.data_validation(6, 2, 8, 2, money_rule)
    ws.data_validation(6, 4, 8, 4, money_rule)

    ws.merge_range("A10:A11", "绩效目标", f.label)
    ws.merge_range("B10:C10", "实施期目标", f.label)
    ws.merge_range("D10:F10", "年度目标", f.label)
    ws.merge_range("B11:C11", cell_text(p.goal_period), f.goal)
    ws.merge_range("D11:F11", cell_text(p.goal_year), f.goal)
    longest = max(len(p.goal_period), len(p.goal_year))
    ws.set_row(10, max(90, min(400, 15 * (longest // 20 + 2))))

    h = HEADER_ROW
    ws.write_string(h, 0, "一级指标", f.label)
    ws.write_string(h, 1, "二级指标", f.label)
    ws.merge_range(h, 2, h, 3, "三级指标", f.label)
    ws.merge_range(h, 4, h, 5, "年度指标值", f.label)
    count = max(MIN_INDICATOR_ROWS, len(p.indicators) + 5)
    for i in range(count):
        r = h + 1 + i
        ind = p.indicators[i] if i < len(p.indicators) else None
        ws.write_string(r, 0, ind.level1 if ind else "", f.center)
        ws.write_string(r, 1, ind.level2 if ind else "", f.center)
        ws.merge_range(r, 2, r, 3, "", f.text)
        ws.write_string(r, 2, cell_text(ind.level3) if ind else "", f.text)
        ws.merge_range(r, 4, r, 5, "", f.center)
        ws.write_string(r, 4, cell_text(ind.value) if ind else "", f.center)
    first, last = h + 1, h + count
    ws.data_validation(first, 0, last, 0, {
        "validate": "list", "source": "=_L1", "error_title": "一级指标",
        "error_message": "请从下拉列表中选择一级指标。"})
    ws.data_validation(first, 1, last, 1, {
        "validate": "list", "source": f'=INDIRECT("_L2_"&MATCH({_nearest_level1(first)},_L1,0))',
        "error_title": "二级指标", "error_message": "请先选一级指标，再从下拉列表中选择二级指标。"})
    ws.data_validation(first, 4, last, 4, {
        "validate": "any", "input_title": "年度指标值写法", "input_message": VALUE_HELP})
    closing = last + 1
    ws.write_string(closing, 0, "填表人", f.label)
    ws.merge_range(closing, 1, closing, 2, cell_text(p.contact), f.text)
    ws.write_string(closing, 3, "联系电话", f.label)
    ws.merge_range(closing, 4, closing, 5, cell_text(p.phone), f.text)

    finish_form_sheet(ws, closing, 5, h, side_margin=0.5)


def finish_form_sheet(ws, last_row: int, last_col: int, header_row: int, side_margin: float) -> None:
    """What every form sheet perfxl writes shares: labels locked without a password (inputs are
    unlocked by their formats), A4 portrait one page wide, the table header repeated on each page."""
    ws.protect("", {"format_rows": True, "format_columns": True, "select_locked_cells": True,
                    "select_unlocked_cells": True})
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=side_margin, right=side_margin, top=0.6, bottom=0.6)
    ws.print_area(0, 0, last_row, last_col)
    ws.repeat_rows(header_row)
    ws.set_footer("&C第 &P 页，共 &N 页")


def _write_guide(wb, f: _Formats, profile: Profile) -> None:
    ws = wb.add_worksheet(GUIDE_SHEET)
    ws.set_column("A:A", 22)
    ws.set_column("B:B", 70)
    ws.write_string(0, 0, "填表说明", f.guide_title)
    steps = [
        "1. 每个项目填一张表；项目多时，右键工作表标签“移动或复制”并勾选“建立副本”。",
        "2. 灰底单元格是固定栏目，已锁定；白底单元格填写内容。",
        "3. 金额单位为万元，只填数字（如 8.2、277.13），年度金额 = 财政拨款 + 其他资金。",
        "4. 一级指标从下拉列表选择；二级指标的下拉列表随同一行的一级指标变化。",
        "5. 一级、二级与上一行相同时可以留空，视为同上；一级留空的行，二级下拉列表按上方最近的一级指标给出。",
        f"6. 每个项目至少要有：{'、'.join(profile.required)}。",
        "7. 年度指标值：" + VALUE_HELP,
        "8. 填好后可运行 perfxl validate 文件名 检查，按提示逐项修改。",
    ]
    for i, line in enumerate(steps):
        ws.merge_range(i + 1, 0, i + 1, 1, line, f.guide)
        ws.set_row(i + 1, 16 * (1 + len(line) // 48))  # merged cells do not grow by themselves
    r = len(steps) + 2
    ws.write_string(r, 0, f"指标体系（{profile.name}版：{profile.title}）", f.guide_title)
    r += 1
    ws.write_string(r, 0, "一级指标", f.guide_head)
    ws.write_string(r, 1, "二级指标", f.guide_head)
    for name, children in profile.levels.items():
        r += 1
        ws.write_string(r, 0, name, f.guide_cell)
        ws.write_string(r, 1, "、".join(children), f.guide_cell)
    r += 2
    ws.write_string(r, 0, "年度指标值写法", f.guide_title)
    r += 1
    ws.write_string(r, 0, "写法", f.guide_head)
    ws.write_string(r, 1, "含义", f.guide_head)
    examples = [("≥130个", "正向指标，不少于 130 个"), ("≤34000套", "反向指标，不超过 34000 套"),
                ("=100%", "等于 100%"), ("≤1个工作日", "反向指标，时限不超过 1 个工作日"),
                ("=3席", "等于 3 席"), ("≥90%", "满意度等比率，不低于 90%"),
                ("高 / 提升 / 降低 / 优", "定性指标，直接写文字"),
                ("不低于、不少于", "等同 ≥；不高于、不超过 等同 ≤")]
    for text, meaning in examples:
        r += 1
        ws.write_string(r, 0, text, f.guide_cell)
        ws.write_string(r, 1, meaning, f.guide_cell)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def write_template(output: str | Path, *, profile: str | Profile | None = None, year: int | str | None = None,
                   department: str = "", unit: str = "", sheets: int = 1,
                   projects: list[Project] | None = None) -> Path:
    """Write the form workbook: ``sheets`` blank forms, or one filled form per project.

    Output is deterministic: the document date is SOURCE_DATE_EPOCH or 1 January of the year.
    """
    import xlsxwriter

    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    year = str(year or (projects[0].year if projects and projects[0].year else dt.date.today().year))
    created = build_time(dt.datetime(int(year) if year.isdigit() else 2000, 1, 1))
    output = Path(output)
    with atomic_path(output) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        wb.set_properties({"title": "本级预算项目绩效目标表", "created": created,
                           "comments": f"perfxl 指标体系 {prof.name}"})
        wb.set_custom_property("perfxl_profile", prof.name)
        f = _Formats(wb)
        taken: set[str] = {GUIDE_SHEET.lower(), LISTS_SHEET.lower()}
        if projects:
            for project in projects:
                ws = wb.add_worksheet(sheet_title(project.name, taken))
                _write_form(wb, ws, f, prof, project, year, department, unit)
        else:
            for i in range(max(1, sheets)):
                ws = wb.add_worksheet(sheet_title(f"项目{i + 1}", taken))
                _write_form(wb, ws, f, prof, None, year, department, unit)
        _write_guide(wb, f, prof)
        _define_lists(wb, prof)
        wb.close()
    return output
