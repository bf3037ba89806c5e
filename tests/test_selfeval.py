"""The year through: approved targets → 自评表 → filled as a person would → LibreOffice recalculates
→ validate → consolidate; and the 自评表 file itself (layout, protection, refusing files)."""

import zipfile
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import perfxl
from perfxl.cli import main
from perfxl.errors import UsageError

from conftest import DATA_2023, SEED_NAMES, libreoffice_convert

UNIT = "大连高新技术产业园区市场监督管理局"
# Per project: 全年预算数, 全年执行数, then per indicator (实际完成值, 偏差原因) in form order.
FILLED = {
    "市场监管局工作业务经费": (8.2, 7.5, [
        ("2所", ""), ("117个", ""), ("1次", ""), ("2次", ""), ("1次", ""), ("3次", ""), ("100%", ""),
        ("0.85", "宣传场地受限，明年增加社区宣传"), ("100%", ""), ("达成年度指标", ""),
        ("部分达成年度指标并具有一定效果", "事故率统计口径调整，明年按季度通报"), ("92%", "")]),
    "市场监管局印刷制作费": (52.8, 50, [
        ("36000套", "新增证照换发，印量超出"), ("100%", ""), ("达成年度指标", ""), ("达成年度指标", ""),
        ("88%", ""), ("90%", ""), ("95%", "")]),
    "市场监管局执法服装采购经费": (24.7, 24.7, [
        ("101", ""), ("100%", ""), ("100%", ""), ("3年", ""), ("达成年度指标", ""), ("96%", ""), (0.93, "")]),
    "市场监管服务中心工作业务经费": (25.4, 25.4, [
        ("821平米", ""), ("36人", ""), ("100%", ""), ("达成年度指标", ""), ("1年", ""), ("1年", ""),
        ("达成年度指标", ""), ("≥95%", "")]),
    "特种设备安全监管第三方技术服务经费": (170, 120, [
        ("210台", ""), ("120家", ""), ("2次", ""), ("100%", ""), ("100%", ""), ("0%", ""), ("95%", "")]),
    "腾讯企点认证客服号运营费": (0.6, 0.6, [
        ("3席", ""), ("12%", "设备老化，已申请更换"), ("100%", ""), ("2个工作日", ""), ("650人", ""), ("1年", ""),
        ("85%", "")]),
    "质量发展专项经费": (20, 19, [
        ("2次", ""), ("45家", ""), ("1家", ""), ("5家", ""), ("100%", ""), ("100%", ""), ("100%", ""), ("90%", "")]),
    "食品药品安全监管专项经费": (277.13, 270, [
        ("2600批次", ""), ("100%", ""), ("100%", ""), ("100%", ""), ("达成年度指标", ""), ("达成年度指标", ""),
        ("达成年度指标", ""), ("很满意", "")]),
}


def fill(source: Path, target: Path, budget, spent, rows) -> None:
    """What a person does in Excel: type the fund block, the actuals and some reasons."""
    wb = openpyxl.load_workbook(source)
    ws = wb.worksheets[0]
    ws["D6"], ws["E6"] = budget, spent
    for i, (actual, reason) in enumerate(rows):
        ws.cell(13 + i, 5).value = actual
        if reason:
            ws.cell(13 + i, 8).value = reason
    name = ws["B3"].value
    if name == "市场监管局执法服装采购经费":
        ws["D18"] = "≥90%"  # the approved target was ≥95%
    if name == "市场监管服务中心工作业务经费":
        ws["C17"] = "网络保障时限"  # renamed: the approved 宽带保障时限 is missing
    wb.save(target)


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """The eight seed projects through the year; returns the folders."""
    root = tmp_path_factory.mktemp("year")
    actuals = root / "执行数.csv"
    lines = ["项目名称,实施单位,全年预算数,全年执行数"]
    lines += [f"{name},{UNIT},{b},{s}" for name, (b, s, _) in FILLED.items()]
    lines.append("不存在的项目,某单位,1,1")
    actuals.write_bytes("\n".join(lines).encode("gbk"))
    blank = root / "自评表"
    result = perfxl.selfeval([DATA_2023], blank, actuals=actuals)
    filled, recalculated = root / "填好", root / "重算"
    filled.mkdir()
    recalculated.mkdir()
    for path in result.written:
        name = openpyxl.load_workbook(path).worksheets[0]["B3"].value
        fill(path, filled / path.name, *FILLED[name])
        converted = libreoffice_convert(filled / path.name, root / "lo", recalc=True)
        converted.rename(recalculated / path.name)
    return {"root": root, "blank": blank, "filled": filled, "recalculated": recalculated, "result": result}


def test_selfeval_writes_one_prefilled_form_per_project(year):
    result = year["result"]
    assert len(result.written) == 8
    assert sorted(p.name for p in result.projects) == sorted(SEED_NAMES)
    assert result.unmatched == ["第 10 行 不存在的项目（某单位）"]
    assert result.filled == 8
    assert result.notes == ["质量发展专项经费：分值合计 70.00，不是 100（缺少效益指标）；请在生成的自评表中调整分值"]
    ws = openpyxl.load_workbook(year["blank"] / "市场监管局工作业务经费_自评表.xlsx").worksheets[0]
    assert ws["A1"].value == "项目支出绩效自评表" and ws["A2"].value == "（2023年度）"
    assert ws["B3"].value == "市场监管局工作业务经费" and ws["F4"].value == UNIT
    assert ws["C6"].value == 8.2 and ws["D6"].value == 8.2 and ws["E6"].value == 7.5 and ws["F6"].value == 10
    assert [ws.cell(12, c).value for c in range(1, 9)] == [
        "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    weights = [ws.cell(r, 6).value for r in range(13, 25)]
    assert weights == [5.56] * 5 + [5.55] * 4 + [15, 15, 10]  # 50 over 9 产出 in cents that add up
    assert ws["D14"].value == "≥130个" and ws["J14"].value == "正向" and ws["K14"].value == 130 and ws["L14"].value == "个"
    assert ws["J22"].value == "定性" and ws.column_dimensions["J"].hidden
    assert ws["F25"].value.startswith("=SUM(F6,F13:F24)")
    assert ws.protection.sheet and not ws.protection.password
    assert not ws["E13"].protection.locked and ws["C13"].protection.locked and ws["G13"].protection.locked
    assert not ws["F13"].protection.locked  # 分值 stay editable
    tiers = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert {str(r) for dv in tiers for r in dv.sqref.ranges} == {"E22", "E23"}
    assert "达成年度指标" in tiers[0].formula1
    # the custom property that lets a re-run replace the files, and only these
    again = perfxl.selfeval([DATA_2023], year["blank"])
    assert len(again.written) == 8


def test_selfeval_refuses_files_it_did_not_write(tmp_path):
    (tmp_path / "市场监管局印刷制作费_自评表.xlsx").write_bytes(b"somebody's work")
    with pytest.raises(UsageError, match="不是 perfxl 生成的自评表"):
        perfxl.selfeval([DATA_2023], tmp_path)
    assert (tmp_path / "市场监管局印刷制作费_自评表.xlsx").read_bytes() == b"somebody's work"
    assert len(list(tmp_path.iterdir())) == 1


def cells(path: Path):
    return openpyxl.load_workbook(path, data_only=True).worksheets[0]


def test_libreoffice_scores_equal_perfxl_scores(year):
    """Every 得分, 总分 and 等级 LibreOffice computes equals perfxl's own rule, cell by cell."""
    scored = perfxl.score([year["recalculated"]])
    assert len(scored.projects) == 8
    compared = 0
    for p in scored.projects:
        ev = p.evaluation
        assert ev.ours
        assert ev.fund_score == ev.rule_fund_score
        for row in ev.rows:
            if row.actual == "≥95%":  # no plain number: the form leaves it to perfxl
                assert row.score is None and row.rule.value == D("10.00")
                continue
            if row.actual == "很满意":
                assert row.score is None and row.rule.value is None
                continue
            assert row.score == row.rule.value, (p.name, row.level3)
            compared += 1
        open_rows = any(r.rule.value is None or r.score is None for r in ev.rows)
        assert ev.total == (None if open_rows else ev.rule_total), p.name
        assert ev.grade == ("" if open_rows else ev.rule_grade), p.name
    assert compared == 62
    by_name = {p.name: p.evaluation for p in scored.projects}
    # by hand: 9.15 (7.5 ÷ 8.2 × 10) + 5.56 + 5.00 (117 ÷ 130 × 5.56) + 5.56 × 3 + 5.55 × 3 + 5.24 (85 ÷ 90 × 5.55)
    # + 15 + 12 (部分达成: 80% of 15) + 10
    assert by_name["市场监管局工作业务经费"].total == D("95.28")
    assert by_name["市场监管局工作业务经费"].grade == "优"
    printing = by_name["市场监管局印刷制作费"]  # ≤34000套, 36000 done: 34000 ÷ 36000 × 16.67 = 15.74
    assert printing.rows[0].score == D("15.74") and printing.rows[4].score == D("10.00")  # 效益 30 over 3
    tencent = by_name["腾讯企点认证客服号运营费"]  # ≤10%: 12% → 10/12 × 12.5; ≤1个工作日: 2 → 6.25
    assert [r.score for r in tencent.rows[:4]] == [D("12.50"), D("10.42"), D("12.50"), D("6.25")]
    special = by_name["特种设备安全监管第三方技术服务经费"]  # 0% target met: all of 效益's 30; 执行率 70.59% → 7.06
    assert special.rows[5].score == D("30.00") and special.fund_score == D("7.06")
    assert special.total == D("97.06") and special.grade == "优"
    uniforms = by_name["市场监管局执法服装采购经费"]  # 0.93 typed into a percent row: 93% of ≥90%
    assert uniforms.rows[6].score == D("10.00") and uniforms.total == D("100.00")
    quality = by_name["质量发展专项经费"]
    assert quality.total == D("69.50") and quality.grade == "中"  # 9.50 + 60: only 70 points on the form


def findings_of(result, folder: Path):
    return sorted((Path(f.file).name.removesuffix("_自评表.xlsx"), f.code, f.cell)
                  for f in result.findings if f.level != "notice" and Path(f.file).parent == Path(folder.name))


EXPECTED = [
    ("市场监管局工作业务经费", "missing-deviation-reason", "H14"),  # 117 of ≥130个
    ("市场监管局工作业务经费", "overshoot-unexplained", "H18"),  # 3次 of ≥2次: 150%
    ("市场监管服务中心工作业务经费", "indicator-missing", "B3"),  # 宽带保障时限
    ("市场监管局执法服装采购经费", "target-mismatch", "D18"),  # ≥90% against the approved ≥95%
    ("特种设备安全监管第三方技术服务经费", "execution-rate-low", "G6"),  # 120 of 170: 70.59%
    ("腾讯企点认证客服号运营费", "missing-deviation-reason", "H16"),  # 2个工作日 against ≤1
    ("质量发展专项经费", "weights-not-100", "F21"),  # no 效益指标: 70 points
    ("食品药品安全监管专项经费", "actual-not-comparable", "E20"),  # 很满意
]


def test_validate_reports_the_expected_findings(year):
    result = perfxl.score([year["recalculated"], DATA_2023])
    got = findings_of(result, year["recalculated"])
    assert got == sorted(EXPECTED), got
    notices = [(Path(f.file).name, f.code, f.cell) for f in result.findings
               if f.level == "notice" and Path(f.file).parent == Path(year["recalculated"].name)]  # relative names
    assert notices == [("市场监管服务中心工作业务经费_自评表.xlsx", "score-blank", "G20")]
    runner = CliRunner()
    out = runner.invoke(main, ["validate", str(year["recalculated"]), str(DATA_2023)])
    assert out.exit_code == 1
    assert "E20 错误 actual-not-comparable “群众对食品安全满意度”的实际完成值“很满意”无法与年度指标值“≥90%”比较" in out.output
    assert "共检查 16 个文件、16 个项目：错误 5 个" in out.output  # 4 自评表 errors + 质量发展's missing 效益指标


def test_consolidate_writes_the_score_summary(year):
    out = year["root"] / "自评汇总.xlsx"
    runner = CliRunner()
    result = runner.invoke(main, ["consolidate", str(year["recalculated"]), "-o", str(out)])
    assert result.exit_code == 1, result.output  # 自评表 errors (no target forms given: no target checks)
    wb = openpyxl.load_workbook(out, data_only=True)
    assert wb.sheetnames == ["自评汇总", "得分差异", "等级分布", "按实施单位", "校验问题"]
    ws = wb["自评汇总"]
    assert ws["A1"].value == "2023年度 大连高新技术产业园区市场监督管理局 项目支出绩效自评汇总表"
    header = [c.value for c in ws[3]]
    assert header[:14] == ["序号", "项目名称", "主管部门", "实施单位", "全年预算数", "全年执行数", "执行率", "执行率得分",
                           "产出指标得分", "效益指标得分", "满意度指标得分", "总分", "等级", "表内总分"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=4, max_row=11, values_only=True)}
    work = rows["市场监管局工作业务经费"]
    assert work[4:13] == (8.2, 7.5, pytest.approx(7.5 / 8.2), 9.15, 49.13, 27, 10, 95.28, "优")
    assert rows["市场监管服务中心工作业务经费"][11] == 100 and rows["市场监管服务中心工作业务经费"][13] is None
    assert rows["食品药品安全监管专项经费"][11] is None  # 很满意 cannot be scored: no total, no silent zero
    total = [c.value for c in ws[12]]
    assert total[0] == "合计" and total[4] == pytest.approx(578.83) and total[5] == pytest.approx(517.2)
    formulas = openpyxl.load_workbook(out).worksheets[0]
    assert formulas["G4"].value.startswith("=IF(AND(ISNUMBER(E4)")
    grades = {r[0]: r[2] for r in wb["等级分布"].iter_rows(min_row=4, max_row=8, values_only=True)}
    assert grades == {"优": 6, "良": 0, "中": 1, "差": 0, "未评完": 1}
    assert "xl/charts/chart1.xml" in zipfile.ZipFile(out).namelist()
    unit = next(wb["按实施单位"].iter_rows(min_row=4, max_row=4, values_only=True))
    assert unit[:3] == (UNIT, 8, pytest.approx(578.83))
    # ≥95% typed as the actual: the form's formula leaves 得分 and 总分 empty, the rules give 10 and 100
    differences = [r[1:7] for r in wb["得分差异"].iter_rows(min_row=4, values_only=True)]
    again = runner.invoke(main, ["validate", str(out)])
    # Not read again, said so; and like any input without a form, validate ends with exit 2.
    assert again.exit_code == 2 and "提示 score-summary-input 这是 perfxl 写出的自评汇总表，未再读取" in again.output
    refused = runner.invoke(main, ["consolidate", str(year["recalculated"]), "-o", str(out), "--csv-dir", str(out.parent)])
    assert refused.exit_code == 2 and "请去掉 --csv-dir" in refused.output
    assert differences == [("市场监管服务中心工作业务经费", "群众对市场所工作满意程度", "G20", None, 10, None),
                           ("市场监管服务中心工作业务经费", "总分", "G21", None, 100, None)]


def test_selfeval_keeps_a_form_someone_has_filled_in(tmp_path):
    """A 自评表 saved since perfxl wrote it (here by openpyxl, as Excel or WPS would) is the user's work."""
    import openpyxl

    perfxl.selfeval([DATA_2023], tmp_path)
    filled = tmp_path / "市场监管局印刷制作费_自评表.xlsx"
    wb = openpyxl.load_workbook(filled)
    wb.active["F11"] = "已填"
    wb.save(filled)
    before = filled.read_bytes()
    with pytest.raises(UsageError, match="不是 perfxl 生成的自评表"):
        perfxl.selfeval([DATA_2023], tmp_path)
    assert filled.read_bytes() == before
