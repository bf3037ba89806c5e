"""The shape of the code: no import cycles, every finding in the catalogue, docs in step with it."""

from __future__ import annotations

import ast
import json
import re
import string
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from conftest import ROOT, seed_rows, write_workbook

PACKAGE = ROOT / "perfxl"


def _imports(path: Path) -> set[str]:
    """perfxl modules a module imports, at the top or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:  # from .x import y / from . import x
                if node.module:
                    out.add(node.module.split(".")[0])
                else:
                    out.update(alias.name for alias in node.names)
            elif node.module and node.module.startswith("perfxl."):
                out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[1] for a in node.names if a.name.startswith("perfxl."))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and str(arg.value).startswith("perfxl."):
                out.add(str(arg.value).split(".")[1])
    return out


def _graph() -> dict[str, set[str]]:
    modules = {p.stem for p in PACKAGE.glob("*.py")} | {"profiles"}
    return {p.stem: {m for m in _imports(p) if m in modules and m != p.stem} for p in PACKAGE.glob("*.py")}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_in_perfxl():
    graph = _graph()
    assert graph["reading"] and "workers" not in graph["reading"]  # the walker sees real edges
    assert _cycle(graph) is None, " → ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_only_cli_imports_click():
    users = sorted(p.stem for p in PACKAGE.glob("*.py") if re.search(r"^\s*(import|from) click\b",
                                                                      p.read_text(encoding="utf-8"), re.M))
    assert users == ["cli"]


def _sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in PACKAGE.glob("*.py")}


def test_every_code_the_code_can_emit_is_in_the_catalogue():
    from perfxl.findings import CATALOGUE

    emitted = set()
    for path in PACKAGE.glob("*.py"):
        if path.name == "findings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node.func, "id", getattr(node.func, "attr", "")) if isinstance(node, ast.Call) else ""
            if name in ("finding", "Rejected") and node.args:  # the code, or each code of an a-if-c-else-b
                emitted |= {c.value for c in ast.walk(node.args[0])
                            if isinstance(c, ast.Constant) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", str(c.value))}
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") in ("code", "REQUIRED_FIELDS")
                                                    for t in node.targets):
                emitted |= {c.value for c in ast.walk(node.value)
                            if isinstance(c, ast.Constant) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", str(c.value))}
    assert emitted, "the scan found no finding() calls"
    assert sorted(emitted - set(CATALOGUE)) == []
    # Findings are made only through the catalogue (findings.py) and declared in model.py.
    constructors = sorted(name for name, text in _sources().items()
                          if re.search(r"\bFinding\(", text) and name not in ("findings.py", "model.py"))
    assert constructors == []


def test_no_catalogue_entry_is_dead_and_every_template_fills():
    from perfxl.findings import CATALOGUE, finding

    code_text = "\n".join(text for name, text in _sources().items() if name != "findings.py")
    for code, spec in CATALOGUE.items():
        assert f'"{code}"' in code_text, f"{code} is never emitted"
        fields = {f for text in (spec.message, spec.fix) for _, f, _, _ in string.Formatter().parse(text) if f}
        made = finding(code, file="f.xlsx", **{f: "X" for f in fields})
        assert made.level == spec.level and "{" not in made.message and made.message.startswith(
            spec.message.format(**{f: "X" for f in fields}))


def test_an_unknown_code_is_refused():
    import pytest

    from perfxl.findings import finding

    with pytest.raises(KeyError):
        finding("no-such-code", file="x")


def test_docs_findings_is_rendered_from_the_catalogue():
    from perfxl.cli import main
    from perfxl.findings import render_markdown

    assert (ROOT / "docs" / "findings.md").read_text(encoding="utf-8") == render_markdown()
    printed = CliRunner().invoke(main, ["codes"])
    assert printed.exit_code == 0
    assert "missing-level1  错误  缺少一级指标" in printed.output
    assert CliRunner().invoke(main, ["codes", "--markdown"]).output == render_markdown()


def test_two_stacked_forms_of_the_same_name_keep_their_own_error_counts(tmp_path):
    """Both named 质量发展专项经费 (another 实施单位), one sheet: only the second has an error."""
    from perfxl.pipeline import consolidate
    import python_calamine

    rows = seed_rows()
    start = next(i for i, r in enumerate(rows) if "质量发展专项经费" in r)
    begin = max(i for i in range(start) if rows[i][0] == "本级预算项目绩效目标表")
    end = next((i for i in range(start + 1, len(rows)) if rows[i][0] == "本级预算项目绩效目标表"), len(rows))
    form = [list(r) for r in rows[begin:end]]
    fixed = [list(r) for r in form]
    unit_row = next(r for r in fixed if "实施单位" in r)
    unit_row[unit_row.index("实施单位") + 1] = "高新区质量技术服务中心"
    # The first copy gets the 效益指标 the real form lacks, so only the second keeps the error.
    level_row = next(i for i, r in enumerate(fixed) if r[:1] == ["满意度指标"] or "满意度指标" in r[:2])
    fixed.insert(level_row, ["效益指标", "社会效益指标", "质量意识", "提升"])
    path = write_workbook(tmp_path / "两张同名.xlsx", {"Sheet1": fixed + [[""]] + form})
    result = consolidate([str(path)], tmp_path / "汇总.xlsx")
    assert [p.name for p in result.projects] == ["质量发展专项经费"] * 2
    assert len({p.id for p in result.projects}) == 2
    rows = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "汇总.xlsx")).get_sheet_by_name("项目汇总").to_python()
    header = rows[2]
    table = [dict(zip(header, r)) for r in rows[3:5]]
    by_unit = {r["实施单位"]: r["错误数"] for r in table}
    assert by_unit == {"高新区质量技术服务中心": 0, "大连高新技术产业园区市场监督管理局": 1}
    errors = [f for f in result.findings if f.level == "error"]
    assert [(f.code, f.project_id) for f in errors] == [("missing-level1", result.projects[1].id)] or \
        [(f.code, f.project_id) for f in errors] == [("missing-level1", result.projects[0].id)]
    # Read back by a bureau: the finding stays with the right one of the two.
    again = consolidate([str(tmp_path / "汇总.xlsx")], tmp_path / "再汇总.xlsx")
    carried = [f for f in again.findings if f.code == "missing-level1"]
    (owner,) = [p for p in again.projects if p.id == carried[0].project_id]
    assert owner.unit == "大连高新技术产业园区市场监督管理局"
    assert Decimal(0) <= again.year_total


def _write_profile(tmp_path, data) -> str:
    path = tmp_path / "地方.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_a_misspelt_profile_key_exits_2_naming_the_key(tmp_path):
    from perfxl.cli import main

    from conftest import DATA_2023

    profile = _write_profile(tmp_path, {"extends": "2015", "requried": ["产出指标"]})
    result = CliRunner().invoke(main, ["validate", "--profile", profile, str(DATA_2023)])
    assert result.exit_code == 2
    assert result.output.strip().startswith(f"错误：指标体系文件 {profile}：键“requried”不对，应为 ")
    assert "required" in result.output and "Traceback" not in result.output


def test_profile_mistakes_are_refused_with_what_is_allowed(tmp_path):
    import pytest

    from perfxl.errors import ProfileError
    from perfxl.profile import load_profile

    cases = [
        ({"extends": "2015", "labels": {"nmae": ["项目名"]}}, "labels 中的栏目“nmae”不对"),
        ({"extends": "2015", "thresholds": {"satisfaction_minimum": 85}}, "thresholds 中的“satisfaction_minimum”不对"),
        ({"extends": "2015", "thresholds": {"satisfaction_min": "八十"}}, "thresholds 中“satisfaction_min”的值不对"),
        ({"extends": "2015", "required": "产出指标"}, "“required”的值不对，应为 JSON 数组"),
        ({"extends": "2015", "required": ["成果指标"]}, "required 中的“成果指标”不对"),
        ({"extends": "2015", "roles": {"产出指标": "outputs"}}, "roles 中“产出指标”的值“outputs”不对"),
        ({"name": "x"}, "缺少 levels"),
    ]
    for data, words in cases:
        with pytest.raises(ProfileError) as caught:
            load_profile(_write_profile(tmp_path, data))
        assert words in str(caught.value), (data, str(caught.value))


def test_a_good_regional_profile_adds_labels_and_keeps_the_built_in_ones(tmp_path):
    from perfxl.profile import load_profile

    profile = load_profile(_write_profile(tmp_path, {"extends": "2015", "labels": {"name": ["项目名目"]},
                                                     "thresholds": {"satisfaction_min": 85}}))
    assert profile.label_index["项目名目"] == "name" and profile.label_index["项目名"] == "name"
    assert profile.thresholds["satisfaction_min"] == Decimal(85)
    assert profile.with_role("satisfaction") == ["满意度指标"]
