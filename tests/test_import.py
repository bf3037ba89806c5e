"""perfxl import: text dumps (UTF-8, GBK) and .docx become filled template workbooks."""

from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.importer import import_forms, safe_filename
from perfxl.pipeline import read
from conftest import DATA_2023, SEED, SEED_NAMES, assert_matches_seed, seed_forms
from xlsxparts import assert_same_parts


def build_docx(path: Path) -> Path:
    """The seed as Word would hold it: title paragraphs, then one table per form with the
    一级/二级 cells merged vertically over their continuation rows."""
    document = docx.Document()
    for form in seed_forms():
        body = [row for row in form if any(row)]
        start = next(i for i, row in enumerate(body) if row[0].startswith("项目名称"))
        for row in body[:start]:
            document.add_paragraph(row[0])
        rows = body[start:]
        width = max(len(r) for r in rows)
        table = document.add_table(rows=len(rows), cols=width)
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                table.cell(r, c).text = text
        header = next(i for i, row in enumerate(rows) if row[0] == "一级指标")
        for col in (0, 1):
            top = None
            for r in range(header + 1, len(rows)):
                if rows[r][col]:
                    top = r
                elif top is not None:
                    table.cell(top, col).merge(table.cell(r, col))
    document.save(path)
    return path


def test_import_seed_gives_eight_workbooks_that_read_back_exactly(tmp_path):
    result = CliRunner().invoke(main, ["import", str(SEED), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output  # the written workbooks are checked: the seed's one error
    files = sorted((tmp_path / "out").glob("*.xlsx"))
    assert sorted(f.stem for f in files) == sorted(SEED_NAMES)
    lines = result.output.splitlines()
    assert lines[:8] == [str(tmp_path / "out" / f"{name}.xlsx") for name in SEED_NAMES]
    assert "质量发展专项经费.xlsx!质量发展专项经费!B4 错误 missing-level1 " \
           "缺少效益指标：每个项目至少要有一个效益指标（2015版指标体系），请补充" in lines
    assert lines[-1] == "共导入 8 个项目、64 个指标，年度金额合计 578.83 万元：错误 1 个，警告 9 个，提示 24 个。"
    back = read([str(f) for f in (tmp_path / "out" / f"{n}.xlsx" for n in SEED_NAMES)])
    assert_matches_seed(back.projects)


def test_gbk_text_dump(tmp_path):
    gbk = tmp_path / "seed-gbk.txt"
    gbk.write_bytes(SEED.read_text(encoding="utf-8").replace("\n", "\r\n").encode("gb18030"))
    result = import_forms([gbk], tmp_path / "out")
    assert_matches_seed(result.projects)


def test_docx_gives_the_same(tmp_path):
    source = build_docx(tmp_path / "目标表.docx")
    result = import_forms([source], tmp_path / "out")
    assert len(result.written) == 8
    assert_matches_seed(result.projects)
    assert_matches_seed(read([str(tmp_path / "out" / f"{n}.xlsx") for n in SEED_NAMES]).projects)


def test_sample_workbooks_match_the_code(tmp_path, monkeypatch):
    """data/2023 must be regenerated when the code changes:
    perfxl import data/seed/2023年度项目绩效目标表.txt -o data/2023 --force"""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    import_forms([SEED], tmp_path)
    shipped = sorted(p.name for p in DATA_2023.glob("*.xlsx"))
    assert shipped == sorted(p.name for p in tmp_path.glob("*.xlsx"))
    for name in shipped:
        assert_same_parts(tmp_path / name, DATA_2023 / name)  # as XML: xlsxwriter versions differ in bytes


def test_filled_form_keeps_every_field(tmp_path):
    result = import_forms([SEED], tmp_path)
    project = read([str(tmp_path / "市场监管局执法服装采购经费.xlsx")]).projects[0]
    original = result.projects[2]
    assert project.goal_year == original.goal_year and project.goal_year.startswith("依据上级部门整体安排")
    assert project.goal_period == original.goal_period
    assert str(project.funds_year.other) == "0"
    assert project.year == "2023"
    assert [(i.level1, i.level2) for i in project.indicators][-3:] == [
        ("效益指标", "社会效益指标"), ("效益指标", "社会效益指标"), ("满意度指标", "服务对象满意度指标")]


@pytest.mark.parametrize("name, expected", [
    ("普通项目", "普通项目.xlsx"),
    ('a/b\\c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j.xlsx"),
    ("CON", "_CON.xlsx"),
    ("尾部点.", "尾部点.xlsx"),
    ("", "未命名项目.xlsx"),
    ("长" * 200, "长" * 80 + ".xlsx"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name, set()) == expected


def test_same_project_name_twice_gets_numbered(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    first = text[: text.index("本级预算项目绩效目标表", 10)]
    doubled = tmp_path / "double.txt"
    doubled.write_text(first + "\n" + first, encoding="utf-8")
    result = import_forms([doubled], tmp_path / "out")
    assert [p.name for p in result.written] == ["市场监管局工作业务经费.xlsx", "市场监管局工作业务经费(2).xlsx"]


def test_import_of_a_text_without_forms_exits_2(tmp_path):
    empty = tmp_path / "空.txt"
    empty.write_text("没有表格\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(empty), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "没有找到绩效目标表" in result.output


def test_import_of_a_missing_file_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["import", str(tmp_path / "无.txt"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.strip() == f"错误：找不到文件：{tmp_path / '无.txt'}"


def test_existing_files_are_never_replaced_without_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    filled = out / "市场监管局印刷制作费.xlsx"
    filled.write_bytes(b"somebody went on filling this in")
    result = CliRunner().invoke(main, ["import", str(SEED), "-o", str(out)])
    assert result.exit_code == 2
    assert result.output.strip() == f"错误：{filled} 已经存在，未写出任何文件；请换一个输出文件夹，或加 --force 覆盖"
    assert filled.read_bytes() == b"somebody went on filling this in"
    assert sorted(p.name for p in out.iterdir()) == ["市场监管局印刷制作费.xlsx"]
    forced = CliRunner().invoke(main, ["import", str(SEED), "-o", str(out), "--force", "-q"])
    assert forced.exit_code == 1  # the seed's one error
    assert not [line for line in forced.output.splitlines() if line.endswith(".xlsx")]  # no file list under -q
    assert len(list(out.glob("*.xlsx"))) == 8 and filled.read_bytes().startswith(b"PK")


def test_old_word_files_get_a_clear_message(tmp_path):
    old = tmp_path / "目标表.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    result = CliRunner().invoke(main, ["import", str(old), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.strip() == f"错误：{old} 不是 .docx 文件（可能是旧版 .doc 或 .wps）；请在 Word 或 WPS 中另存为 .docx 后重试"


def test_a_source_without_forms_is_an_error_and_what_was_written_is_checked(tmp_path):
    """Junk text with a 项目名称 label gives a project with nothing else: its workbook is checked
    like validate would (exit 1, the missing fields and indicators named); a source with no form at
    all is an error finding of its own."""
    junk = tmp_path / "junk.txt"
    junk.write_text("项目名称\t某项目\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("只是一些文字\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(junk), str(empty), "-o", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{empty} 错误 no-form-in-source 没有找到绩效目标表（缺少“项目名称”栏目），未导入：" \
           "请确认这是含绩效目标表的 Word 文档（.docx）或从中复制出的文本" in lines
    codes = [line.split(" ")[2] for line in lines if line.startswith("某项目.xlsx!")]  # named as read back
    assert codes == ["missing-department", "missing-implementing-unit", "missing-year-amount", "missing-year-goal",
                     "missing-attribute", "no-indicators"]
    assert lines[-1] == "共导入 1 个项目、0 个指标，年度金额合计 0.00 万元：错误 5 个，警告 2 个，提示 0 个。"


def test_only_sources_without_forms_exit_2(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("只是一些文字\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(empty), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == "错误：没有找到任何绩效目标表，未写出文件。"
    assert not (tmp_path / "out").exists()
