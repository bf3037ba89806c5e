"""预算一体化 list exports: one row per indicator, several projects in one sheet.

The header row holds the project's fields (项目名称, 主管部门, 金额 …) and the indicator
columns side by side; a project's fields are merged down over its indicator rows, so a filled
项目名称 cell starts the next project. Subtotal rows (小计/合计) are skipped; amounts follow the
sheet's 金额单位 line (元 → 万元).
"""
