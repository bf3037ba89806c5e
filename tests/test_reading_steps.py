"""read_file's steps one by one: classify the bytes, open the book, read a summary, read the forms."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest

from conftest import DATA_2023, SEED_NAMES
from perfxl.profile import load_profile
from perfxl.reading import Unreadable, classify, open_book, read_forms, read_summary

FORMATS = DATA_2023.parent.parent / "tests" / "fixtures" / "formats"


def test_classify_tells_packages_from_everything_else():
    xlsx = (DATA_2023 / "质量发展专项经费.xlsx").read_bytes()
    xls = next(FORMATS.glob("*.xls")).read_bytes()
    assert classify("a.xlsx", xlsx) == "zip"
    assert classify("a.xls", xls) == "ole"
    cases = {("a.xlsx", b""): "empty-file", ("a.xlsx", b"not a workbook"): "broken-file",
             ("a.txt", b"text"): "not-spreadsheet", ("a.pdf", b"%PDF-1.7"): "not-spreadsheet"}
    for (name, data), code in cases.items():
        with pytest.raises(Unreadable) as caught:
            classify(name, data)
        assert caught.value.finding.code == code and caught.value.finding.file == name
    with pytest.raises(Unreadable) as caught:
        classify("旧表.txt", b"x")
    assert "perfxl import" in caught.value.finding.message


def test_open_book_guards_zip_packages_first():
    book, check = open_book("a.xlsx", (DATA_2023 / "质量发展专项经费.xlsx").read_bytes(), "zip")
    assert book.sheet_names[0] == "质量发展专项经费" and check is not None and not check.too_large
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(Unreadable) as caught:
        open_book("a.docx.xlsx", buffer.getvalue(), "zip")
    assert caught.value.finding.code == "not-spreadsheet"
    book, check = open_book("a.xls", next(FORMATS.glob("*.xls")).read_bytes(), "ole")
    assert check is None and book.sheet_names


def test_read_summary_only_takes_summaries(tmp_path):
    from perfxl.pipeline import consolidate

    form = (DATA_2023 / "质量发展专项经费.xlsx").read_bytes()
    book, _ = open_book("f.xlsx", form, "zip")
    assert read_summary(book, "f.xlsx") is None
    consolidate([str(DATA_2023)], tmp_path / "汇总.xlsx")
    book, _ = open_book("汇总.xlsx", (tmp_path / "汇总.xlsx").read_bytes(), "zip")
    projects, findings = read_summary(book, "汇总.xlsx")
    assert sorted(p.name for p in projects) == sorted(SEED_NAMES)
    assert sum(p.funds_year.total for p in projects) == Decimal("578.83")
    assert all(p.via == "汇总.xlsx" and p.id.startswith("汇总.xlsx>") for p in projects)
    assert findings[-1].code == "summary-input" and "8 个项目" in findings[-1].message
    carried = [f for f in findings if f.code == "missing-level1"]
    assert [f.project for f in carried] == ["质量发展专项经费"]
    assert carried[0].project_id == next(p.id for p in projects if p.name == "质量发展专项经费")


def test_read_forms_recognises_and_checks_every_sheet():
    data = (DATA_2023 / "质量发展专项经费.xlsx").read_bytes()
    book, check = open_book("q.xlsx", data, "zip")
    projects, findings = read_forms(book, "q.xlsx", data, check, load_profile("2015"))
    assert [p.name for p in projects] == ["质量发展专项经费"]
    assert [(f.code, f.cell) for f in findings if f.level == "error"] == [("missing-level1", "B4")]
    assert {f.project_id for f in findings} == {projects[0].id} == {"q.xlsx!质量发展专项经费#1"}


def test_label_cache_is_bounded(monkeypatch):
    """A worker reads for the whole run: the label cache is emptied at its size, and answers stay right."""
    from perfxl import form
    from perfxl.profile import load_profile

    profile = load_profile("2015")
    profile.label_cache.clear()
    monkeypatch.setattr(form, "LABEL_CACHE_SIZE", 50)
    for n in range(500):
        assert form.label_kind(f"备注{n}", profile) == (None, "")
        assert len(profile.label_cache) <= 50
    assert form.label_kind("项目名称", profile)[0] == "name"
    assert form.label_kind("项目名称：某项目", profile) == ("name", "某项目")


def test_number_cell_amounts_are_kept_apart_by_sign_and_unit():
    """Number-cell amounts are kept for the repeats a form has; -0.0 equals 0.0 but must read as -0."""
    from perfxl.fields import parse_amount

    assert parse_amount(0.0) == (Decimal("0"), True) and str(parse_amount(-0.0)[0]) == "-0"
    assert str(parse_amount(0.0)[0]) == "0"  # asked after -0.0: not its answer
    assert parse_amount(12.5) == parse_amount(12.5) == (Decimal("12.5"), True)
    assert parse_amount(12.5, True) == (Decimal("0.00125"), True)
    assert parse_amount(12.5) == (Decimal("12.5"), True)  # the 元 answer is not the 万元 one
    for absurd in (float("nan"), float("inf"), 1e30):
        assert parse_amount(absurd) == (None, False)


def test_tokenise_gives_each_rows_cells_and_label_kinds_and_gathers_their_texts():
    from perfxl.form import tokenise

    rows = [["", "", ""], ["项目名称", "某项目", " ", None, 3.0, "", "实施单位：某局"], [None, "\u3000"], ["", "实际\n完成"]]
    texts: list = []
    tokens, kinds = tokenise(rows, load_profile("2015"), texts)
    assert tokens == [[], [(0, "name", "项目名称", ""), (1, None, "某项目", ""), (4, None, 3.0, ""),
                           (6, "unit", "实施单位：某局", "某局")], [], [(1, None, "实际\n完成", "")]]
    assert kinds == [set(), {"name", None, "unit"}, set(), {None}]
    assert texts == ["项目名称", "某项目", "实施单位：某局", "实际\n完成"]
    assert tokenise(rows, load_profile("2015")) == (tokens, kinds)


def test_a_name_split_over_two_rows_is_joined_only_when_neither_half_is_known():
    from perfxl.indicators import _join_split_names

    profile = load_profile("2015")
    names = ["满意度指标", "社会公众或服务", "对象满意度指标", "", "满意度指标", "满意度指标"]
    _join_split_names(names, profile)
    assert names == ["满意度指标", "社会公众或服务对象满意度指标", "", "", "满意度指标", "满意度指标"]


def test_texts_that_fit_one_by_one_pass_however_long_together():
    from perfxl.model import Indicator, Project
    from perfxl.rules import check_text
    from perfxl.targets import parse_target

    long = "长" * 30000
    project = Project(file="a.xlsx", sheet="s", name=long, goal_year=long)
    assert check_text(project) == []
    project.indicators.append(Indicator("产出指标", "数量指标", "长" * 32768, "1次", parse_target("1次"), cell="C9"))
    assert [(f.code, f.cell) for f in check_text(project)] == [("text-too-long", "C9")]


def test_is_evaluation_answers_alike_with_the_shared_texts():
    from perfxl.evaluation import is_evaluation
    from perfxl.form import tokenise
    from perfxl.grid import Grid

    profile = load_profile("2015")
    header = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    target = ["一级指标", "二级指标", "三级指标", "年度指标值"]
    for rows, answer in (([["自评表"], header], True), ([["目标表"], target], False),
                         ([["实际完成情况"], target], False)):
        texts: list = []
        tokenise(rows, profile, texts)
        assert is_evaluation(Grid("f", "s", rows), profile, texts) is is_evaluation(Grid("f", "s", rows), profile) is answer
    # Past the rows looked at, the texts given are not used: a header on row 401 is not one.
    rows = [["填报说明"]] * 400 + [header]
    texts = []
    tokenise(rows, profile, texts)
    assert "实际完成值" in texts and not is_evaluation(Grid("f", "s", rows), profile, texts)


def test_is_evaluation_reads_the_cells_again_for_a_label_of_spaces_or_lines():
    """The shared texts leave blank cells out: a profile's actual-value label of spaces (or with a
    line break) could only be found among all the cells, so those are read again."""
    from dataclasses import replace

    from perfxl.evaluation import is_evaluation
    from perfxl.form import tokenise
    from perfxl.grid import Grid

    base = load_profile("2015")
    rows = [["三级指标", "\u3000", "得分"], ["培训人数", "", "5"]]
    for label in ("\u3000", "实际\n完成"):
        profile = replace(base, selfeval={**base.selfeval, "labels": {"actual": [label]}})
        texts: list = []
        tokenise(rows, profile, texts)
        assert is_evaluation(Grid("f", "s", rows), profile, texts) is is_evaluation(Grid("f", "s", rows), profile)
    profile = replace(base, selfeval={**base.selfeval, "labels": {"actual": ["\u3000"]}})
    assert is_evaluation(Grid("f", "s", rows), profile, [])  # the texts given are not trusted here


def test_find_forms_reads_alike_from_the_callers_tokens():
    from perfxl.form import find_forms, tokenise
    from perfxl.grid import grids_from_workbook

    data = (DATA_2023 / "质量发展专项经费.xlsx").read_bytes()
    book, _ = open_book("q.xlsx", data, "zip")
    profile = load_profile("2015")
    for grid in grids_from_workbook(book, "q.xlsx"):
        assert find_forms(grid, profile, True, tokenise(grid.rows, profile)) == find_forms(grid, profile, True)


def test_read_forms_tokenises_after_the_formulas_it_shows(tmp_path):
    """A name saved as a formula without its result is read from the formula's text, with its
    notice: the grid is tokenised after the formulas are shown, not before with is_evaluation."""
    from conftest import write_workbook

    rows = [["项目名称", ("C1", "")], ["主管部门", "某局"], ["实施单位", "某局"],
            ["一级指标", "二级指标", "三级指标", "年度指标值"], ["产出指标", "数量指标", "培训人数", "≥10人"]]
    data = write_workbook(tmp_path / "f.xlsx", {"表": rows}).read_bytes()
    book, check = open_book("f.xlsx", data, "zip")
    projects, findings = read_forms(book, "f.xlsx", data, check, load_profile("2015"))
    assert [p.name for p in projects] == ["=C1"]
    assert [(f.code, f.cell) for f in findings if f.code.startswith("formula")] == [("formula-without-value", "B1")]
