"""Worker results as they cross the pipe: compact pickles that lose nothing."""

import pickle
from dataclasses import fields
from decimal import Decimal

import pytest

from perfxl import model
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


@pytest.fixture(params=[False, True], ids=["elsewhere", "in-a-worker"])
def sharing(request, monkeypatch):
    """Pickled as the main process pickles, or as a worker does after share_texts()."""
    monkeypatch.setattr(model._sharing, "texts", {} if request.param else None)
    return request.param


def test_every_field_survives_the_round_trip(sharing):
    project = _every_field_set()
    finding = Finding("error", "missing-department", "主管部门为空：请填写主管部门", "甲.xlsx", "Sheet1", "B5", "项目",
                      project.id)
    assert pickle.loads(pickle.dumps([project, finding])) == [project, finding]


def test_the_sample_forms_come_back_equal_and_smaller(sharing):
    results = [read_file(str(DATA_2023 / f"{name}.xlsx"), None) for name in SEED_NAMES]
    blob = pickle.dumps(results)
    assert pickle.loads(blob) == results
    assert b"level1_cell" not in blob  # the field names are not sent with every indicator


def test_repeated_texts_are_one_object_after_the_round_trip(monkeypatch):
    monkeypatch.setattr(model._sharing, "texts", None)
    model.share_texts()
    first, second = _every_field_set(), _every_field_set()
    second.indicators[0].level1_cell = "".join(["A", "17"])  # equal, but another object
    assert first.indicators[0].level1_cell is not second.indicators[0].level1_cell
    back = pickle.loads(pickle.dumps([first, second]))
    assert back[0].indicators[0].level1_cell is back[1].indicators[0].level1_cell
    assert back[0].cells["name"] is back[1].cells["name"]
    assert back[0].indicators[0].value is back[1].indicators[0].value


def test_no_texts_are_kept_outside_a_worker(monkeypatch):
    monkeypatch.setattr(model._sharing, "texts", None)
    first, second = _every_field_set(), _every_field_set()
    second.indicators[0].level1_cell = "".join(["A", "17"])
    back = pickle.loads(pickle.dumps([first, second]))
    assert back[0].indicators[0].level1_cell is not back[1].indicators[0].level1_cell
    assert model._sharing.texts is None


def test_a_field_holding_something_else_than_text_still_round_trips(sharing):
    """A received summary's cell can hold a number where a text is expected: it stays that number,
    not an equal one met before (1.0 is not True)."""
    findings = [Finding("notice", "no-form", "1", file="甲.xlsx", sheet=True), Finding("notice", "no-form", 1.0,
                                                                                       sheet=None, cell=1)]
    projects = [Project(name="项目", cells={"name": None, 1: 1.0}), Project(name="项目", cells=None)]
    back = pickle.loads(pickle.dumps(findings + projects))
    assert back == findings + projects
    assert [type(f.message) for f in back[:2]] == [str, float] and back[1].sheet is None and back[0].sheet is True


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


def test_results_read_in_one_worker_chunk_share_their_texts():
    from perfxl.pipeline import read

    projects = read([str(DATA_2023)]).projects  # eight files: one chunk
    names = [p.cells["name"] for p in projects]
    assert len(set(names)) == 1 and all(name is names[0] for name in names)
    assert len({id(p.indicators[0].level1_cell) for p in projects}) == 1


def test_after_a_bulk_stage_the_collector_does_not_walk_what_it_made():
    """paused_gc hands the objects made meanwhile to the oldest generation, and keeps a caller's frozen ones frozen."""
    import gc

    from perfxl.pipeline import paused_gc

    assert gc.isenabled()
    walks = []
    record = lambda phase, info: walks.append(info["generation"]) if phase == "start" else None  # noqa: E731
    with paused_gc():
        made = [[] for _ in range(50_000)]
        assert not gc.isenabled()
        gc.callbacks.append(record)
    try:
        made.append([])  # enough for a collection of the youngest generation, which would walk all 50,001
    finally:
        gc.callbacks.remove(record)
    assert gc.isenabled()
    assert walks == []
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a caller's own frozen objects are left as they are
    try:
        frozen = gc.get_freeze_count()
        with paused_gc():
            made += [[] for _ in range(1_000)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    assert len(made) == 51_001
