"""黄石市委党校 2022 主体班: a 项目支出绩效目标批复表 (approval form) published by the city finance bureau.

The page is an HTML table rendered as text with empty cells dropped, so cell order is known
but the exact column of each cell and the merges are inferred from that order.
"""

SOURCE = {
    "url": "http://czj.huangshi.gov.cn/2020xxgkzn/2020gknr/2020czzj/2020zxzj/202201/t20220125_875008.html",
    "title": "项目支出绩效目标批复表（2022年度）主体班",
    "publisher": "黄石市财政局",
    "province": "湖北", "year": 2022,
    "kind": "项目",
    "layout": "approval-form, prior-year-column, two-row-header, label-column, level1-mid-block, amount-with-unit",
    "special": "指标值分两列 2021年实际实现值 | 预期2022年实现值（两行表头）；一级“产出指标”写在块中间一行而非首行；"
               "项目主管部门空着；金额写作“164万元”且只有“其中:当年市级财政资金 132万元”；没有效益指标",
    "partial": False,
}

_T = None  # a blank cell, or one covered by a merge

SHEETS = [
    {
        "name": "Sheet1",
        "rows": [
            ["项目支出绩效目标批复表", _T, _T, _T, _T, _T, _T],
            ["(2022年度)", _T, _T, _T, _T, _T, _T],
            ["项目名称", "主体班", _T, _T, "项目负责人", _T, _T],
            ["项目金额", "164万元", _T, _T, "其中:当年市级财政资金", "132万元", _T],
            ["项目主管部门", _T, _T, _T, "实施单位", "中共黄石市委党校", _T],
            ["项目属性", "持续性项目■ 新增性项目口", _T, _T, "项目期", "2022年", _T],
            ["年度绩效目标(文字)",
             "主体班培训280人次;邀请校外名师、领导授课25人次;情景教学或外训批次6批次;开设课程数量220门;"
             "高质量完成干部教育培训工作。", _T, _T, _T, _T, _T],
            ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", _T, "指标标准或依据"],
            [_T, _T, _T, _T, "2021年实际实现值", "预期2022年实现值", _T],
            [_T, _T, "数量指标", "主体班培训人次", _T, "280人次", _T],
            [_T, _T, _T, "邀请校外名师、领导授课人次", _T, "25人次", _T],
            [_T, _T, _T, "情景教学或外训批次", _T, "6次", _T],
            [_T, _T, _T, "理论教育和党性教育课时比例", _T, "70%", _T],
            [_T, "产出指标", _T, "开设课程数量", _T, 220, _T],
            [_T, _T, "质量指标", "培训完成率", _T, "100%", _T],
            [_T, _T, _T, "邀请校外名师、领导授课完成率", _T, "100%", _T],
            [_T, _T, _T, "情景教学或外训完成率", _T, "100%", _T],
            [_T, _T, _T, "理论教育和党性教育课时比例完成率", _T, "100%", _T],
            [_T, _T, _T, "课程数量达标率", _T, "100%", _T],
            [_T, _T, "时效指标", "及时完成率", _T, "100%", _T],
            [_T, _T, "成本指标", "成本控制率", _T, "100%", _T],
            [_T, "满意度指标", "服务对象满意度指标", "培训学员对培训效果满意度", _T, "≥95%", _T],
            ["财政资金管理科室(盖章) 年 月 日", _T, _T, "财政绩效管理科室(盖章) 年 月 日", _T, _T, _T],
        ],
        "merges": [
            "A1:G1", "A2:G2",
            "B3:D3", "F3:G3",
            "B4:D4", "F4:G4",
            "B5:D5", "F5:G5",
            "B6:D6", "F6:G6",
            "B7:G7",
            "A8:A22", "B8:B9", "C8:C9", "D8:D9", "E8:F8", "G8:G9",
            "A23:C23", "D23:G23",
        ],
    },
]

_OUTPUT = "产出指标"

TRUTH = {
    "projects": [
        {
            "name": "主体班",
            "code": "",
            "kind": "项目",
            "department": None,
            "unit": "中共黄石市委党校",
            "year_amount": "164",
            "indicators": [
                [_OUTPUT, "数量指标", "主体班培训人次", "280人次"],
                [_OUTPUT, "数量指标", "邀请校外名师、领导授课人次", "25人次"],
                [_OUTPUT, "数量指标", "情景教学或外训批次", "6次"],
                [_OUTPUT, "数量指标", "理论教育和党性教育课时比例", "70%"],
                [_OUTPUT, "数量指标", "开设课程数量", "220"],
                [_OUTPUT, "质量指标", "培训完成率", "100%"],
                [_OUTPUT, "质量指标", "邀请校外名师、领导授课完成率", "100%"],
                [_OUTPUT, "质量指标", "情景教学或外训完成率", "100%"],
                [_OUTPUT, "质量指标", "理论教育和党性教育课时比例完成率", "100%"],
                [_OUTPUT, "质量指标", "课程数量达标率", "100%"],
                [_OUTPUT, "时效指标", "及时完成率", "100%"],
                [_OUTPUT, "成本指标", "成本控制率", "100%"],
                ["满意度指标", "服务对象满意度指标", "培训学员对培训效果满意度", "≥95%"],
            ],
            "real_errors": [
                {"code": "missing-level1", "why": "the form has no 效益指标 row at all"},
                {"code": "missing-department", "why": "the 项目主管部门 label is there, its value cell is empty"},
            ],
        },
    ],
}
