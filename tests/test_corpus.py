"""The real-world corpus (tests/corpus): published forms of other offices, read and scored.

Each form is built from its transcription into tmp_path, read with perfxl.read and compared
with its truth. Run with -s to see the per-form table.
"""

from __future__ import annotations

from decimal import Decimal

import perfxl

from corpus import build, score

MIN_INDICATORS_RIGHT = 0.98


def test_corpus_is_read_right(tmp_path):
    scores = []
    for module in build.modules():
        [path] = build.build(module, tmp_path)
        result = perfxl.read([str(path)])
        scores.append(score.score(module, result.projects, result.findings))
    print("\n" + score.table(scores))
    details = "\n".join(f"{s.form}: {line}" for s in scores for line in s.misses + s.false_errors + s.missed_errors)
    assert scores, "no corpus forms found in tests/corpus/forms"
    right = sum(s.indicators_right for s in scores)
    total = sum(s.indicators for s in scores)
    assert right >= MIN_INDICATORS_RIGHT * total, f"{right}/{total} indicators read right\n{details}"
    assert sum(s.projects_found for s in scores) == sum(s.projects for s in scores), details
    assert sum(s.fields_right for s in scores) == sum(s.fields for s in scores), details
    assert not [e for s in scores for e in s.false_errors], details
    assert not [e for s in scores for e in s.missed_errors], details


def test_real_errors_are_catalogued_errors():
    """Every finding a truth expects is a code perfxl's catalogue holds, at level error."""
    from perfxl.findings import CATALOGUE

    expected = {e["code"] for m in build.modules() for p in m.TRUTH["projects"] for e in p["real_errors"]}
    assert expected
    assert {code: CATALOGUE[code].level for code in expected if code in CATALOGUE} == dict.fromkeys(expected, "error")


def test_sources_list_is_current():
    assert (build.HERE / "SOURCES.md").read_text(encoding="utf-8") == build.sources_markdown(), (
        "SOURCES.md is stale: run python tests/corpus/build.py OUTDIR"
    )


def test_workbooks_hold_the_transcription(tmp_path):
    """Every built cell is the transcribed one, text as text and numbers as numbers; merges kept."""
    import openpyxl

    forms = build.modules()
    assert forms
    for module in forms:
        [path] = build.build(module, tmp_path)
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == [s["name"] for s in module.SHEETS]
        for sheet in module.SHEETS:
            ws = wb[sheet["name"]]
            assert sorted(str(r) for r in ws.merged_cells.ranges) == sorted(sheet["merges"]), path.name
            for r, row in enumerate(sheet["rows"], start=1):
                for c, value in enumerate(row, start=1):
                    cell = ws.cell(r, c)
                    if value is None:
                        continue
                    assert cell.value == value and type(cell.value) is type(value), (path.name, cell.coordinate)


def test_score_counts_what_differs():
    """score() on a hand-made reading: code-stripped name match, one wrong value, a false and a missed error."""
    from types import SimpleNamespace

    from perfxl.model import Finding, Funds, Indicator, Project, Target

    truth = SimpleNamespace(__file__="x/demo_2020_form.py", TRUTH={"projects": [
        {"name": "培训经费", "code": "015001", "kind": "项目", "department": "某局", "unit": None,
         "year_amount": "12.5", "real_errors": [{"code": "missing-level1", "why": "没有满意度指标"}],
         "indicators": [["产出指标", "数量指标", "培训人次", "≥500人次"], ["效益指标", "社会效益指标", "知晓率", "≥95%"]]},
        {"name": "未读出的项目", "code": "", "kind": "项目", "department": None, "unit": None,
         "year_amount": None, "real_errors": [], "indicators": [["产出指标", "数量指标", "场次", "2场"]]},
    ]})
    read = Project(name="[015001] 培训经费", department="[042]某局", funds_year=Funds(total=Decimal("12.50")),
                   indicators=[Indicator("产出指标", "数量指标", "培训人次", "＞＝500 人次", Target("")),
                               Indicator("效益指标", "社会效益指标", "知晓率", "=95%", Target(""))])
    findings = [Finding("error", "missing-value", "…", project="培训经费"),
                Finding("warning", "value-without-unit", "…", project="培训经费")]
    s = score.score(truth, [read], findings)
    assert (s.form, s.projects, s.projects_found) == ("demo_2020_form", 2, 1)
    assert (s.indicators_right, s.indicators) == (1, 3)
    assert (s.fields_right, s.fields) == (3, 4)  # 主管部门, 年度金额, 类型 right; the unfound project's 类型 not
    assert [e.split()[0] for e in s.false_errors] == ["missing-value"]
    assert s.missed_errors == ["培训经费: missing-level1（没有满意度指标）"]
    assert "合计" in score.table([s]) and "1/3 (33.3%)" in score.table([s])
