"""Build the real-world corpus: every forms/<id>.py module becomes <id>.xlsx, and SOURCES.md lists them.

A form module holds a published form transcribed cell by cell (SOURCE, SHEETS, TRUTH; see README.md).
The workbook is written the way a department's would be: text as text, numbers as numbers,
merged areas as merges. Run ``python tests/corpus/build.py OUTDIR`` to build every form into
OUTDIR and rewrite SOURCES.md.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
FORMS = HERE / "forms"
SOURCES = HERE / "SOURCES.md"
_A1_RANGE = re.compile(r"^([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)$")


def form_id(module) -> str:
    """The form's id: its module file name without .py."""
    return Path(module.__file__).stem


def modules() -> list:
    """Every form module under forms/, sorted by id."""
    out = []
    for path in sorted(FORMS.glob("*.py")):
        if path.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"perfxl_corpus_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out.append(module)
    return out


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _merge_area(a1: str) -> tuple[int, int, int, int]:
    m = _A1_RANGE.match(a1)
    if not m:
        raise ValueError(f"not an A1 range: {a1!r}")
    r1, c1, r2, c2 = int(m[2]) - 1, _col(m[1]), int(m[4]) - 1, _col(m[3])
    if r2 < r1 or c2 < c1:
        raise ValueError(f"range runs backwards: {a1!r}")
    return r1, c1, r2, c2


def _cell(rows: list[list], r: int, c: int):
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def _check_cell(value, where: str) -> None:
    # bool is an int subclass; a transcription never holds one, nor an empty string (use None)
    if value == "" or isinstance(value, bool) or not (value is None or isinstance(value, (str, int, float))):
        raise ValueError(f"{where}: cell must be str, int, float or None, not {value!r}")


def build(form_module, folder) -> list[Path]:
    """Write the module's SHEETS as <id>.xlsx in folder; returns the files written."""
    path = Path(folder) / f"{form_id(form_module)}.xlsx"
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    for sheet in form_module.SHEETS:
        ws = workbook.add_worksheet(sheet["name"])
        rows = sheet["rows"]
        covered: set[tuple[int, int]] = set()
        for a1 in sheet.get("merges", []):
            r1, c1, r2, c2 = _merge_area(a1)
            area = {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
            if area & covered:
                raise ValueError(f"{form_id(form_module)}!{sheet['name']}: merge {a1} overlaps another")
            for r, c in area - {(r1, c1)}:
                if _cell(rows, r, c) is not None:
                    raise ValueError(f"{form_id(form_module)}!{sheet['name']}: {a1} covers a filled cell")
            covered |= area
            value = _cell(rows, r1, c1)
            ws.merge_range(r1, c1, r2, c2, "" if value is None else value)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                _check_cell(value, f"{form_id(form_module)}!{sheet['name']} row {r + 1} col {c + 1}")
                if value is None or (r, c) in covered:
                    continue
                if isinstance(value, str):
                    ws.write_string(r, c, value)
                else:
                    ws.write_number(r, c, value)
    workbook.close()
    return [path]


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def sources_markdown() -> str:
    """SOURCES.md: one table row per form, with its truth counts."""
    lines = [
        "# 语料来源",
        "",
        "由 `python tests/corpus/build.py 输出目录` 生成，请勿手改（测试会核对）。",
        "",
        "| 编号 | 省份 | 年份 | 类型 | 版式 | 项目数 | 指标数 | 不完整 | 特点 | 来源 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    forms = modules()
    n_projects = n_indicators = 0
    for module in forms:
        s = module.SOURCE
        projects = module.TRUTH["projects"]
        indicators = sum(len(p["indicators"]) for p in projects)
        n_projects += len(projects)
        n_indicators += indicators
        cells = [form_id(module), s["province"], s["year"], s["kind"], s["layout"], len(projects), indicators,
                 "是" if s["partial"] else "否", s["special"], s["url"]]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    lines += ["", f"合计：{len(forms)} 张表，{n_projects} 个项目，{n_indicators} 个指标。", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("用法：python tests/corpus/build.py 输出目录", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    folder.mkdir(parents=True, exist_ok=True)
    written = [p for module in modules() for p in build(module, folder)]
    SOURCES.write_text(sources_markdown(), encoding="utf-8")
    print(f"已写出 {len(written)} 个工作簿到 {folder}，并更新 {SOURCES.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
