"""Property: any project written in perfxl's template or the official pasted layout comes back
exactly through consolidate — every field, amounts to the 0.01 万元, text character for
character, indicators in order."""

import os
import tempfile
from decimal import Decimal
from pathlib import Path

import python_calamine
from hypothesis import HealthCheck, given, settings, strategies as st

from perfxl.form import label_kind
from perfxl.indicators import ends_table as _ends_table
from perfxl.model import Funds, Indicator, Project
from perfxl.profile import load_profile
from perfxl.pipeline import consolidate
from perfxl.summary_reader import projects_from_summary
from perfxl.targets import parse_target
from perfxl.template import write_template
from conftest import write_workbook

PROFILE = load_profile("2015")
PAIRS = [(l1, l2) for l1, l2s in PROFILE.levels.items() for l2 in l2s]
EXAMPLES = int(os.environ.get("PERFXL_PROPERTY_EXAMPLES", "60"))

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
OTHER = st.sampled_from(list("ABCxyz0123456789（）()、，。-—_/%≥≤=《》·．：; ") + ["\u3000"])
NUMBER = st.decimals(min_value=0, max_value=10**8, places=2, allow_nan=False, allow_infinity=False)


def acceptable(text: str) -> bool:
    """Text a person could type in a cell that is not itself a form label or a title line."""
    return (text == text.strip() and text.strip("\u3000 ") == text and bool(text)
            and label_kind(text, PROFILE)[0] is None and not _ends_table(text)
            and not parse_target(text).is_date and ":" not in text and "：" not in text)


TEXT = st.text(st.one_of(CJK, CJK, OTHER), min_size=1, max_size=30).filter(acceptable)
VALUE = st.one_of(
    st.builds(lambda op, n, unit: f"{op}{n}{unit}", st.sampled_from(["≥", "≤", "=", "", "＞", "不低于"]),
              st.integers(0, 100000), st.sampled_from(["个", "%", "次", "套", "个工作日", "万元", "人次", ""])),
    TEXT)


@st.composite
def projects(draw):
    total = draw(NUMBER)
    other = draw(st.sampled_from([Decimal(0), None, (total / 3).quantize(Decimal("0.01"))]))
    fiscal = total - (other or 0)
    period_total = total + draw(st.sampled_from([Decimal(0), Decimal("100.5")]))
    indicators = [Indicator(l1, l2, draw(TEXT), value, parse_target(value))
                  for (l1, l2), value in draw(st.lists(st.tuples(st.sampled_from(PAIRS), VALUE), min_size=1,
                                                       max_size=10))]
    indicators.sort(key=lambda i: PAIRS.index((i.level1, i.level2)))  # forms group rows by level
    return Project(name=draw(TEXT), department=draw(TEXT), unit=draw(TEXT), period=draw(TEXT),
                   attribute=draw(st.sampled_from(["", "新增项目", "延续项目"])), category=draw(st.one_of(st.just(""), TEXT)),
                   funds_period=Funds(period_total, period_total - (other or 0), other),
                   funds_year=Funds(total, fiscal, other), goal_period=draw(TEXT), goal_year=draw(TEXT),
                   indicators=indicators, year="2023")


def pasted_rows(p: Project) -> list[list]:
    """The official layout as pasted from Word: 一级/二级 blank when the same as above."""
    def amount(x):
        return "" if x is None else float(x)
    rows = [["本级预算项目绩效目标表"], ["(2023年度)"], ["填报单位(盖章)", "", "", "单位: 万元"],
            ["项目名称", p.name, "", "项目实施期", p.period], ["主管部门", p.department, "", "实施单位", p.unit],
            ["项目属性", p.attribute, "", "项目类别", p.category],
            ["资金投入(万元)", "实施期金额", amount(p.funds_period.total), "年度金额", amount(p.funds_year.total)],
            ["", "其中: 财政拨款", amount(p.funds_period.fiscal), "其中: 财政拨款", amount(p.funds_year.fiscal)],
            ["", "其他资金", amount(p.funds_period.other), "其他资金", amount(p.funds_year.other)],
            ["绩效目标", "实施期目标", "", "年度目标", ""], ["", p.goal_period, "", p.goal_year, ""],
            ["一级指标", "二级指标", "三级指标", "", "年度指标值"]]
    above = ("", "")
    for ind in p.indicators:
        l1 = "" if ind.level1 == above[0] else ind.level1
        l2 = "" if (ind.level1, ind.level2) == above else ind.level2
        rows.append([l1, l2, ind.level3, "", ind.value])
        above = (ind.level1, ind.level2)
    return rows


def fields(p: Project) -> tuple:
    return (p.name, p.department, p.unit, p.period, p.attribute, p.category,
            p.funds_period.total, p.funds_period.fiscal, p.funds_period.other or Decimal(0),
            p.funds_year.total, p.funds_year.fiscal, p.funds_year.other or Decimal(0),
            p.goal_period, p.goal_year,
            [(i.level1, i.level2, i.level3, i.value) for i in p.indicators])


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(first=projects(), second=projects())
def test_projects_come_back_exactly(first, second):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        write_template(folder / "template.xlsx", projects=[first])
        write_workbook(folder / "pasted.xlsx", {"Sheet1": pasted_rows(second)}, numbers=False)
        result = consolidate([str(folder)], Path(tmp) / "s.xlsx")
        book = python_calamine.CalamineWorkbook.from_path(str(result.written))
        back, _ = projects_from_summary(book, "s.xlsx")
        by_file = {Path(p.file).name: p for p in back}
        assert fields(by_file["template.xlsx"]) == fields(first)
        assert fields(by_file["pasted.xlsx"]) == fields(second)
