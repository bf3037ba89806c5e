"""Worker results as they cross the pipe: compact pickles that lose nothing."""

import pickle
from dataclasses import fields
from decimal import Decimal

from perfxl.model import Finding, Funds, Indicator, Project, Target
from perfxl.reading import read_file
from conftest import DATA_2023, SEED_NAMES


def _every_field_set() -> Project:
    """A project whose every field (and its indicator's, target's and funds') differs from the default."""
    target = Target("≥90%-95%", "≥", Decimal("90"), Decimal("95"), "%", "定量", "区间", True, True, True)
    indicator = Indicator("产出指标", "数量指标", "培训人次", "90%-95%", target, "C17", "D17", "按二级指标认定",
                          "0.9", "A17", "B17")
    project = Project("项目", "015001", "整体支出", "2021", "部门", "单位", "2023年", "延续项目", "类别",
                      Funds(Decimal("1"), Decimal("2"), Decimal("3")), Funds(Decimal("4"), None, Decimal("5")),
                      "期目标", "年目标", [indicator], "2023", "填报单位", "张三", "0411-1", "甲.xlsx", "Sheet1",
                      {"name": "B4"}, {"funds_year.total": "一百"}, 2, {"funds_year.other"}, {"funds_period.total"},
                      {"unit": "001"}, "汇总.xlsx", {"evaluation": "any picklable value"})
    plain = [(project, Project()), (project.funds_period, Funds()), (target, Target("")),
             (indicator, Indicator("", "", "", "", target))]
    for item, default in plain:  # a field added later is checked too, once it is set here
        assert [f.name for f in fields(item) if getattr(item, f.name) == getattr(default, f.name)] in ([], ["target"])
    return project


def test_every_field_survives_the_round_trip():
    project = _every_field_set()
    finding = Finding("error", "missing-department", "主管部门为空：请填写主管部门", "甲.xlsx", "Sheet1", "B5", "项目",
                      project.id)
    assert pickle.loads(pickle.dumps([project, finding])) == [project, finding]


def test_the_sample_forms_come_back_equal_and_smaller():
    results = [read_file(str(DATA_2023 / f"{name}.xlsx"), None) for name in SEED_NAMES]
    blob = pickle.dumps(results)
    assert pickle.loads(blob) == results
    assert b"level1_cell" not in blob  # the field names are not sent with every indicator


def test_repeated_cell_addresses_are_one_object_after_the_round_trip():
    first, second = _every_field_set(), _every_field_set()
    second.indicators[0].level1_cell = "".join(["A", "17"])  # equal, but another object
    assert first.indicators[0].level1_cell is not second.indicators[0].level1_cell
    back = pickle.loads(pickle.dumps([first, second]))
    assert back[0].indicators[0].level1_cell is back[1].indicators[0].level1_cell
    assert back[0].cells["name"] is back[1].cells["name"]


def test_a_field_holding_something_else_than_text_still_round_trips():
    finding = Finding("notice", "no-form", "此工作表中没有绩效目标表，已跳过", file="甲.xlsx", sheet=None)
    project, other = Project(name="项目", cells={"name": None}), Project(name="项目", cells=None)
    assert pickle.loads(pickle.dumps([finding, project, other])) == [finding, project, other]


def test_display_names_relative_to_what_was_named(tmp_path, monkeypatch):
    from perfxl.pipeline import display_names

    monkeypatch.chdir(tmp_path)
    here = str(tmp_path)
    files = [f"{here}/甲局/a.xlsx", f"{here}/甲局/二科/b.xlsx", f"{here}/乙局/c.xlsx", f"{here}/d.xlsx", "甲局/e.xlsx",
             "/elsewhere/f.xlsx"]
    assert display_names([f"{here}/甲局", f"{here}/d.xlsx", "甲局", f"{here}/乙局/"], files) == {
        f"{here}/甲局/a.xlsx": f"{here}/甲局/a.xlsx", f"{here}/甲局/二科/b.xlsx": f"{here}/甲局/二科/b.xlsx",  # 甲局 twice
        f"{here}/乙局/c.xlsx": "乙局/c.xlsx", f"{here}/d.xlsx": "d.xlsx",
        "甲局/e.xlsx": "甲局/e.xlsx", "/elsewhere/f.xlsx": "/elsewhere/f.xlsx"}
    assert display_names(["."], ["a.xlsx", "二科/b.xlsx"]) == {"a.xlsx": f"{tmp_path.name}/a.xlsx",
                                                                "二科/b.xlsx": f"{tmp_path.name}/二科/b.xlsx"}
    assert display_names([f"{here}/甲局", f"{here}/甲局/二科"], files[:2]) == {
        f"{here}/甲局/a.xlsx": "甲局/a.xlsx", f"{here}/甲局/二科/b.xlsx": "甲局/二科/b.xlsx"}  # the first that holds it
