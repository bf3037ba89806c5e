"""Reading 自评表 that people filled by hand in an official layout, and the selfeval command's edges."""

import json
from decimal import Decimal

from click.testing import CliRunner

import perfxl
from perfxl.cli import main

from conftest import DATA_2023, write_workbook

# A regional variant of the 10号 annex: 全年实际值 and 未完成原因及拟采取的改进措施, 年初设定目标.
OFFICIAL = [
    ["项目支出绩效自评表"],
    ["（2023年度）"],
    ["项目名称", "社区食品安全宣传"],
    ["主管部门", "某区市场监督管理局", "", "", "", "实施单位", "某区市场监管所"],
    ["项目资金（万元）", "", "年初预算数", "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分"],
    ["", "年度资金总额", "100", "100", "95", "10", "95%", "9.5"],
    ["", "其中：当年财政拨款", "100", "100", "95", "—", "—", "—"],
    ["", "上年结转资金", "", "", "", "—", "—", "—"],
    ["", "其他资金", "", "", "", "—", "—", "—"],
    ["年度总体目标", "年初设定目标", "", "", "", "年度总体目标完成情况综述"],
    ["", "开展食品安全进社区宣传", "", "", "", "完成宣传 18 场"],
    ["一级指标", "二级指标", "三级指标", "年度指标值", "全年实际值", "分值", "得分", "未完成原因及拟采取的改进措施"],
    ["产出指标（50分）", "数量指标", "宣传场次", "≥20次", "18次", "20", "19", ""],
    ["", "质量指标", "宣传覆盖率", "≥90%", "95%", "15", "15", ""],
    ["", "时效指标", "完成及时率", "=100%", "100%", "15", "16", ""],
    ["效益指标(30分)", "社会效益指标", "公众食品安全意识", "提升", "部分达成预期指标并具有一定效果", "15", "11", "宣传形式单一"],
    ["", "", "群众投诉量", "≤50件", "60件", "15", "15", "季节性投诉集中"],
    ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "93%", "10", "7", ""],
    ["总分", "", "", "", "", "100", "98.5"],
    ["自评等级", "良"],
]


def test_a_hand_filled_official_form_is_rescored_cell_by_cell(tmp_path):
    path = write_workbook(tmp_path / "自评.xlsx", {"自评表": OFFICIAL})
    result = perfxl.score([path])
    (project,) = result.projects
    ev = project.evaluation
    assert (project.name, project.department, project.unit) == ("社区食品安全宣传", "某区市场监督管理局", "某区市场监管所")
    assert not ev.ours and ev.goal_actual == "完成宣传 18 场" and project.goal_year == "开展食品安全进社区宣传"
    assert [str(r.rule.value) for r in ev.rows] == ["18.00", "15.00", "15.00", "11", "12.50", "10.00"]
    assert [i.level1 for i in project.indicators] == ["产出指标"] * 3 + ["效益指标"] * 2 + ["满意度指标"]
    # 9.50 + 18 + 15 + 15 + 11 (部分达成 scored 11, inside 9–12) + 12.50 (50 ÷ 60 × 15) + 10
    assert str(ev.rule_total) == "91.00" and ev.rule_grade == "优"
    got = [(f.code, f.cell) for f in result.findings]
    assert got == [
        ("score-mismatch", "G13"),  # 19 written, 18 by the rule
        ("missing-deviation-reason", "H13"),  # 18 of ≥20次 scores 18, no reason given
        ("score-mismatch", "G15"),  # 16 written where the rule gives the full 15
        ("score-over-weight", "G15"),
        ("score-mismatch", "G17"),  # ≤50件 with 60: 50/60 × 15 = 12.50, not 15
        ("score-mismatch", "G18"),  # 7 written for a met ≥90%
        ("total-mismatch", "G19"),
        ("grade-mismatch", "B20"),
    ]
    messages = {f.cell: f.message for f in result.findings}
    assert messages["G17"] == "“群众投诉量”的得分 15.00 与按规则计算的 12.50 相差超过 0.01：请改为 12.50（规则见 docs/selfeval.md）"
    assert messages["B20"] == "自评等级“良”与总分 91.00 应得的“优”不符：请改为“优”"


def test_tier_scores_outside_their_range_and_unscored_hand_forms(tmp_path):
    rows = [list(r) for r in OFFICIAL]
    rows[15][6] = "13"  # 部分达成 allows 60–80% of 15: 9–12
    rows[12][6] = ""  # no score written: the rule's is given as a notice
    rows[17][4] = ""  # no actual at all
    path = write_workbook(tmp_path / "自评.xlsx", {"自评表": rows})
    result = perfxl.score([path])
    got = {(f.code, f.cell): f.message for f in result.findings}
    assert got[("score-out-of-tier", "G16")] == (
        "“公众食品安全意识”评为“部分达成年度指标并具有一定效果”，得分 13.00 不在该档的 9.00–12.00 之间："
        "请在该档的分值范围内打分，或改选档次")
    assert got[("score-blank", "G13")] == "“宣传场次”的得分为空，按规则应为 18.00：请填写得分"
    assert got[("missing-actual", "E18")] == "“群众满意度”的实际完成值未填写：请填写数值，单位与年度指标值相同（如 90%）"
    assert result.projects[0].evaluation.rule_total is None  # a row without an actual: no total, no silent zero


def test_weights_that_do_not_add_up_and_a_low_execution_rate(tmp_path):
    rows = [list(r) for r in OFFICIAL]
    rows[5][4] = "60"  # 执行率 60%
    rows[17][5] = "5"  # 满意度 5 points: 95 in all
    path = write_workbook(tmp_path / "自评.xlsx", {"自评表": rows})
    got = {(f.code, f.cell): f.message for f in perfxl.score([path]).findings}
    assert got[("weights-not-100", "F19")].startswith("分值合计为 95.00，不是 100（执行率 10.00，各指标合计 85.00）")
    assert got[("execution-rate-low", "G6")] == "预算执行率 60.00%，低于 80.00%：请在“实际完成情况”中说明资金未执行的原因"


def test_selfeval_command_exit_codes_and_actuals_in_yuan(tmp_path):
    runner = CliRunner()
    actuals = write_workbook(tmp_path / "执行数.xlsx", {"导出": [
        ["2023年项目执行情况"],
        ["项目名称", "实施单位", "全年预算数（元）", "全年执行数（元）"],
        ["市场监管局印刷制作费", "大连高新技术产业园区市场监督管理局", "528000", "500000"],
    ]})
    out = runner.invoke(main, ["selfeval", str(DATA_2023), "-o", str(tmp_path / "自评表"), "--actuals", str(actuals)])
    assert out.exit_code == 1, out.output  # the seed's real error, listed first
    assert "质量发展专项经费!B4 错误 missing-level1 缺少效益指标" in out.output
    assert "已生成 8 份自评表（64 个指标），执行数已填入 1 个项目。" in out.output
    assert "注意：质量发展专项经费：分值合计 70.00，不是 100（缺少效益指标）" in out.output
    printing = perfxl.score([tmp_path / "自评表" / "市场监管局印刷制作费_自评表.xlsx"]).projects[0].evaluation
    assert (str(printing.budget), str(printing.spent), str(printing.fund_score)) == ("52.8", "50", "9.47")
    empty = tmp_path / "空"
    empty.mkdir()
    out = runner.invoke(main, ["selfeval", str(empty), "-o", str(tmp_path / "x")])
    assert out.exit_code == 2 and "没有找到任何绩效目标表" in out.output
    csv = tmp_path / "执行数.csv"
    csv.write_text("项目名称,实施单位,全年预算数,全年执行数\n不存在,某单位,1,一百\n", encoding="utf-8")
    out = runner.invoke(main, ["selfeval", str(DATA_2023), "-o", str(tmp_path / "y"), "--actuals", str(csv)])
    assert out.exit_code == 2 and "执行数文件" in out.output and "第 2 行的全年执行数“一百”不是数字" in out.output
    csv.write_text("项目名称,实施单位,全年预算数,全年执行数\n不存在,某单位,1,1\n", encoding="utf-8")
    out = runner.invoke(main, ["selfeval", str(DATA_2023), "-o", str(tmp_path / "y"), "--actuals", str(csv)])
    assert out.exit_code == 1 and "警告：执行数文件第 2 行 不存在（某单位）没有对应的项目，未使用" in out.output
    help_text = runner.invoke(main, ["selfeval", "-h"]).output
    assert "用法：perfxl selfeval" in help_text and "年终绩效自评表" in help_text


def test_a_profile_with_caps_rescaling_and_linear_reverse_is_written_into_the_formulas(tmp_path):
    profile = tmp_path / "某市.json"
    profile.write_text(json.dumps({"extends": "2015", "name": "某市", "selfeval": {
        "reverse": "linear", "not_applicable": {"rescale": True, "words": ["不适用"]},
        "caps": [{"below": "0.6", "cap": "69"}, {"below": "0.8", "cap": "89"}]}}, ensure_ascii=False),
        encoding="utf-8")
    result = perfxl.selfeval([DATA_2023 / "腾讯企点认证客服号运营费.xlsx"], tmp_path / "out", profile=str(profile))
    import openpyxl

    ws = openpyxl.load_workbook(result.written[0]).worksheets[0]
    assert "(1-(M14-K14)/K14)" in ws["G14"].value  # ≤10%: linear
    assert ws["G14"].value.startswith('=IF(OR(TRIM(E14)="不适用"),"",')
    assert ws["G20"].value == '=IF(J20="","",IF(G6<0.6,MIN(J20,69),IF(G6<0.8,MIN(J20,89),J20)))'
    assert "*100/(F6+SUMIF(N13:N19,1,F13:F19))" in ws["J20"].value
    # Filled and recalculated by LibreOffice, the capped, rescaled, linear total equals perfxl's.
    from conftest import libreoffice_convert

    ws["D6"], ws["E6"] = 0.6, 0.3  # 执行率 50%: total at most 69
    for r, actual in zip(range(13, 20), ["3席", "12%", "100%", "2个工作日", "不适用", "1年", "85%"]):
        ws.cell(r, 5).value = actual
    ws.parent.save(tmp_path / "填好.xlsx")
    recalculated = libreoffice_convert(tmp_path / "填好.xlsx", tmp_path / "lo", recalc=True)
    (project,) = perfxl.score([recalculated], profile=str(profile)).projects
    ev = project.evaluation
    # ≤10% at 12%: (1 − 2/10) × 12.5 = 10; ≤1个工作日 at 2: 0; 不适用 (客服号使用拨打量, 15 of 效益's 30) dropped
    assert [str(r.score) for r in ev.rows] == ["12.5", "10", "12.5", "0", "None", "15", "10"]
    assert [r.score for r in ev.rows] == [r.rule.value for r in ev.rows]
    # (5 + 12.5 + 10 + 12.5 + 0 + 15 + 10) × 100 ÷ 85 = 76.47, capped at 69 for 执行率 50%
    assert ev.fund_score == ev.rule_fund_score and str(ev.fund_score) == "5"
    assert str(ev.total) == "69" and ev.rule_total == ev.total and ev.grade == ev.rule_grade == "中"


def test_2021_cost_indicators_share_the_output_points(tmp_path):
    from perfxl.model import Funds, Indicator, Project
    from perfxl.targets import parse_target

    rows = [("产出指标", "数量指标", "培训次数", "≥2次"), ("产出指标", "时效指标", "完成时限", "≤30天"),
            ("成本指标", "经济成本指标", "培训成本", "≤5万元"), ("效益指标", "社会效益指标", "能力提升", "提升"),
            ("满意度指标", "服务对象满意度指标", "满意度", "≥90%")]
    project = Project(name="培训项目", department="某局", unit="某局", year="2024",
                      funds_year=Funds(total=Decimal(5), fiscal=Decimal(5)),
                      indicators=[Indicator(a, b, c, v, parse_target(v)) for a, b, c, v in rows])
    target = perfxl.write_template(tmp_path / "目标表.xlsx", profile="2021", projects=[project])
    result = perfxl.selfeval([target], tmp_path / "自评表", profile="2021")
    (ev,) = [p.evaluation for p in perfxl.score(result.written, profile="2021").projects]
    assert [str(r.weight) for r in ev.rows] == ["16.67", "16.67", "16.66", "30", "10"]
    assert ev.weights_total() == 100 and result.notes == []


def test_absurd_numbers_are_findings_not_a_broken_file(tmp_path):
    rows = [list(r) for r in OFFICIAL]
    rows[12][4] = 1e300  # an actual far beyond its ≥20次 target: full points, and asked to explain
    rows[13][5] = "十五"  # a 分值 that is no number
    rows[5][4] = 1e300  # 全年执行数
    path = write_workbook(tmp_path / "自评.xlsx", {"自评表": rows})
    result = perfxl.score([path])
    codes = {(f.code, f.cell) for f in result.findings}
    assert "broken-file" not in {c for c, _ in codes}
    assert ("overshoot-unexplained", "H13") in codes and ("weights-not-100", "F19") in codes
    assert str(result.projects[0].evaluation.rule_fund_score) == "10.00"  # 执行率 capped at 100%


def test_a_project_without_indicators_gets_a_form_without_circular_formulas(tmp_path):
    import openpyxl

    from perfxl.model import Funds, Project

    project = Project(name="空项目", department="某局", unit="某局", year="2024", funds_year=Funds(total=Decimal(3)))
    target = perfxl.write_template(tmp_path / "目标表.xlsx", projects=[project])
    result = perfxl.selfeval([target], tmp_path / "自评表")
    ws = openpyxl.load_workbook(result.written[0]).worksheets[0]
    assert ws["A12"].value == "一级指标" and ws["A13"].value == "总分"
    assert ws["F13"].value == "=SUM(F6)" and ws["J13"].value == '=IF(NOT(ISNUMBER(H6)),"",ROUND(SUM(H6),2))'
    assert result.notes == ["空项目：分值合计 10.00，不是 100（缺少产出指标、效益指标、满意度指标）；请在生成的自评表中调整分值"]
