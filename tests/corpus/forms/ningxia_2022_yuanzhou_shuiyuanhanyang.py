"""原州区自然资源局 2022 南部水源涵养林建设: a 项目支出绩效目标申报表 with annotated 二级 labels.

The page renders rows as "cell |" with empty cells dropped to the end; cell order is known,
merges inferred. The table has no title row of its own (the page's 标题 field carries it). The
transcription stops after 产出指标: three rows of the 效益指标 block hold a single text cell whose
column (三级指标 or 指标值) the rendering does not show, and the excerpt ends at 满意度指标.
"""

SOURCE = {
    "url": "http://www.yzh.gov.cn/xxgk_13314/zfxxgkml/zdxzjcygk/zdju/202203/t20220301_3340181.html",
    "title": "项目支出绩效目标申报表",
    "publisher": "固原市原州区自然资源局",
    "province": "宁夏", "year": 2022,
    "kind": "项目",
    "layout": "suffixed-level2, label-colon, bare-numbers, units-in-names, no-title",
    "special": "二级指标带注记“数量指标 (必填硬性指标)”“质量指标 (必填)”；单位写在三级名里“(亩)”“(公里)”，值是裸数字 80000、85、6070；"
               "三级名里留着“(≥**%)”；“主管部门及代码”后没有代码；表格没有标题行，从“(2022年度)”开始",
    "partial": True,
}

_T = None

SHEETS = [
    {
        "name": "Sheet1",
        "rows": [
            ["(2022年度)", _T, _T, _T, _T],
            ["项目名称", "原州区2022年南部水源涵养林建设项目", _T, _T, _T],
            ["主管部门及代码", "固原市原州区自然资源局", _T, "实施单位", "固原市原州区自然资源局"],
            ["项目属性", "新建", _T, "项目期", "2022年3月-2023年11月"],
            ["项目资金 (万元)", "年度资金总额:", _T, 6070, _T],
            [_T, "其中:财政拨款", _T, 6070, _T],
            [_T, "其他资金", _T, _T, _T],
            ["年度总体目标", "在东马场林场、东岳山林场、古树林场、红庄林场、马渠林场、沈河林场、水沟林场 7 个林场和古雁办、官厅镇、黄铎堡镇、"
                          "开城镇、彭堡镇、炭山乡、头营镇、寨科乡、张易镇、中河乡、三营镇 11 个乡镇(街道办事处)实施营造林8万亩。"
                          "其中:新造林3万亩,未成林抚育提升及退化林改造5万亩;修建作业道30公里。", _T, _T, _T],
            ["绩 效 指 标", "一级指标", "二级指标", "三级指标", "指标值"],
            [_T, "产出指标", "数量指标 (必填硬性指标)", "实施营造林总面积(亩)", 80000],
            [_T, _T, _T, "其中:实施新造林总面积(亩)", 30000],
            [_T, _T, _T, "实施未成林抚育提升及退化林改造总面积(亩)", 50000],
            [_T, _T, _T, "修建作业道长度(公里)", 30],
            [_T, _T, "质量指标 (必填)", "苗木成活率(≥**%)", 85],
            [_T, _T, "时效指标 (必填)", "项目完成时间", "2023年底"],
            [_T, _T, "成本指标 (必填硬性指标)", "项目总投入(≥**万元)", 6070],
        ],
        "merges": [
            "A1:E1", "B2:E2", "B3:C3", "B4:C4",
            "A5:A7", "B5:C5", "D5:E5", "B6:C6", "D6:E6", "B7:C7", "D7:E7",
            "B8:E8",
            "A9:A16", "B10:B16", "C10:C13",
        ],
    },
]

TRUTH = {
    "projects": [
        {
            "name": "原州区2022年南部水源涵养林建设项目",
            "code": "",
            "kind": "项目",
            "department": "固原市原州区自然资源局",
            "unit": "固原市原州区自然资源局",
            "year_amount": "6070",
            "indicators": [
                ["产出指标", "数量指标", "实施营造林总面积(亩)", "80000"],
                ["产出指标", "数量指标", "其中:实施新造林总面积(亩)", "30000"],
                ["产出指标", "数量指标", "实施未成林抚育提升及退化林改造总面积(亩)", "50000"],
                ["产出指标", "数量指标", "修建作业道长度(公里)", "30"],
                ["产出指标", "质量指标", "苗木成活率(≥**%)", "85"],
                ["产出指标", "时效指标", "项目完成时间", "2023年底"],
                ["产出指标", "成本指标", "项目总投入(≥**万元)", "6070"],
            ],
            "real_errors": [
                {"code": "missing-level1",
                 "why": "the transcription stops before the 效益指标 block: the transcribed table has no 效益指标 or 满意度指标 rows"},
            ],
        },
    ],
}
