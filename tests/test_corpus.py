"""The real-world corpus (tests/corpus): published forms of other offices, read and scored.

Each form is built from its transcription into tmp_path, read with perfxl.read and compared
with its truth. Run with -s to see the per-form table.
"""

from __future__ import annotations

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
