"""The self-evaluation rules, case by case, against values computed by hand."""

from decimal import Decimal as D

import pytest

from perfxl.errors import ProfileError
from perfxl.profile import load_profile
from perfxl.scoring import (LESS, MORE, TIER, ZERO, actual_number, execution, grade, plan_weights, rules_from,
                            score_indicator, split, total_score)
from perfxl.targets import parse_target

RULES = rules_from(load_profile("2015"))


def score(target: str, actual, weight="10", rules=RULES):
    return score_indicator(parse_target(target), actual, D(weight), rules).value


def test_weights_split_in_cents_that_add_up():
    assert split(D(50), 3) == [D("16.67"), D("16.67"), D("16.66")]
    assert split(D(30), 7) == [D("4.29")] * 4 + [D("4.28")] * 3  # 3000 cents = 7 × 428 + 4
    assert sum(split(D(30), 7)) == D(30)
    assert split(D(10), 1) == [D("10.00")]
    assert split(D(10), 0) == []


def test_plan_weights_by_level1_2015_and_2021():
    rows = ["产出指标"] * 3 + ["效益指标"] * 2 + ["满意度指标"]
    fund, weights = plan_weights(rows, RULES)
    assert fund == D(10)
    assert weights == [D("16.67"), D("16.67"), D("16.66"), D(15), D(15), D(10)]
    # 2021: 成本指标 shares 产出指标's 50 points with the 产出 indicators
    rules21 = rules_from(load_profile("2021"))
    fund, weights = plan_weights(["产出指标", "成本指标", "效益指标", "满意度指标", "其他"], rules21)
    assert weights == [D(25), D(25), D(30), D(10), D(0)]
    # a project without 效益指标 (the seed's 质量发展专项经费) keeps 70 points
    assert sum(plan_weights(["产出指标", "满意度指标"], RULES)[1]) + fund == D(70)


def test_more_is_better_under_and_over_target():
    assert score("≥130个", "117个") == D("9.00")  # 117 / 130 × 10
    assert score("≥130个", "117") == D("9.00")  # the target's unit is assumed
    assert score("≥130个", "200个") == D("10.00")  # over target: full, never more
    assert score("≥90%", "85%", "16.67") == D("15.74")  # 85/90 × 16.67 = 15.7438…
    assert score(">2次", "1次") == D("5.00")


def test_less_is_better_ratio_and_linear():
    assert score("≤34000套", "30000套") == D("10.00")
    assert score("≤34000套", "40000套") == D("8.50")  # 34000 / 40000 × 10
    assert score("≤10%", "12.5%") == D("8.00")  # 10 / 12.5 × 10
    linear = rules_from({**load_profile("2015").selfeval, "reverse": "linear"})
    assert score("≤10%", "12.5%", rules=linear) == D("7.50")  # (1 − 2.5/10) × 10
    assert score("≤10%", "20%", rules=linear) == D("0.00")  # 0 at twice the target
    assert score("≤10%", "25%", rules=linear) == D("0.00")  # and never below 0


def test_equal_is_scored_as_more_is_better():
    assert score("=100%", "98%") == D("9.80")
    assert score("=3席", "4席") == D("10.00")
    assert score("2次", "1次") == D("5.00")  # a bare number reads as “=”


def test_a_zero_target():
    assert score_indicator(parse_target("0%"), "0%", D(10), RULES).kind == ZERO
    assert score("0%", "0%") == D("10.00")
    assert score("=0起", "0") == D("10.00")
    assert score("0%", "0.5%") == D("0.00")
    assert score("≤0次", "1次") == D("0.00")
    assert score("≥0个", "3个") == D("10.00")


def test_qualitative_tiers_score_their_top():
    assert score_indicator(parse_target("提升"), "达成年度指标", D(10), RULES).kind == TIER
    assert score("提升", "达成年度指标", "15") == D("15.00")
    assert score("优", "部分达成年度指标并具有一定效果", "15") == D("12.00")
    assert score("高", "未达成年度指标且效果较差", "4.29") == D("2.57")  # 4.29 × 0.6 = 2.574
    assert score("高", "很好") is None
    assert score_indicator(parse_target("高"), "很好", D(10), RULES).problem == "not-comparable"


def test_units_are_compared_in_the_target_unit():
    assert actual_number(parse_target("≥95%"), 0.96) == D("96.00")  # Excel's 96% is the number 0.96
    assert actual_number(parse_target("≥95%"), "0.96") == D("96.00")
    assert actual_number(parse_target("≥95%"), "96") == D(96)
    assert actual_number(parse_target("≤1%"), "0.5") == D("0.5")  # a target up to 1%: no guessing
    assert actual_number(parse_target("≤50万元"), "480000元") == D(48)
    assert actual_number(parse_target("≥2000元"), "0.3万元") == D(3000)
    assert actual_number(parse_target("≥130个"), "130次") is None
    assert actual_number(parse_target("≥130个"), "约一百个") is None
    assert actual_number(parse_target("≥130个"), "") is None
    assert score("≤50万元", "60万元") == D("8.33")
    assert score_indicator(parse_target("≥130个"), "130次", D(10), RULES).problem == "not-comparable"
    assert score_indicator(parse_target("≥130个"), "", D(10), RULES).problem == "missing"
    assert score_indicator(parse_target("≥130个"), "不适用", D(10), RULES).problem == "not-applicable"
    assert score_indicator(parse_target(""), "", D(10), RULES).problem == "no-target"  # nothing to score against


def test_execution_rate():
    assert execution(D("8.2"), D("7.38"), D(10)) == (D("0.9"), D("9.00"))
    rate, points = execution(D("20"), D("23"), D(10))  # above 100%: the score stays at 分值
    assert rate == D("1.15") and points == D("10.00")
    assert execution(D("0"), D("1"), D(10)) == (None, None)
    assert execution(None, D("1"), D(10)) == (None, None)
    assert execution(D("3"), D("2"), D(10))[1] == D("6.67")


def test_grades():
    assert [grade(D(x), RULES) for x in ("90", "89.99", "80", "79.99", "60", "59.99", "0")] == [
        "优", "良", "良", "中", "中", "差", "差"]
    assert grade(None, RULES) == ""


def test_total_caps_and_rescaling():
    scores = [D("6.00"), D("50.00"), D("30.00"), D("10.00")]
    weights = [D(10), D(50), D(30), D(10)]
    assert total_score(scores, weights, [True] * 4, D("0.6"), RULES) == D("96.00")
    capped = rules_from({**load_profile("2015").selfeval,
                         "caps": [{"below": "0.6", "cap": "69"}, {"below": "0.7", "cap": "79"},
                                  {"below": "0.8", "cap": "89"}]})
    assert total_score(scores, weights, [True] * 4, D("0.6"), capped) == D("79.00")  # 60–70% → ≤ 79
    assert total_score(scores, weights, [True] * 4, D("0.59"), capped) == D("69.00")
    assert total_score(scores, weights, [True] * 4, D("0.8"), capped) == D("96.00")
    # a row that cannot be scored leaves the total open
    assert total_score([D(6), None, D(30), D(10)], weights, [True] * 4, D("0.6"), RULES) is None
    rescaled = rules_from({**load_profile("2015").selfeval, "not_applicable": {"rescale": True}})
    # 效益 (30) does not apply: 66 of 70 applicable points → 94.29 of 100
    assert total_score([D(6), D(50), None, D(10)], weights, [True, True, False, True], D("0.6"), rescaled) == D("94.29")


def test_kinds_and_profile_errors():
    assert score_indicator(parse_target("≤1个工作日"), "1", D(5), RULES).kind == LESS
    assert score_indicator(parse_target("90%-95%"), "92%", D(5), RULES).kind == MORE
    with pytest.raises(ProfileError, match="reverse"):
        rules_from({**load_profile("2015").selfeval, "reverse": "square"})
    with pytest.raises(ProfileError, match="weights"):
        rules_from({**load_profile("2015").selfeval, "weights": {"产出指标": "五十"}})


def test_a_misspelt_selfeval_key_stops_the_command_in_one_line(tmp_path):
    import json

    from click.testing import CliRunner

    from perfxl.cli import main

    from conftest import DATA_2023

    profile = tmp_path / "某市.json"
    profile.write_text(json.dumps({"extends": "2015", "selfeval": {"weigths": {}}}), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--profile", str(profile), str(DATA_2023)])
    assert result.exit_code == 2
    assert result.output.startswith("错误：指标体系的 selfeval 中的键“weigths”不对，应为 weights、")
