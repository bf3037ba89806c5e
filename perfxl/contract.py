"""The summary workbook's contract: its sheets' columns, as written and as read back.

Both sides use this module: summary.py writes these columns, summary_reader.py reads a received
summary by them (a finance bureau consolidates the departments' summaries again). docs/summary.md
describes the contract for people.
"""

# The columns up to 联系电话 are printed; the long texts after it are for the screen.
PROJECT_COLUMNS = [
    "序号", "项目名称", "主管部门", "实施单位", "项目实施期", "年度", "项目属性", "项目类别", "指标体系",
    "实施期金额", "实施期财政拨款", "实施期其他资金", "年度金额", "年度财政拨款", "年度其他资金",
    "产出指标数", "效益指标数", "满意度指标数", "成本指标数", "指标总数", "错误数", "警告数", "填表人", "联系电话",
    "来源文件", "来源工作表", "实施期目标", "年度目标",
]
AMOUNT_COLUMNS = ["实施期金额", "实施期财政拨款", "实施期其他资金", "年度金额", "年度财政拨款", "年度其他资金"]
COUNT_COLUMNS = ["产出指标数", "效益指标数", "满意度指标数", "成本指标数", "指标总数", "错误数", "警告数"]
INDICATOR_COLUMNS = [
    "序号", "项目名称", "指标体系", "一级指标", "二级指标", "三级指标", "年度指标值", "符号", "数值", "计量单位",
    "指标性质", "指标方向", "来源文件", "来源工作表", "单元格",
]
ROLLUP_COLUMNS = ["汇总方式", "名称", "项目数", "实施期金额", "年度金额", "年度财政拨款", "年度其他资金", "占比"]
UNFILLED = "（未填写）"  # the name of a rollup group whose 主管部门/实施单位/项目类别 is blank
ROLLUP_KEYS = [("按主管部门", "主管部门"), ("按实施单位", "实施单位"), ("按项目类别", "项目类别")]
# 项目序号 is the project's 序号 in 项目汇总: the join key when a summary is read back.
FINDING_COLUMNS = ["序号", "级别", "代码", "文件", "工作表", "单元格", "项目名称", "项目序号", "说明"]
SUMMARY_SHEETS = ("项目汇总", "指标明细")  # a workbook with both is read as a summary, not as forms


def is_summary(sheet_names) -> bool:
    return set(SUMMARY_SHEETS) <= set(sheet_names)


# A table longer than a worksheet's 1,048,576 rows goes on in sheets named like 指标明细（二）, 指标明细（三）…
_NUMERALS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """二 for 2, 十三 for 13, 二十一 for 21 (1 to 99), as a bureau numbers a table's continuations."""
    tens, ones = divmod(n, 10)
    return ((_NUMERALS[tens] if tens > 1 else "") + "十" if tens else "") + (_NUMERALS[ones] if ones else "")


def continuation(sheet: str, n: int) -> str:
    """The name of the ``n``-th sheet of a table (1: the sheet itself)."""
    return sheet if n == 1 else f"{sheet}（{chinese_number(n)}）"


def table_sheets(sheet: str, sheet_names) -> list[str]:
    """The sheets holding ``sheet``'s table, in order: itself, then its continuations as long as they follow."""
    names = set(sheet_names)
    out = []
    while continuation(sheet, len(out) + 1) in names:
        out.append(continuation(sheet, len(out) + 1))
    return out


# The 自评 score summary (scoresummary.py) is not read back: its scores come from the 自评表 themselves.
SCORE_SUMMARY_SHEETS = ("自评汇总", "得分差异")


def is_score_summary(sheet_names) -> bool:
    return set(SCORE_SUMMARY_SHEETS) <= set(sheet_names)
