"""`perfxl consolidate` over 自评表: the department's self-evaluation score summary (xlsxwriter).

Sheets, each with its header in row 3 (title and 单位 line above, as the target summary):
自评汇总 (per project 执行率, the rule's score per 一级, 总分, 等级, and the form's own 总分/等级),
得分差异 (every score where the form and the rules differ), 等级分布 (with a chart), 按实施单位
(rollups), 校验问题. Scores are the rules' (perfxl/scoring.py); every formula is written with its
computed value cached, so readers that do not recalculate see the right numbers.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

from . import __version__
from .contract import SCORE_SUMMARY_SHEETS
from .evaluation import Evaluation
from .model import ERROR, LEVEL_NAMES, WARNING, Finding, Project, column_letter
from .output import atomic_path, build_time, cell_text, exact_match, mark
from .profile import Profile
from .scoring import EXECUTION, cents
from .tables import sort_findings

HEADER_ROW = 2
FIRST = HEADER_ROW + 1


def _f(value: Decimal | None):
    return "" if value is None else float(value)


def score_columns(profile: Profile) -> list[str]:
    """自评汇总's columns: one score column per weighted 一级 of the profile."""
    level1s = [k for k in profile.rules.weights if k != EXECUTION]
    return (["序号", "项目名称", "主管部门", "实施单位", "全年预算数", "全年执行数", "执行率", "执行率得分"]
            + [f"{k}得分" for k in level1s]
            + ["总分", "等级", "表内总分", "表内等级", "得分差异数", "错误数", "警告数", "来源文件", "来源工作表"])


def differences(project: Project) -> list[list]:
    """(指标, 单元格, 表内得分, 规则得分) wherever the form's score and the rule's differ by more than a cent."""
    ev: Evaluation = project.evaluation
    items = [("年度资金总额（执行率）", ev.cells.get("score", ""), ev.fund_score, ev.rule_fund_score)]
    items += [(r.level3, r.cells.get("score", ""), r.score, r.rule.value if r.rule else None) for r in ev.rows]
    items.append(("总分", ev.cells.get("total", ""), ev.total, ev.rule_total))
    out = []
    for what, cell, form, rule in items:
        if rule is None and form is None:
            continue
        if form is None or rule is None or abs(form - rule) > Decimal("0.01"):
            out.append([what, cell, form, rule])
    return out


def write_scores(output: Path, projects: list[Project], findings: list[Finding], profile: Profile,
                 title: str) -> None:
    """The score summary workbook, atomically."""
    import xlsxwriter

    rules = profile.rules
    with atomic_path(output) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        wb.set_properties({"title": "绩效自评汇总表", "created": build_time(), "comments": f"perfxl {__version__}"})
        mark(wb, "scores")
        fmt = _formats(wb)
        columns = score_columns(profile)
        level1s = [k for k in rules.weights if k != EXECUTION]
        tally: dict[str, Counter] = {}  # findings per project, joined on Project.id as the target summary does
        for f in findings:
            if f.project_id:
                tally.setdefault(f.project_id, Counter())[f.level] += 1
        ws = _sheet(wb, fmt, SCORE_SUMMARY_SHEETS[0], title, columns)
        n = len(projects)
        for i, p in enumerate(projects):
            ev: Evaluation = p.evaluation
            r = FIRST + i
            x = r + 1
            per = ev.level1_scores()
            counts = tally.get(p.id, Counter())
            values = [i + 1, p.name, p.department, p.unit, ev.budget, ev.spent, None, ev.rule_fund_score]
            values += [per.get(k) for k in level1s]
            values += [ev.rule_total, ev.rule_grade, ev.total, ev.grade, len(differences(p)),
                       counts[ERROR], counts[WARNING], p.file, p.sheet]
            for c, v in enumerate(values):
                name = columns[c]
                if name == "执行率":
                    ws.write_formula(r, c, f'=IF(AND(ISNUMBER(E{x}),ISNUMBER(F{x})),IF(E{x}>0,F{x}/E{x},""),"")',
                                     fmt["percent"], _f(ev.rate))
                elif isinstance(v, (Decimal, int)) and not isinstance(v, bool):
                    ws.write_number(r, c, float(v), fmt["money"] if isinstance(v, Decimal) else fmt["int"])
                elif v is None:
                    ws.write_blank(r, c, None, fmt["text"])
                else:
                    ws.write_string(r, c, cell_text(str(v)), fmt["text"])
        total_row = FIRST + n
        ws.write_string(total_row, 0, "合计", fmt["head"])
        for c in range(1, len(columns)):
            letter = column_letter(c)
            if columns[c] in ("全年预算数", "全年执行数"):
                cached = sum((getattr(p.evaluation, "budget" if c == 4 else "spent") or Decimal(0) for p in projects),
                             Decimal(0))
                ws.write_formula(total_row, c, f"=SUM({letter}{FIRST + 1}:{letter}{total_row})", fmt["money"],
                                 float(cached))
            elif columns[c] == "执行率":
                budget = sum((p.evaluation.budget or Decimal(0) for p in projects), Decimal(0))
                spent = sum((p.evaluation.spent or Decimal(0) for p in projects), Decimal(0))
                x = total_row + 1
                ws.write_formula(total_row, c, f'=IF(E{x}>0,F{x}/E{x},"")', fmt["percent"],
                                 float(spent / budget) if budget > 0 else "")
            else:
                ws.write_blank(total_row, c, None, fmt["head"])
        ws.autofilter(HEADER_ROW, 0, max(FIRST, total_row - 1), len(columns) - 1)

        _differences_sheet(wb, fmt, title, projects)
        grade_col = column_letter(columns.index("等级"))
        grades_range = f"'自评汇总'!${grade_col}${FIRST + 1}:${grade_col}${FIRST + max(n, 1)}"
        _grades_sheet(wb, fmt, title, projects, rules, grades_range)
        _units_sheet(wb, fmt, title, projects, columns, n)
        _findings_sheet(wb, fmt, title, findings)
        wb.close()


def _formats(wb) -> dict:
    font = {"font_name": "宋体", "font_size": 10}
    box = {**font, "border": 1, "valign": "vcenter"}
    add = wb.add_format
    return {
        "title": add({"font_name": "宋体", "font_size": 16, "bold": True, "align": "center", "valign": "vcenter"}),
        "unit": add({**font, "align": "right"}),
        "head": add({**box, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9E1F2"}),
        "text": add({**box}),
        "money": add({**box, "num_format": "#,##0.00"}),
        "int": add({**box, "num_format": "0", "align": "center"}),
        "percent": add({**box, "num_format": "0.00%"}),
    }


def _sheet(wb, fmt, name: str, title: str, columns: list[str], unit_line: str = "单位：万元；分"):
    ws = wb.add_worksheet(name)
    last = len(columns) - 1
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, max(last, 1), cell_text(title), fmt["title"])
    ws.merge_range(1, 0, 1, max(last, 1), unit_line, fmt["unit"])
    ws.write_row(HEADER_ROW, 0, columns, fmt["head"])
    ws.set_row(HEADER_ROW, 30)
    for i, column in enumerate(columns):
        ws.set_column(i, i, 28 if column in ("项目名称", "来源文件", "说明", "指标") else
                      22 if column in ("主管部门", "实施单位", "名称") else 10)
    ws.freeze_panes(FIRST, 0)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)
    return ws


def _differences_sheet(wb, fmt, title: str, projects: list[Project]) -> None:
    columns = ["序号", "项目名称", "指标", "单元格", "表内得分", "规则得分", "差额", "来源文件"]
    ws = _sheet(wb, fmt, SCORE_SUMMARY_SHEETS[1], title, columns, unit_line="表内得分为空：表内公式无法识别所填内容，或手填的表未打分")
    r = FIRST
    for p in projects:
        for what, cell, form, rule in differences(p):
            x = r + 1
            ws.write_number(r, 0, r - FIRST + 1, fmt["int"])
            ws.write_string(r, 1, cell_text(p.name), fmt["text"])
            ws.write_string(r, 2, cell_text(what), fmt["text"])
            ws.write_string(r, 3, cell, fmt["text"])
            for c, v in ((4, form), (5, rule)):
                ws.write(r, c, _f(v), fmt["money"])
            diff = float(form - rule) if form is not None and rule is not None else ""
            ws.write_formula(r, 6, f'=IF(AND(ISNUMBER(E{x}),ISNUMBER(F{x})),E{x}-F{x},"")', fmt["money"], diff)
            ws.write_string(r, 7, cell_text(p.file), fmt["text"])
            r += 1


def _grades_sheet(wb, fmt, title: str, projects: list[Project], rules, grades_range: str) -> None:
    columns = ["等级", "总分范围", "项目数", "占比"]
    ws = _sheet(wb, fmt, "等级分布", title, columns, unit_line="")
    counts = Counter(p.evaluation.rule_grade for p in projects)
    scored = sum(counts[name] for name, _ in rules.grades)
    bounds = [low for _, low in rules.grades]
    for i, (name, low) in enumerate(rules.grades):
        r = FIRST + i
        x = r + 1
        ws.write_string(r, 0, name, fmt["text"])
        ws.write_string(r, 1, f"≥ {low}" + (f" 且 < {bounds[i - 1]}" if i else ""), fmt["text"])
        ws.write_formula(r, 2, f'=COUNTIF({grades_range},A{x})', fmt["int"], counts[name])
        last = FIRST + len(rules.grades)
        ws.write_formula(r, 3, f"=IF(SUM($C${FIRST + 1}:$C${last})=0,0,C{x}/SUM($C${FIRST + 1}:$C${last}))",
                         fmt["percent"], counts[name] / scored if scored else 0)
    r = FIRST + len(rules.grades)
    ws.write_string(r, 0, "未评完", fmt["text"])
    ws.write_string(r, 1, "有指标未评分", fmt["text"])
    ws.write_number(r, 2, len(projects) - scored, fmt["int"])
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "项目数", "categories": ["等级分布", FIRST, 0, FIRST + len(rules.grades) - 1, 0],
                      "values": ["等级分布", FIRST, 2, FIRST + len(rules.grades) - 1, 2],
                      "data_labels": {"value": True}})
    chart.set_title({"name": "自评等级分布（项目数）", "name_font": {"size": 12}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 480, "height": 300})
    ws.insert_chart(r + 2, 0, chart)


def _units_sheet(wb, fmt, title: str, projects: list[Project], columns: list[str], n: int) -> None:
    names = ["名称", "项目数", "全年预算数", "全年执行数", "执行率", "已评完项目数", "平均总分"]
    ws = _sheet(wb, fmt, "按实施单位", title, names)
    last = FIRST + max(n, 1)

    def rng(column: str) -> str:
        letter = column_letter(columns.index(column))
        return f"'自评汇总'!${letter}${FIRST + 1}:${letter}${last}"

    groups: dict[str, list[Project]] = {}
    for p in projects:
        groups.setdefault(p.unit, []).append(p)
    for i, (unit, group) in enumerate(sorted(groups.items())):
        r = FIRST + i
        x = r + 1
        crit = exact_match(f"$A{x}")
        budget = sum((p.evaluation.budget or Decimal(0) for p in group), Decimal(0))
        spent = sum((p.evaluation.spent or Decimal(0) for p in group), Decimal(0))
        totals = [p.evaluation.rule_total for p in group if p.evaluation.rule_total is not None]
        ws.write_string(r, 0, cell_text(unit), fmt["text"])
        ws.write_formula(r, 1, f"=COUNTIFS({rng('实施单位')},{crit})", fmt["int"], len(group))
        ws.write_formula(r, 2, f"=SUMIFS({rng('全年预算数')},{rng('实施单位')},{crit})", fmt["money"], float(budget))
        ws.write_formula(r, 3, f"=SUMIFS({rng('全年执行数')},{rng('实施单位')},{crit})", fmt["money"], float(spent))
        ws.write_formula(r, 4, f'=IF(C{x}>0,D{x}/C{x},"")', fmt["percent"], float(spent / budget) if budget > 0 else "")
        ws.write_formula(r, 5, f'=COUNTIFS({rng("实施单位")},{crit},{rng("总分")},">=0")', fmt["int"], len(totals))
        average = sum(totals, Decimal(0)) / len(totals) if totals else None
        ws.write_formula(r, 6, f'=IF(F{x}=0,"",ROUND(SUMIFS({rng("总分")},{rng("实施单位")},{crit})/F{x},2))',
                         fmt["money"], float(cents(average)) if average is not None else "")


def _findings_sheet(wb, fmt, title: str, findings: list[Finding]) -> None:
    columns = ["序号", "级别", "代码", "文件", "工作表", "单元格", "项目名称", "说明"]
    ws = _sheet(wb, fmt, "校验问题", title, columns, unit_line="")
    ws.set_column(7, 7, 80)
    for i, f in enumerate(sort_findings(findings)):
        r = FIRST + i
        ws.write_number(r, 0, i + 1, fmt["int"])
        for c, v in enumerate([LEVEL_NAMES[f.level], f.code, f.file, f.sheet, f.cell, f.project, f.message], 1):
            ws.write_string(r, c, cell_text(v), fmt["text"])
