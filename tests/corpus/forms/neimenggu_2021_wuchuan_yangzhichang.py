"""武川县民族事务委员会 2021 沙湾子少数民族聚居村养殖场基础设施建设: a 绩效目标申报表 with blank level cells.

The page prints each table row on one line with cells ending in "|"; cell order is known, merges
inferred. The excerpt ends inside 成本指标, so the form is partial. The first four indicator rows
carry no 一级 or 二级 at all on the page; 时效指标 and 成本指标 are written.
"""

SOURCE = {
    "url": "http://www.wuchuan.gov.cn/zfxxgknew_27916/fdzdgknr/zfwjnew/202112/t20211220_1104864.html",
    "title": "绩效目标申报表（2021年度）大青山乡沙湾子少数民族聚居村养殖场基础设施建设项目",
    "publisher": "武川县民族事务委员会",
    "province": "内蒙古", "year": 2021,
    "kind": "项目",
    "layout": "label-value-one-cell, amount-note, spaced-labels, label-column, blank-levels",
    "special": "“年度资金总额:50万”标签和金额在同一格，旁边一格写“中央衔接推进乡村振兴补助资金(少数民族发展任务)50”；"
               "“总 体 目 标”“绩 效 指 标”字间有空格；前四行指标没有一级、二级（网页上就是空的）；“产出指标”字样在摘录里没有出现",
    "partial": True,
}

_T = None

SHEETS = [
    {
        "name": "Sheet1",
        "rows": [
            ["绩效目标申报表", _T, _T, _T, _T],
            ["(2021年度)", _T, _T, _T, _T],
            ["项目名称", "大青山乡沙湾子少数民族聚居村养殖场基础设施建设项目", _T, "项目负责人及电话", "达布 15947711885"],
            ["主管部门", "武川县民族事务委员会", _T, "实施单位", "武川县民族事务委员会"],
            ["资金情况 (万元)", "年度资金总额:50万", "中央衔接推进乡村振兴补助资金(少数民族发展任务)50", _T, _T],
            [_T, "其中:财政拨款", "中央衔接推进乡村振兴补助资金(少数民族发展任务)50", _T, _T],
            [_T, "其他资金", _T, _T, _T],
            ["总 体 目 标", "年度目标", _T, _T, _T],
            [_T, "大青山乡沙湾子少数民族聚居村养殖场基础设施建设项目(约50万) 沙湾子村是少数民族聚居村,户籍人口76户174人,"
                 "常住户26户56人,其中户籍少数民族12户27人。项目新建养殖场占地约6500平米,建棚圈一栋约360平米,人工配种室、"
                 "防疫室84平米,饲料库120平米,打井,配电,建围墙约300米。项目实施后受益人口76户174人,其中户籍少数民族12户27人。",
             _T, _T, _T],
            ["绩 效 指 标", "一级指标", "二级指标", "三级指标", "指标值"],
            [_T, _T, _T, "贫困地区新增特色产业数量", "≥1个"],
            [_T, _T, _T, "贫困地区建设少数民族聚居村养殖场", "≥1个"],
            [_T, _T, _T, "养殖动物成活率(目标)", "≥95%"],
            [_T, _T, _T, "项目(工程)验收合格率", "100%"],
            [_T, _T, "时效指标", "开工时限", "2021年7月"],
            [_T, _T, _T, "竣工时限", "2021年9月"],
            [_T, _T, "成本指标", "打井、配电", "50000元"],
            [_T, _T, _T, "饲料库120平米", "490元/平米"],
            [_T, _T, _T, "围墙300米", "300元/米"],
            [_T, _T, _T, "标准化棚圈360平米", "550元/平米"],
            [_T, _T, _T, "防疫室84平米", "≥1050元"],
        ],
        "merges": [
            "A1:E1", "A2:E2", "B3:C3", "B4:C4",
            "A5:A7", "C5:E5", "C6:E6", "C7:E7",
            "A8:A9", "B8:E8", "B9:E9",
            "A10:A21", "C15:C16", "C17:C21",
        ],
    },
]

_OUT = "产出指标"  # not written on the page: 时效指标 and 成本指标 belong to it

TRUTH = {
    "projects": [
        {
            "name": "大青山乡沙湾子少数民族聚居村养殖场基础设施建设项目",
            "code": "",
            "kind": "项目",
            "department": "武川县民族事务委员会",
            "unit": "武川县民族事务委员会",
            "year_amount": "50",
            "indicators": [
                ["", "", "贫困地区新增特色产业数量", "≥1个"],
                ["", "", "贫困地区建设少数民族聚居村养殖场", "≥1个"],
                ["", "", "养殖动物成活率(目标)", "≥95%"],
                ["", "", "项目(工程)验收合格率", "100%"],
                [_OUT, "时效指标", "开工时限", "2021年7月"],
                [_OUT, "时效指标", "竣工时限", "2021年9月"],
                [_OUT, "成本指标", "打井、配电", "50000元"],
                [_OUT, "成本指标", "饲料库120平米", "490元/平米"],
                [_OUT, "成本指标", "围墙300米", "300元/米"],
                [_OUT, "成本指标", "标准化棚圈360平米", "550元/平米"],
                [_OUT, "成本指标", "防疫室84平米", "≥1050元"],
            ],
            "real_errors": [
                {"code": "missing-level1-cell",
                 "why": "the first four indicator rows have neither 一级 nor 二级 on the form, and nothing above them to inherit"},
                {"code": "missing-level1",
                 "why": "the page excerpt ends inside 成本指标: the transcribed table has no 效益指标 or 满意度指标 rows"},
            ],
        },
    ],
}
