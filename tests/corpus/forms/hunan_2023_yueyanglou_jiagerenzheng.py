"""岳阳楼区价格认证鉴定中心 2023 年度整体绩效目标表：部门整体支出，指标值类型/指标值/计量单位分列（湖南）.

The search tool offered this page only as a mirror of the 岳阳楼区 government site (same path as
www.yylq.gov.cn/…/21907/content_…, published by 区发改局 on 2023-04-26) that shows the text in
traditional characters; it is transcribed here in the simplified characters of the original.
The page prints the table as rows of cells with empty and merged cells dropped; the column of
each cell is clear from the header (一级指标 … 备注), and in the 产出 block 质量/时效/成本指标 stand
in the 二级 column under the merged 产出指标 as in 湖南's template. The 经济效益指标 row holds only
the prefilled 评(扣)分标准. 计量单位 contradicts the value twice (“28.8万元 | %”, “应保尽保 | %”).
"""

SOURCE = {
    "url": "http://monopolymediamarketing.com/21487/21535/21748/21750/21907/content_2062100.html",
    "title": "岳阳楼区价格认证鉴定中心2023年度整体绩效目标表",
    "publisher": "岳阳楼区发展和改革局（岳阳楼区政府网站的镜像页）",
    "province": "湖南", "year": 2023,
    "kind": "整体支出",
    "layout": "whole-department,split-value,no-amount,starred-labels,unit-conflicts,empty-level2-rows",
    "special": "部门(单位)名称、*部门(单位)职责、*年度总体绩效目标（标签带星号），表上没有金额；指标值类型(定量/定性) | *指标值 | 计量单位 分列，"
               "计量单位与指标值矛盾（“28.8万元 | %”“应保尽保 | %”）；经济效益指标一行只有评(扣)分标准；网页为繁体镜像，按简体转录；网页摘录截断于生态效益指标",
    "partial": True,
}

_E = None
_RULE = "未达指标值酌情扣分"
SHEETS = [
    {
        "name": "Sheet1",
        "rows": [
            ["岳阳楼区价格认证鉴定中心2023年度整体绩效目标表", _E, _E, _E, _E, _E, _E, _E, _E],
            ["部门(单位)名称", "岳阳楼区价格认证鉴定中心", _E, _E, _E, _E, _E, _E, _E],
            ["*部门(单位)职责", "负责价格认定工作", _E, _E, _E, _E, _E, _E, _E],
            ["*年度总体绩效目标", "做好涉案、价格认定工作。", _E, _E, _E, _E, _E, _E, _E],
            ["绩效指标", _E, _E, _E, _E, _E, _E, _E, _E],
            ["一级指标", "二级指标", "三级指标", "指标值类型", "*指标值", "计量单位", "*指标解释", "*评(扣)分标准", "备注"],
            ["产出指标", "数量指标", "业务工作支出安排金额", "定量", "28.8万元", "%", "该指标主要考察业务工作支出安排情况", _RULE, _E],
            [_E, "质量指标", "业务工作支出到位率", "定量", 100, "%", "该指标主要考察业务工作支出安排到位情况", _RULE, _E],
            [_E, "时效指标", "工作安排时间", "定量", "按月安排", _E, "该指标主要考察业务工作支出安排时间", _RULE, _E],
            [_E, "成本指标", "社会成本指标", "定量", 100, "%", "该指标主要考察总成本控制情况", _RULE, _E],
            ["效益指标", "经济效益指标", _E, _E, _E, _E, _E, _RULE, _E],
            [_E, "社会效益指标", "保证单位正常运转", "定性", "应保尽保", "%", "该指标主要考察单位运转需要保障范围应保尽保", _RULE, _E],
        ],
        "merges": ["A1:I1", "B2:I2", "B3:I3", "B4:I4", "A5:I5", "A7:A10", "A11:A12"],
    },
]

TRUTH = {
    "projects": [
        {
            "name": "岳阳楼区价格认证鉴定中心",
            "code": "",
            "kind": "整体支出",
            "department": None,
            "unit": None,
            "year_amount": None,
            "indicators": [
                # the value cell already carries its own unit (万元) or is a text: the “%” beside it is no unit of it
                ["产出指标", "数量指标", "业务工作支出安排金额", "28.8万元"],
                ["产出指标", "质量指标", "业务工作支出到位率", "100%"],
                ["产出指标", "时效指标", "工作安排时间", "按月安排"],
                ["产出指标", "成本指标", "社会成本指标", "100%"],
                ["效益指标", "社会效益指标", "保证单位正常运转", "应保尽保"],
            ],
            "real_errors": [
                {"code": "missing-level1", "why": "网页摘录截断于生态效益指标：转录的表上没有满意度指标"},
            ],
        },
    ],
}
