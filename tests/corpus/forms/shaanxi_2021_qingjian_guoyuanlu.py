"""清涧县交通运输局 2021 寨山石坪、鲍家沟果园路: a 绩效目标申报表 attached to a finance bureau's notice.

The page renders each table cell as its own line ending in "|"; cell order is known, merges
inferred. The left label cells show only their first character ("总", "绩"). The excerpt ends at
the 效益指标 row, so the transcription stops after 成本指标 and is partial.
"""

SOURCE = {
    "url": "http://qjzhf.gov.cn/Government/PublicInfoShow.aspx?ID=15161",
    "title": "清涧县财政局关于提前下达2021年中央财政专项扶贫资金(发展资金)的通知（附表1：2021年中央财政专项扶贫资金绩效表）",
    "publisher": "清涧县财政局",
    "province": "陕西", "year": 2021,
    "kind": "项目",
    "layout": "cover-line, label-colon, label-column, truncated-labels",
    "special": "表上方“附表1”；“资金情况”下“年度资金总额:”带冒号；左侧竖排标签只显示首字“总”“绩”；数量指标值“2km”；成本值“≤120万元”",
    "partial": True,
}

_T = None

SHEETS = [
    {
        "name": "Sheet1",
        "rows": [
            ["附表1", _T, _T, _T, _T],
            ["绩效目标申报表", _T, _T, _T, _T],
            ["(2021年度)", _T, _T, _T, _T],
            ["项目名称", "2021年交通局寨山石坪、鲍家沟果园路", _T, "项目负责人及联系电话", "刘志龙09125222043"],
            ["主管部门", "清涧县交通运输局", _T, "实施单位", "清涧县交通运输局"],
            ["资金情况", "年度资金总额:", _T, 500, _T],
            [_T, "其中:财政拨款", _T, 500, _T],
            [_T, "其他资金", _T, _T, _T],
            ["总", "年度目标", _T, _T, _T],
            [_T, "1、改善基础实施建设,呼家河至鲍家沟果园路建设2公里、寨山石坪果园路2公里 2、水泥路硬化路面、边沟及交安实施的建设,"
                 "解决了生产道路硬化问题及生命防护问题 3、极大的改善了老百姓的生产生活问题", _T, _T, _T],
            ["绩", "一级指标", "二级指标", "三级指标", "指标值"],
            [_T, "产出指标", "数量指标", "寨山石坪村新建水泥路1条", "2km"],
            [_T, _T, _T, "呼家河至鲍家沟新建水泥路1条", "2km"],
            [_T, _T, "质量指标", "项目(工程)验收合格率", "100%"],
            [_T, _T, "时效指标", "项目(工程)完成及时率", "100%"],
            [_T, _T, "成本指标", "硬化水泥砼公路补助标准", "≤120万元"],
        ],
        "merges": [
            "A1:E1", "A2:E2", "A3:E3", "B4:C4", "B5:C5",
            "A6:A8", "B6:C6", "D6:E6", "B7:C7", "D7:E7", "B8:C8", "D8:E8",
            "A9:A10", "B9:E9", "B10:E10",
            "A11:A16", "B12:B16", "C12:C13",
        ],
    },
]

TRUTH = {
    "projects": [
        {
            "name": "2021年交通局寨山石坪、鲍家沟果园路",
            "code": "",
            "kind": "项目",
            "department": "清涧县交通运输局",
            "unit": "清涧县交通运输局",
            "year_amount": "500",
            "indicators": [
                ["产出指标", "数量指标", "寨山石坪村新建水泥路1条", "2km"],
                ["产出指标", "数量指标", "呼家河至鲍家沟新建水泥路1条", "2km"],
                ["产出指标", "质量指标", "项目(工程)验收合格率", "100%"],
                ["产出指标", "时效指标", "项目(工程)完成及时率", "100%"],
                ["产出指标", "成本指标", "硬化水泥砼公路补助标准", "≤120万元"],
            ],
            "real_errors": [
                {"code": "missing-level1",
                 "why": "网页摘录截断于效益指标行：转录的表上没有效益指标和满意度指标行"},
            ],
        },
    ],
}
