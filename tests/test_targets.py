"""年度指标值 grammar: table-driven, every seed value included."""

from decimal import Decimal

import pytest

from perfxl.targets import parse_target
from conftest import seed_indicators

# text, operator, number, unit, kind, direction
CASES = [
    # the 64 values of the seed (some repeat)
    ("2所", "=", "2", "所", "定量", "等于"),
    ("≥130个", "≥", "130", "个", "定量", "正向"),
    ("≥1次", "≥", "1", "次", "定量", "正向"),
    ("2次", "=", "2", "次", "定量", "等于"),
    ("1次", "=", "1", "次", "定量", "等于"),
    ("≥2次", "≥", "2", "次", "定量", "正向"),
    ("=100%", "=", "100", "%", "定量", "等于"),
    ("≥90%", "≥", "90", "%", "定量", "正向"),
    ("高", "", None, "", "定性", ""),
    ("降低", "", None, "", "定性", "反向"),
    ("≤34000套", "≤", "34000", "套", "定量", "反向"),
    ("100%", "=", "100", "%", "定量", "等于"),
    ("优", "", None, "", "定性", ""),
    ("≥85%", "≥", "85", "%", "定量", "正向"),
    ("101", "=", "101", "", "定量", "等于"),
    ("≥3年", "≥", "3", "年", "定量", "正向"),
    ("提升", "", None, "", "定性", "正向"),
    ("≥95%", "≥", "95", "%", "定量", "正向"),
    ("≥2500批次", "≥", "2500", "批次", "定量", "正向"),
    ("821平米", "=", "821", "平米", "定量", "等于"),
    ("36人", "=", "36", "人", "定量", "等于"),
    ("优良", "", None, "", "定性", ""),
    ("1年", "=", "1", "年", "定量", "等于"),
    ("良好", "", None, "", "定性", ""),
    ("≥200台", "≥", "200", "台", "定量", "正向"),
    ("≥120家", "≥", "120", "家", "定量", "正向"),
    ("0%", "=", "0", "%", "定量", "等于"),
    ("=3席", "=", "3", "席", "定量", "等于"),
    ("≤10%", "≤", "10", "%", "定量", "反向"),
    ("≤1个工作日", "≤", "1", "个工作日", "定量", "反向"),
    ("500人", "=", "500", "人", "定量", "等于"),
    ("≥1年", "≥", "1", "年", "定量", "正向"),
    ("≥80%", "≥", "80", "%", "定量", "正向"),
    ("≥40家", "≥", "40", "家", "定量", "正向"),
    ("≥1家", "≥", "1", "家", "定量", "正向"),
    ("≥5家", "≥", "5", "家", "定量", "正向"),
    # full-width and ASCII operators
    ("＞＝80％", "≥", "80", "%", "定量", "正向"),
    ("＜5%", "<", "5", "%", "定量", "反向"),
    ("＞10个", ">", "10", "个", "定量", "正向"),
    ("＝12个月", "=", "12", "个月", "定量", "等于"),
    (">=1,000人", "≥", "1000", "人", "定量", "正向"),
    ("<=3天", "≤", "3", "天", "定量", "反向"),
    ("≧95%", "≥", "95", "%", "定量", "正向"),
    ("≥ 90 %", "≥", "90", "%", "定量", "正向"),
    ("１２０家", "=", "120", "家", "定量", "等于"),
    # word operators
    ("不低于95%", "≥", "95", "%", "定量", "正向"),
    ("不少于10次", "≥", "10", "次", "定量", "正向"),
    ("大于等于98%", "≥", "98", "%", "定量", "正向"),
    ("不高于5%", "≤", "5", "%", "定量", "反向"),
    ("不超过30万元", "≤", "30", "万元", "定量", "反向"),
    ("不多于3次", "≤", "3", "次", "定量", "反向"),
    ("小于等于2个工作日", "≤", "2", "个工作日", "定量", "反向"),
    ("大于50家", ">", "50", "家", "定量", "正向"),
    ("95%以上", "≥", "95", "%", "定量", "正向"),
    ("3天以内", "≤", "3", "天", "定量", "反向"),
    ("≥90%以上", "≥", "90", "%", "定量", "正向"),
    # numbers with separators and decimals, and other units
    ("12,500元", "=", "12500", "元", "定量", "等于"),
    ("≤0.5%", "≤", "0.5", "%", "定量", "反向"),
    ("250万", "=", "250", "万", "定量", "等于"),
    ("≥1.25万人次", "≥", "1.25", "万人次", "定量", "正向"),
    ("=2套", "=", "2", "套", "定量", "等于"),
    # ranges and dates
    ("90%-95%", "", "90", "%", "定量", "区间"),
    ("2023.07-2024.01", "", None, "", "定性", ""),
    ("2023年12月31日前", "", None, "", "定性", ""),
    ("2023年1月-12月", "", None, "", "定性", ""),
    # qualitative
    ("达成", "", None, "", "定性", ""),
    ("明显提升", "", None, "", "定性", "正向"),
    ("有所降低", "", None, "", "定性", "反向"),
    ("逐步改善", "", None, "", "定性", "正向"),
    ("较上年提升5%", "", None, "", "定性", "正向"),
]

PLACEHOLDERS = ["*", "≥**%", "XX", "xx个", "≥X%", "***", "＊", "待定", "…"]


@pytest.mark.parametrize("text, operator, number, unit, kind, direction", CASES)
def test_parse(text, operator, number, unit, kind, direction):
    t = parse_target(text)
    assert (t.operator, t.number, t.unit, t.kind, t.direction) == (
        operator, None if number is None else Decimal(number), unit, kind, direction)
    assert not t.placeholder
    assert t.text == text


@pytest.mark.parametrize("text", PLACEHOLDERS)
def test_placeholders(text):
    assert parse_target(text).placeholder


def test_every_seed_value_is_covered_and_parses():
    values = {v for rows in seed_indicators() for _, v in rows}
    assert len([v for rows in seed_indicators() for _, v in rows]) == 64
    assert values <= {c[0] for c in CASES}
    for v in values:
        t = parse_target(v)
        assert t.kind in ("定量", "定性") and not t.placeholder


def test_bare_number_is_flagged_implicit():
    assert parse_target("2所").implicit_operator
    assert not parse_target("=2所").implicit_operator


def test_number_cells_read_as_written():
    assert parse_target(101.0).text == "101"
    assert parse_target(0.95).number == Decimal("0.95")
    assert parse_target(None).kind == ""


def test_range_upper_bound():
    t = parse_target("90%-95%")
    assert (t.number, t.upper) == (Decimal(90), Decimal(95))


def test_date_is_marked():
    assert parse_target("2023.07-2024.01").is_date
