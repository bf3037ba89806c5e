"""宝鸡市陈仓区 2020 省级财政水利发展资金绩效目标表: a transfer-fund form left with the template's values.

The page renders each table cell as its own paragraph (an empty cell as an empty line); cell order
is known, merges inferred. The excerpt ends inside 产出指标 (after the first 质量指标 row), so the
form is partial: 效益指标 and 满意度指标 are not shown, which says nothing about the form itself.
"""

SOURCE = {
    "url": "http://www.chencang.gov.cn/col8173/col8180/col8789/col9203/202005/t20200529_126007.html",
    "title": "关于下达2020年第二批省级财政水利发展资金的通知（附件：2020年省级财政水利发展资金绩效目标表）",
    "publisher": "宝鸡市陈仓区财政局",
    "province": "陕西", "year": 2020,
    "kind": "项目",
    "layout": "transfer-fund, two-level-departments, fund-source-header, label-column, template-leftovers, prefixed-names",
    "special": "专项(项目)名称；市级财政部门/市级主管部门/区级财政部门/区级主管部门四个栏目；资金块是“资金来源 | 资金总额”两列表头，只有“其中:财政拨款 500”；"
               "数量指标的值只写了模板的单位（公里、万亩、万人），质量指标值是“≧ %”；三级指标名前带“指标1:”",
    "partial": True,
}

_T = None

SHEETS = [
    {
        "name": "Sheet1",
        "rows": [
            ["2020年省级财政水利发展资金绩效目标表", _T, _T, _T, _T],
            ["(2020)年度", _T, _T, _T, _T],
            ["专项(项目)名称", "农村饮水安全巩固提升工程专项", _T, _T, _T],
            ["市级财政部门", "宝鸡市财政局", "市级主管部门", "宝鸡市水利局", _T],
            ["区级财政部门", "陈仓区财政局", "区级主管部门", "陈仓区水利局", _T],
            ["资金情况(万元)", "资金来源", _T, "资金总额", _T],
            [_T, "其中:财政拨款", _T, 500, _T],
            [_T, "其他资金", _T, _T, _T],
            ["总体目标", "完成省级水利发展农村饮水项目投资500,改善提升9200人饮水条件。", _T, _T, _T],
            ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
            [_T, "产出指标", "数量指标", "指标1:新建堤防、护岸长度", "公里"],
            [_T, _T, _T, "指标2:灌区节水改造面积", "万亩"],
            [_T, _T, _T, "指标3:农村饮水工程覆盖服务人口数", "万人"],
            [_T, _T, _T, "指标4:中小河流治理问道长度", "公里"],
            [_T, _T, "质量指标", "指标1:工程验收合格率", "≧ %"],
        ],
        "merges": [
            "A1:E1", "A2:E2", "B3:E3", "D4:E4", "D5:E5",
            "A6:A8", "B6:C6", "D6:E6", "B7:C7", "D7:E7", "B8:C8", "D8:E8",
            "B9:E9",
            "A10:A15", "B11:B15", "C11:C14",
        ],
    },
]

TRUTH = {
    "projects": [
        {
            "name": "农村饮水安全巩固提升工程专项",
            "code": "",
            "kind": "项目",
            # the form names a 市级主管部门 (宝鸡市水利局) and a 区级主管部门; the form is the district's
            "department": "陈仓区水利局",
            "unit": None,
            # only 其中:财政拨款 500 under the 资金总额 heading, 其他资金 empty
            "year_amount": "500",
            "indicators": [
                ["产出指标", "数量指标", "指标1:新建堤防、护岸长度", "公里"],
                ["产出指标", "数量指标", "指标2:灌区节水改造面积", "万亩"],
                ["产出指标", "数量指标", "指标3:农村饮水工程覆盖服务人口数", "万人"],
                ["产出指标", "数量指标", "指标4:中小河流治理问道长度", "公里"],
                ["产出指标", "质量指标", "指标1:工程验收合格率", "≧ %"],
            ],
            "real_errors": [
                {"code": "placeholder-value",
                 "why": "指标值是模板留下的占位：只有单位没有数字（公里、万亩、万人、公里）和“≧ %”"},
                {"code": "missing-level1",
                 "why": "网页摘录截断于产出指标：转录的表上没有效益指标和满意度指标行"},
            ],
        },
    ],
}
