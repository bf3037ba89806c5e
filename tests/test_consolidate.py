"""perfxl consolidate: the summary workbook contract, rollups, bureau re-consolidation, safety."""

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.model import Funds, Project
from perfxl.pipeline import consolidate
from perfxl.contract import (AMOUNT_COLUMNS, COUNT_COLUMNS, FINDING_COLUMNS, INDICATOR_COLUMNS, PROJECT_COLUMNS,
                             ROLLUP_COLUMNS)
from perfxl.template import write_template
from conftest import DATA_2023, SEED_NAMES, libreoffice_convert, valid_indicators

SHEETS = {"项目汇总": PROJECT_COLUMNS, "指标明细": INDICATOR_COLUMNS, "资金汇总": ROLLUP_COLUMNS,
          "校验问题": FINDING_COLUMNS}


def sheet_rows(path, name):
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python(
        skip_empty_area=False)


def table(path, name):
    """Header and data rows of a contract sheet, as pandas/calamine readers see them."""
    rows = sheet_rows(path, name)
    h = next(i for i, row in enumerate(rows[:6]) if row[: len(SHEETS[name])] == SHEETS[name])
    header = rows[h][: len(SHEETS[name])]
    return header, [dict(zip(header, r)) for r in rows[h + 1:] if any(v != "" for v in r)]


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    out = tmp_path_factory.mktemp("sum") / "汇总.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(DATA_2023), "-o", str(out), "-q"])
    assert result.exit_code == 1, result.output  # the seed has one real error
    return out, result.output


def test_contract_sheets_and_headers(summary):
    out, _ = summary
    wb = python_calamine.CalamineWorkbook.from_path(str(out))
    assert wb.sheet_names == ["项目汇总", "指标明细", "资金汇总", "校验问题", "说明"]
    for name, columns in SHEETS.items():
        header, _ = table(out, name)
        assert header == columns


def test_seed_totals(summary):
    out, output = summary
    _, projects = table(out, "项目汇总")
    assert len(projects) == 9
    total = projects[-1]
    assert total["序号"] == "合计"
    assert round(total["年度金额"], 2) == 578.83
    assert round(total["年度财政拨款"], 2) == 578.83
    assert total["指标总数"] == 64 and total["错误数"] == 1 and total["警告数"] == 9
    assert sorted(r["项目名称"] for r in projects[:-1]) == sorted(SEED_NAMES)
    assert {r["年度金额"] for r in projects[:-1]} == {8.2, 52.8, 24.7, 277.13, 25.4, 170, 0.6, 20}
    quality = next(r for r in projects if r["项目名称"] == "质量发展专项经费")
    assert (quality["效益指标数"], quality["错误数"], quality["产出指标数"]) == (0, 1, 7)
    _, indicators = table(out, "指标明细")
    assert len(indicators) == 64
    first = next(r for r in indicators if r["三级指标"] == "营业执照数量")
    assert (first["年度指标值"], first["符号"], first["数值"], first["计量单位"], first["指标性质"], first["指标方向"]) == (
        "≤34000套", "≤", 34000, "套", "定量", "反向")
    _, findings = table(out, "校验问题")
    errors = [f for f in findings if f["级别"] == "错误"]
    assert [(f["代码"], f["项目名称"], f["单元格"]) for f in errors] == [("missing-level1", "质量发展专项经费", "B4")]
    assert "已写出汇总表" in output and "错误 1 个，警告 9 个" in output


def test_openpyxl_sees_formulas_and_number_formats(summary):
    out, _ = summary
    ws = openpyxl.load_workbook(out)["项目汇总"]
    assert ws["A1"].value.startswith("2023年度 大连高新技术产业园区市场监督管理局 项目绩效目标汇总表")
    assert ws["A2"].value == "单位：万元"
    assert ws["M12"].value == "=SUM(M4:M11)"
    assert ws["M4"].number_format == "#,##0.00"
    assert ws.freeze_panes == "C4"
    assert ws.auto_filter.ref == "A3:AB11"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$3:$3"
    rollup = openpyxl.load_workbook(out)["资金汇总"]
    assert rollup["A4"].value == "按主管部门"
    assert rollup["C4"].value.startswith("=COUNTIFS('项目汇总'!$C$4:$C$11,")
    assert rollup["E4"].value.startswith("=SUMIFS('项目汇总'!$M$4:$M$11,'项目汇总'!$C$4:$C$11,")
    assert len(rollup._charts) == 2


def test_rollup_values(summary):
    out, _ = summary
    rows = sheet_rows(out, "资金汇总")
    by_dept = rows[3]
    assert by_dept[:3] == ["按主管部门", "大连高新技术产业园区市场监督管理局", 8]
    assert round(by_dept[4], 2) == 578.83 and by_dept[7] == 1.0


def test_libreoffice_recalculation_reproduces_cached_values(summary, tmp_path):
    out, _ = summary
    converted = libreoffice_convert(out, tmp_path, recalc=True)
    for name in ("项目汇总", "资金汇总"):
        ours, theirs = sheet_rows(out, name), sheet_rows(converted, name)
        checked = 0
        for r, row in enumerate(ours):
            for c, value in enumerate(row):
                if isinstance(value, float):
                    assert theirs[r][c] == pytest.approx(value, abs=1e-9), (name, r, c)
                    checked += 1
        assert checked >= 16


def test_libreoffice_recalculates_after_an_audit_correction(tmp_path):
    """An auditor corrects an amount in 项目汇总: the SUMIFS rollups follow (checked in LibreOffice)."""
    out = consolidate([str(DATA_2023)], tmp_path / "s.xlsx").written
    wb = openpyxl.load_workbook(out)
    ws = wb["项目汇总"]
    ws["M4"] = ws["M4"].value + 100  # openpyxl only in the test, on our own output
    wb.save(tmp_path / "audited.xlsx")
    converted = libreoffice_convert(tmp_path / "audited.xlsx", tmp_path, recalc=True)
    rows = sheet_rows(converted, "资金汇总")
    assert round(rows[3][4], 2) == 678.83


def make_department(folder: Path, department: str, names: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        p = Project(name=name, department=department, unit=f"{department}{'一二'[i % 2]}所",
                    period="2023年1月至2023年12月", year="2023", category="专项" if i % 2 else "",
                    funds_period=Funds(Decimal("10.5") + i, Decimal("10.5") + i, None),
                    funds_year=Funds(Decimal("10.5") + i, Decimal("8.25") + i, Decimal("2.25")),
                    goal_period="目标一", goal_year="目标二")
        p.indicators = valid_indicators()
        write_template(folder / f"{i:02d}.xlsx", projects=[p])
    return folder


def test_bureau_consolidation_equals_all_forms_at_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_department(Path("甲局"), "甲局", ["道路养护", "路灯维护", "=HYPERLINK(\"http://x\")"])
    make_department(Path("乙局"), "乙局", ["图书采购", "网站运维"])
    consolidate(["甲局"], "甲局汇总.xlsx")
    consolidate(["乙局"], "乙局汇总.xlsx")
    bureau = consolidate(["甲局汇总.xlsx", "乙局汇总.xlsx"], "全市汇总.xlsx")
    consolidate(["甲局", "乙局"], "直接汇总.xlsx")
    # The same rows, except that a carried project names the summary it came in before its file.
    for sheet in ("项目汇总", "指标明细"):
        carried, direct = table("全市汇总.xlsx", sheet)[1], table("直接汇总.xlsx", sheet)[1]
        assert [r["来源文件"] for r in carried] == [
            f"{r['来源文件'].split('/')[0]}汇总.xlsx > {r['来源文件']}" if r["来源文件"] else "" for r in direct]
        assert [{**r, "来源文件": ""} for r in carried] == [{**r, "来源文件": ""} for r in direct]
    assert table("全市汇总.xlsx", "项目汇总")[1][0]["来源文件"] == "乙局汇总.xlsx > 乙局/00.xlsx"
    assert len(bureau.projects) == 5 and bureau.year_total == Decimal("56.5")
    assert bureau.title == "2023年度 项目绩效目标汇总表"
    rollup = sheet_rows("全市汇总.xlsx", "资金汇总")
    assert [r[1] for r in rollup[3:5]] == ["乙局", "甲局"]
    assert [r[1] for r in rollup if r[0] == "按项目类别"] == ["（未填写）", "专项", "合计"]


def test_project_met_twice_is_kept_and_flagged(tmp_path):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        shutil.copy(DATA_2023 / f"{SEED_NAMES[0]}.xlsx", tmp_path / d / "x.xlsx")
    result = consolidate([str(tmp_path / "a"), str(tmp_path / "b")], tmp_path / "s.xlsx")
    assert len(result.projects) == 2
    dups = [f for f in result.findings if f.code == "duplicate-project"]
    assert len(dups) == 2
    # Named relative to the folders given: never this machine's absolute path.
    assert [(d.file, d.message.split("另见 ")[1]) for d in dups] == [
        ("a/x.xlsx", "b/x.xlsx!市场监管局工作业务经费：请删除重复的一份"),
        ("b/x.xlsx", "a/x.xlsx!市场监管局工作业务经费：请删除重复的一份")]
    assert str(tmp_path) not in " ".join(f.message + f.file for f in result.findings)


def test_output_is_never_read_as_input(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(DATA_2023, folder)
    out = folder / "汇总.xlsx"
    consolidate([str(folder)], out)
    again = consolidate([str(folder)], out)
    assert len(again.projects) == 8
    assert not [f for f in again.findings if f.code == "duplicate-project"]


def test_refuses_to_write_over_an_input(tmp_path):
    target = tmp_path / "x.xlsx"
    shutil.copy(DATA_2023 / f"{SEED_NAMES[0]}.xlsx", target)
    before = target.read_bytes()
    result = CliRunner().invoke(main, ["consolidate", str(target), "-o", str(target)])
    assert result.exit_code == 2
    assert "就是输入文件之一" in result.output
    assert target.read_bytes() == before


def test_untrusted_text_arrives_as_text(tmp_path):
    names = ["=1+1", "+SUM(A1)", "-2", "@A1", "http://example.com/x", "=HYPERLINK(\"http://e\",\"点我\")"]
    make_department(tmp_path / "in", "丙局", names)
    result = CliRunner().invoke(main, ["consolidate", str(tmp_path / "in"), "-o", str(tmp_path / "s.xlsx"),
                                       "--csv-dir", str(tmp_path / "csv"), "-q"])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["项目汇总"]
    cells = [ws.cell(row=r, column=2) for r in range(4, 10)]
    assert sorted(c.value for c in cells) == sorted(names)
    assert {c.data_type for c in cells} == {"s"}
    assert not ws._hyperlinks
    with open(tmp_path / "csv" / "项目汇总.csv", encoding="utf-8-sig", newline="") as fh:
        written = [row[1] for row in csv.reader(fh)][1:]
    assert sorted(written) == sorted("'" + n if n[0] in "=+-@" else n for n in names)


def test_csv_files_have_bom_and_headers(tmp_path):
    CliRunner().invoke(main, ["consolidate", str(DATA_2023), "-o", str(tmp_path / "s.xlsx"), "--csv-dir",
                              str(tmp_path / "csv"), "-q"])
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == ["指标明细.csv", "校验问题.csv", "资金汇总.csv",
                                                                    "项目汇总.csv"]
    for name, columns in (("项目汇总.csv", PROJECT_COLUMNS), ("指标明细.csv", INDICATOR_COLUMNS),
                          ("资金汇总.csv", ROLLUP_COLUMNS), ("校验问题.csv", FINDING_COLUMNS)):
        raw = (tmp_path / "csv" / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
        assert rows[0] == columns
    assert len(list(csv.reader((tmp_path / "csv" / "指标明细.csv").read_text(encoding="utf-8-sig").splitlines()))) == 65


def test_strict_writes_nothing_on_errors(tmp_path):
    result = CliRunner().invoke(main, ["consolidate", str(DATA_2023), "-o", str(tmp_path / "s.xlsx"), "--strict"])
    assert result.exit_code == 1
    assert not (tmp_path / "s.xlsx").exists()
    assert "未写出汇总表" in result.output
    clean = CliRunner().invoke(main, ["consolidate", str(DATA_2023 / f"{SEED_NAMES[0]}.xlsx"), "-o",
                                      str(tmp_path / "s.xlsx"), "--strict"])
    assert clean.exit_code == 0 and (tmp_path / "s.xlsx").exists()


def test_deterministic_in_any_input_order(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    files = sorted(str(p) for p in DATA_2023.glob("*.xlsx"))
    a = consolidate(files, tmp_path / "a.xlsx").written.read_bytes()
    b = consolidate(list(reversed(files)), tmp_path / "b.xlsx").written.read_bytes()
    assert a == b


def test_nothing_to_consolidate_exits_2(tmp_path):
    (tmp_path / "in").mkdir()
    result = CliRunner().invoke(main, ["consolidate", str(tmp_path / "in"), "-o", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 2
    assert not (tmp_path / "s.xlsx").exists()


def test_custom_title(tmp_path):
    consolidate([str(DATA_2023)], tmp_path / "s.xlsx", title="某区 2023 汇总")
    assert sheet_rows(tmp_path / "s.xlsx", "项目汇总")[0][0] == "某区 2023 汇总"


def test_rollup_names_with_wildcards_match_exactly_in_libreoffice(tmp_path):
    """Unit names with * ? ~ or a leading > must not act as SUMIFS patterns."""
    folder = make_department(tmp_path / "in", "丁局", ["甲", "乙", "丙", "丁"])
    for i, unit in enumerate(["某*所", "某所", ">5", "某~所"]):
        wb = openpyxl.load_workbook(folder / f"{i:02d}.xlsx")
        wb.active["E5"] = unit
        wb.save(folder / f"{i:02d}.xlsx")
    out = consolidate([str(folder)], tmp_path / "s.xlsx").written
    converted = libreoffice_convert(out, tmp_path, recalc=True)
    ours, theirs = sheet_rows(out, "资金汇总"), sheet_rows(converted, "资金汇总")
    units = [r for r in ours if r[0] == "按实施单位" and r[1] != "合计"]
    assert sorted(r[1] for r in units) == sorted(["某*所", "某所", ">5", "某~所"])
    assert all(r[2] == 1 for r in units)
    for r, row in enumerate(ours):
        for c, value in enumerate(row[:8]):
            if isinstance(value, float):
                assert theirs[r][c] == pytest.approx(value, abs=1e-9), (r, c, row[1])


def test_frames_for_python_users():
    """perfxl.read(...).frames(): the summary's tables as DataFrames with real dtypes."""
    import perfxl

    tables = perfxl.read([str(DATA_2023)]).frames()
    assert list(tables) == ["项目汇总", "指标明细", "资金汇总", "校验问题"]
    projects, indicators, rollups, findings = tables.values()
    assert list(projects.columns) == PROJECT_COLUMNS and len(projects) == 8
    assert {str(projects[c].dtype) for c in AMOUNT_COLUMNS} == {"float64"}
    assert {str(projects[c].dtype) for c in COUNT_COLUMNS} == {"Int64"}
    assert round(projects["年度金额"].sum(), 2) == 578.83
    assert projects["实施期其他资金"].isna().sum() == 8  # blank stays blank, not 0
    assert projects["错误数"].sum() == 1 and projects["指标总数"].sum() == 64
    assert len(indicators) == 64 and str(indicators["一级指标"].dtype) == "category"
    assert sorted(indicators["一级指标"].cat.categories) == ["产出指标", "效益指标", "满意度指标"]
    assert str(indicators["数值"].dtype) == "float64" and indicators["数值"].max() == 34000
    assert rollups["项目数"].tolist() == [8, 8] and str(rollups["项目数"].dtype) == "Int64"
    assert rollups["占比"].tolist() == [1.0, 1.0]
    assert str(findings["级别"].dtype) == "category" and findings["级别"].cat.ordered
    assert findings["级别"].value_counts().to_dict() == {"错误": 1, "警告": 9, "提示": 24}
    assert str(findings["项目序号"].dtype) == "Int64"
    error = findings[findings["级别"] == "错误"].iloc[0]
    assert projects.loc[projects["序号"] == error["项目序号"], "项目名称"].item() == "质量发展专项经费"


def test_the_collector_is_paused_only_while_consolidating(tmp_path):
    """consolidate pauses Python's GC for speed and gives the caller back the state it had."""
    import gc

    assert gc.isenabled()
    consolidate(DATA_2023, tmp_path / "a.xlsx")
    assert gc.isenabled()
    gc.disable()
    try:
        consolidate(DATA_2023, tmp_path / "b.xlsx")
        assert not gc.isenabled()
    finally:
        gc.enable()
    from perfxl.errors import OutputError

    with pytest.raises(OutputError, match="输出文件夹不存在"):  # raised while writing, after reading
        consolidate(DATA_2023, tmp_path / "missing" / "c.xlsx")
    assert gc.isenabled()


def test_tables_longer_than_a_sheet_go_on_in_further_sheets(tmp_path, monkeypatch):
    """指标明细 and 校验问题 go on in 指标明细（二）… past a sheet's rows (patched to 5 here; Excel's are
    1,048,576), each part under the title and header, 序号 counting on; a bureau reads it back whole."""
    from perfxl import summary as summary_module
    from perfxl.pipeline import read

    consolidate([str(DATA_2023)], tmp_path / "one.xlsx")
    monkeypatch.setattr(summary_module, "SHEET_ROWS", summary_module.FIRST + 5)
    consolidate([str(DATA_2023)], tmp_path / "split.xlsx")
    wb = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "split.xlsx"))
    more = "二 三 四 五 六 七 八 九 十 十一 十二 十三".split()
    assert wb.sheet_names == ["项目汇总", "指标明细", *[f"指标明细（{n}）" for n in more], "资金汇总",
                              "校验问题", *[f"校验问题（{n}）" for n in more[:6]], "说明"]
    for sheet, columns, total in (("指标明细", INDICATOR_COLUMNS, 64), ("校验问题", FINDING_COLUMNS, 34)):
        numbers = []
        for name in [n for n in wb.sheet_names if n.startswith(sheet)]:
            rows = sheet_rows(tmp_path / "split.xlsx", name)
            assert rows[0][0] == "2023年度 大连高新技术产业园区市场监督管理局 项目绩效目标汇总表"
            assert rows[2][:len(columns)] == columns
            assert 1 <= len(rows) - 3 <= 5
            numbers += [int(r[0]) for r in rows[3:]]
        assert numbers == list(range(1, total + 1))
    about = sheet_rows(tmp_path / "split.xlsx", "说明")
    assert "一张工作表放不下的，接续在指标明细（二）、指标明细（三）" in next(r[1] for r in about if r[0] == "各工作表")
    one, split = read(tmp_path / "one.xlsx"), read(tmp_path / "split.xlsx")

    def carried(result):
        return ([(p.name, p.funds_year.total, [(i.level1, i.level2, i.level3, i.value, i.cell) for i in p.indicators])
                 for p in result.projects],
                sorted((f.code, f.level, f.message, f.cell) for f in result.findings if f.code != "summary-input"))

    assert carried(split) == carried(one)
    assert sum(len(p.indicators) for p in split.projects) == 64 and len(split.findings) == 35
