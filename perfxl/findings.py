"""The findings catalogue: every code perfxl reports, with its level, title, message and fix.

A finding is data (model.Finding). It is made here and only here, through ``finding()``, so the
catalogue is the one list of what perfxl can say: the CLI prints it (``perfxl codes``) and
docs/findings.md is rendered from it (a test keeps the two equal). A code is stable once
released; its message may be reworded. The text a user sees is ``message：fix`` with the fields
filled in.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import ERROR, LEVEL_NAMES, NOTICE, WARNING, Finding, Project


@dataclass(frozen=True)
class Spec:
    code: str
    level: str
    group: str  # where in the pipeline it arises: 文件, 表单, 金额, 指标, 汇总
    title: str  # a few words, for lists
    message: str  # what is wrong; {fields} filled in by finding()
    fix: str = ""  # what to change; may use the same fields


_SPECS = [
    # 文件: the file as a whole
    Spec("empty-file", ERROR, "文件", "空文件", "文件是空的（0 字节），可能没有保存完整", "请重新保存后再提交"),
    Spec("file-too-large", ERROR, "文件", "文件过大", "文件过大（{mb} MB），不像一张绩效目标表，已跳过",
         "请只提交绩效目标表本身"),
    Spec("not-spreadsheet", ERROR, "文件", "不是电子表格", "不是电子表格文件{what}，无法读取", "{hint}"),
    Spec("not-regular-file", ERROR, "文件", "不是普通文件", "这不是普通文件（是设备、管道或套接字），未读取",
         "请只提交保存在磁盘上的表格文件"),
    Spec("folder-unreadable", ERROR, "文件", "文件夹无法打开", "无法查看此文件夹里的文件（{reason}），其中的表格未读取",
         "请检查文件夹的权限和名称长度，或把表格移到别处"),
    Spec("folder-loop", NOTICE, "文件", "文件夹已读过", "此文件夹与已读的文件夹是同一个（快捷方式或符号链接），未重复读取"),
    Spec("broken-file", ERROR, "文件", "文件已损坏", "文件已损坏，无法读取", "请用 Excel 或 WPS 打开后另存为 .xlsx 再提交"),
    Spec("encrypted", ERROR, "文件", "设有密码", "文件设有打开密码",
         "请在 Excel 或 WPS 中取消密码（文件→信息→保护工作簿）后另存，再重新提交"),
    Spec("unreadable", ERROR, "文件", "无法打开", "无法读取文件（{reason}）",
         "请确认文件存在且没有被其他程序独占打开"),
    Spec("too-large", ERROR, "文件", "内容过大", "文件内容过大，无法读取", "请删除多余的工作表和行列后另存"),
    Spec("zip-bomb", ERROR, "文件", "疑似压缩炸弹", "解压后体积异常巨大（疑似压缩炸弹），已跳过",
         "请用 Excel 或 WPS 打开后另存"),
    Spec("xml-entities", ERROR, "文件", "含 XML 实体", "文件内含 XML 实体声明（可能是恶意文件），已跳过",
         "请用 Excel 或 WPS 另存后再试"),
    Spec("reader-crashed", ERROR, "文件", "读取时异常退出",
         "读取此文件时程序异常退出或超过限制（每个文件 {seconds} 秒、{gigabytes} GB）",
         "文件可能已损坏，请用 Excel 或 WPS 打开后另存为 .xlsx 再提交"),
    Spec("sheet-too-large", ERROR, "文件", "工作表范围异常", "工作表的已用区域大得异常（远处单元格），已跳过",
         "请删除多余的行列后另存"),
    Spec("no-form", NOTICE, "文件", "工作表中没有表", "此工作表中没有绩效目标表，已跳过"),
    Spec("no-form-in-file", WARNING, "文件", "文件中没有表", "文件中没有找到任何绩效目标表",
         "请检查文件是否完整，或用 Excel / WPS 打开后另存"),
    Spec("damaged-form", WARNING, "文件", "表头缺失", "像是绩效目标表，但找不到“项目名称”栏目",
         "请检查表头是否被删改"),
    Spec("no-form-in-source", ERROR, "文件", "导入的文件中没有表", "没有找到绩效目标表（缺少“项目名称”栏目），未导入",
         "请确认这是含绩效目标表的 Word 文档（.docx）或从中复制出的文本"),
    Spec("summary-input", NOTICE, "汇总", "读入汇总表", "已作为汇总表读取：{count} 个项目，来源文件见项目汇总"),
    # 表单: the fields of one form
    Spec("blank-form", NOTICE, "表单", "空白表已跳过", "此表什么也没有填写（项目名称、金额、目标、指标都为空），已跳过",
         "如果这是要申报的项目，请填写后再提交"),
    Spec("missing-project-name", ERROR, "表单", "项目名称为空", "项目名称为空", "请填写项目名称"),
    Spec("missing-department", ERROR, "表单", "主管部门为空", "主管部门为空", "请填写主管部门"),
    Spec("missing-implementing-unit", ERROR, "表单", "实施单位为空", "实施单位为空", "请填写实施单位"),
    Spec("missing-department-name", ERROR, "表单", "部门名称为空", "部门整体支出绩效目标表的部门（单位）名称为空",
         "请填写部门（单位）名称"),
    Spec("field-not-in-layout", NOTICE, "表单", "表样没有此栏目", "表中没有“{field}”栏目，未检查{field}",
         "如需汇总{field}，请改用带此栏目的表样"),
    Spec("value-typed-as-formula", NOTICE, "表单", "内容以等号开头", "单元格里的“{text}”以等号开头，表格把它当成了公式；已按输入的文字读取",
         "请去掉开头的“=”，或写成“≥”“≤”之类"),
    Spec("formula-without-value", NOTICE, "表单", "公式没有计算结果", "单元格里是公式“{text}”，文件没有保存计算结果；已按公式文字读取",
         "请在 Excel 或 WPS 中打开并保存，或直接填写数值"),
    Spec("missing-year-goal", WARNING, "表单", "年度目标为空", "年度目标为空",
         "请写明本年度要达到的绩效目标"),
    Spec("missing-attribute", WARNING, "表单", "项目属性为空", "项目属性为空", "请填写 {choices} 之一"),
    Spec("formula-error", ERROR, "表单", "公式出错", "{field}的公式出错（显示 {shown}）",
         "请改正公式，或直接填写{content}"),
    Spec("text-too-long", WARNING, "表单", "文字过长",
         "{field}长达 {length} 个字符，超过表格单元格上限 {limit}",
         "汇总表中只保留前 {limit} 个字符，请精简"),
    Spec("control-characters", WARNING, "表单", "含控制字符", "{field}含有不可见的控制字符",
         "汇总表中已删去，请检查原文是否完整"),
    # 金额: the funds block
    Spec("amount-not-number", ERROR, "金额", "金额不是数字", "{field}“{text}”不是数字",
         "请只填数字，单位万元（如 8.2）"),
    Spec("missing-year-amount", ERROR, "金额", "年度金额为空", "年度金额为空", "请填写本年度预算金额（万元）"),
    Spec("amount-too-large", ERROR, "金额", "金额大得离谱", "{field}“{text}”大得不像金额（单位万元）",
         "请核对后只填数字，单位万元（如 8.2）"),
    Spec("amount-from-parts", NOTICE, "金额", "金额按分项合计", "{field}没有单独填写，按其下各项合计为 {total}",
         "如不对，请在{field}一栏填写金额"),
    Spec("amount-negative", ERROR, "金额", "金额为负", "{field}为负数（{value}）", "金额不能小于 0"),
    Spec("amount-sum-mismatch", ERROR, "金额", "金额不平", "{field} {total} 不等于财政拨款与其他资金之和 {parts}",
         "请核对金额"),
    Spec("year-exceeds-period", ERROR, "金额", "年度金额超过实施期金额", "年度金额 {year} 大于实施期金额 {period}",
         "请核对"),
    # 指标: the indicator table
    Spec("no-indicators", ERROR, "指标", "没有指标", "没有绩效指标",
         "请在指标表中填写一级、二级、三级指标和年度指标值"),
    Spec("missing-level1", ERROR, "指标", "缺少一级指标", "缺少{level1}",
         "每个项目至少要有一个{level1}（{framework}版指标体系），请补充"),
    Spec("level-hybrid", NOTICE, "指标", "指标层级按填写保留", "{note}"),
    Spec("unknown-level1", ERROR, "指标", "一级指标不在体系中", "一级指标“{level1}”不在{framework}版指标体系中",
         "请改为 {choices} 之一"),
    Spec("unknown-level2", ERROR, "指标", "二级指标不在体系中", "二级指标“{level2}”不在{framework}版指标体系中",
         "请改为 {choices} 之一"),
    Spec("level2-elsewhere", WARNING, "指标", "二级指标属于另一个一级指标",
         "二级指标“{level2}”在{framework}版指标体系中属于“{home}”，不属于“{level1}”",
         "请把一级指标改为“{home}”，或改选 {choices} 之一"),
    Spec("missing-level1-cell", ERROR, "指标", "一级指标为空", "一级指标为空", "请填写 {choices} 之一"),
    Spec("missing-level2", WARNING, "指标", "二级指标为空", "二级指标为空", "请填写“{level1}”下的 {choices} 之一"),
    Spec("missing-level3", ERROR, "指标", "三级指标为空", "年度指标值“{value}”没有对应的三级指标", "请填写指标名称"),
    Spec("missing-value", ERROR, "指标", "年度指标值为空", "三级指标“{level3}”没有年度指标值", "请填写（如 ≥90%）"),
    Spec("placeholder-value", ERROR, "指标", "模板占位符", "年度指标值“{value}”是模板占位符", "请填写实际目标值"),
    Spec("value-without-unit", WARNING, "指标", "缺少计量单位", "年度指标值“{value}”没有计量单位",
         "请写明单位（如 {value}个、{value}%）"),
    Spec("percent-number", NOTICE, "指标", "数字按百分数理解",
         "年度指标值单元格是数字 {number}，按百分数“{value}”理解", "如不是，请改为文字"),
    Spec("implicit-operator", NOTICE, "指标", "未写符号", "年度指标值“{value}”未写符号，按“={value}”理解",
         "如为下限请写“≥”"),
    Spec("satisfaction-low", WARNING, "指标", "满意度目标偏低", "满意度目标 {value} 低于 {minimum}%",
         "请核实，一般应不低于 {minimum}%"),
    Spec("satisfaction-100", WARNING, "指标", "满意度写成 100%", "满意度目标写成 100%",
         "满意度难以全部满意，建议写成“≥90%”之类"),
    Spec("rate-over-100", WARNING, "指标", "比率超过上限", "比率类指标“{level3}”目标 {value} 超过 {maximum}%",
         "请核对"),
    Spec("cost-greater-than", WARNING, "指标", "成本指标写成下限", "成本指标“{level3}”写成 {value}",
         "成本应设上限，请用“≤”"),
    Spec("duplicate-indicator", WARNING, "指标", "三级指标重复", "三级指标“{level3}”在本项目中出现 {count} 次",
         "请合并或改名"),
    # 自评: a filled 项目支出绩效自评表, rescored by the rules (docs/selfeval.md)
    Spec("score-mismatch", ERROR, "自评", "得分与规则不符", "{what}的得分 {form} 与按规则计算的 {rule} 相差超过 {tolerance}",
         "请改为 {rule}（规则见 docs/selfeval.md）"),
    Spec("score-over-weight", ERROR, "自评", "得分超过分值", "{what}的得分 {score} 超过分值 {weight}", "得分不能超过分值"),
    Spec("score-out-of-tier", ERROR, "自评", "定性得分超出档次", "“{level3}”评为“{tier}”，得分 {score} 不在该档的 {low}–{high} 之间",
         "请在该档的分值范围内打分，或改选档次"),
    Spec("score-blank", NOTICE, "自评", "得分为空", "{what}的得分为空，按规则应为 {rule}", "{fix}"),
    Spec("weights-not-100", ERROR, "自评", "分值合计不是 100", "分值合计为 {total}，不是 100（执行率 {fund}，各指标合计 {indicators}）",
         "请调整分值使合计为 100{hint}"),
    Spec("missing-actual", ERROR, "自评", "未填实际值", "{what}未填写", "{fix}"),
    Spec("actual-not-comparable", ERROR, "自评", "实际完成值无法比较",
         "“{level3}”的实际完成值“{actual}”无法与年度指标值“{value}”比较", "{fix}"),
    Spec("not-applicable", ERROR, "自评", "不适用但不折算", "“{level3}”填写“{actual}”，但本指标体系不按不适用折算",
         "请填写实际完成值；确实不适用时，把该行分值改为 0 并分给同类指标"),
    Spec("no-target", ERROR, "自评", "年度指标值为空", "“{level3}”没有年度指标值，无法评分", "请按批复的目标表填写年度指标值"),
    Spec("missing-deviation-reason", WARNING, "自评", "缺少偏差原因",
         "“{level3}”得分 {score} 低于分值 {weight}，但没有填写偏差原因", "请在该行的偏差原因一栏说明原因和改进措施"),
    Spec("overshoot-unexplained", WARNING, "自评", "超额完成未说明", "“{level3}”实际完成 {actual}，达到年度指标值“{value}”的 {ratio}%",
         "请在该行的偏差原因一栏说明超额原因（目标是否定得过低）"),
    Spec("execution-rate-low", WARNING, "自评", "执行率偏低", "预算执行率 {rate}%，低于 {low}%",
         "请在“实际完成情况”中说明资金未执行的原因"),
    Spec("total-mismatch", ERROR, "自评", "总分与规则不符", "总分 {form} 与按规则计算的 {rule} 不符", "请改为 {rule}"),
    Spec("grade-mismatch", ERROR, "自评", "等级与总分不符", "自评等级“{form}”与总分 {total} 应得的“{rule}”不符", "请改为“{rule}”"),
    Spec("score-summary-input", NOTICE, "自评", "自评汇总表未读取", "这是 perfxl 写出的自评汇总表，未再读取",
         "请把各项目的自评表交给 perfxl（汇总表中的得分都来自它们）"),
    Spec("target-mismatch", ERROR, "自评", "年度指标值与批复不符",
         "“{level3}”的年度指标值“{value}”与批复的目标表（{source}）中的“{approved}”不同", "请按批复的目标改回“{approved}”"),
    Spec("indicator-missing", ERROR, "自评", "缺少批复的指标",
         "批复的目标表（{source}）中的{level1}“{level3}”（{approved}）不在自评表中", "请补上该指标并填写实际完成值"),
    # 汇总: across files
    Spec("mixed-years", WARNING, "汇总", "年度不一致", "项目的年度不一致（{counts}）", "{fix}"),
    Spec("duplicate-project", ERROR, "汇总", "项目重复", "项目“{name}”{unit}重复出现，另见 {others}",
         "请删除重复的一份"),
]

CATALOGUE: dict[str, Spec] = {spec.code: spec for spec in _SPECS}
# Per code: its level, and its text as one format string when the fix is fixed words (most codes),
# else the message's and the fix's (a fix filled in as "" leaves no "："). Saves a format call and
# a concatenation per finding: a form has three or four.
_TEXTS = {spec.code: (spec.level, f"{spec.message}：{spec.fix}" if spec.fix and "{" not in spec.fix else spec.message,
                      spec.fix if "{" in spec.fix else None) for spec in _SPECS}


def _level_text(code: str, fields: dict) -> tuple[str, str]:
    level, message, fix = _TEXTS[code]
    if "{" in message:
        message = message.format(**fields)
    if fix is not None and (fix := fix.format(**fields)):
        message = f"{message}：{fix}"
    return level, message


def finding(code: str, *, project: Project | None = None, file: str = "", sheet: str = "", cell: str = "",
            **fields) -> Finding:
    """The finding ``code`` with its message filled in; where: a project, or a file and sheet.

    An unknown code or a missing field raises (KeyError): a programming error, caught by the tests.
    """
    level, text = _level_text(code, fields)
    if project is not None:
        return Finding(level, code, text, project.file, project.sheet, cell, project.name, project.id)
    return Finding(level, code, text, file, sheet, cell)


def about(project: Project, out: list | None = None):
    """``finding(code, project=project, cell=cell, ...)`` as ``make(code, cell, ...)``, the project's
    place worked out once: checking a form makes several findings, and Project.id is built anew at
    each call. With ``out``, each finding made is appended to it (no wrapper call per finding)."""
    file, sheet, name, project_id = project.file, project.sheet, project.name, project.id
    keep = out.append if out is not None else None

    def make(code: str, cell: str = "", **fields) -> Finding:
        level, text = _level_text(code, fields)
        made = Finding(level, code, text, file, sheet, cell, name, project_id)
        if keep is not None:
            keep(made)
        return made
    return make


def carried(level: str, code: str, message: str, file: str, sheet: str, cell: str,
            project: Project | None) -> Finding:
    """A finding read back from a received summary's 校验问题: kept as written there, code included
    (it may come from another perfxl version), attached to the project it names, if any."""
    return Finding(level=level, code=code, message=message, file=file, sheet=sheet, cell=cell,
                   project=project.name if project else "", project_id=project.id if project else "")


def render_markdown() -> str:
    """docs/findings.md: the catalogue as a table per group."""
    lines = ["# 校验问题代码一览（findings catalogue）", "",
             "perfxl 报告的每个问题都有一个固定的代码。本文件由 `perfxl/findings.py` 生成"
             "（`perfxl codes --markdown > docs/findings.md`），测试保证两者一致。",
             "级别：错误（必须改）、警告（请核实）、提示（仅供参考）。说明中的 {…} 在报告时填入具体内容。", ""]
    for group in dict.fromkeys(spec.group for spec in _SPECS):
        lines += [f"## {group}", "", "| 代码 | 级别 | 名称 | 说明 | 怎样改 |", "| --- | --- | --- | --- | --- |"]
        for spec in _SPECS:
            if spec.group == group:
                cells = [f"`{spec.code}`", LEVEL_NAMES[spec.level], spec.title, spec.message, spec.fix or "—"]
                lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)
