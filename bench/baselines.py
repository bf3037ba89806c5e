"""The two baselines the benchmark compares perfxl against (run as separate processes).

    python bench/baselines.py floor FOLDER OUT.xlsx   # calamine read of every cell + plain xlsxwriter write
    python bench/baselines.py naive FOLDER            # pandas.read_excel (openpyxl) per file, then concat
"""

from __future__ import annotations

import sys
from pathlib import Path

ROWS = 1_048_576  # rows in an xlsx worksheet


def floor(folder: Path, out: Path) -> int:
    """The least any tool must do: read every sheet's cells and write every non-empty row back
    (on further sheets past Excel's 1,048,576 rows: 100,000 forms have about 2.5 million)."""
    import python_calamine
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet()
    r = total = 0
    for path in sorted(folder.rglob("*.xlsx")):
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            for row in book.get_sheet_by_name(name).to_python():
                if any(v != "" for v in row):
                    if r == ROWS:
                        ws, r = wb.add_worksheet(), 0
                    ws.write_row(r, 0, row)
                    r += 1
                    total += 1
    wb.close()
    return total


def naive(folder: Path) -> int:
    """What a quick script does: pandas.read_excel with openpyxl, every sheet of every file."""
    import pandas as pd

    frames = []
    for path in sorted(folder.rglob("*.xlsx")):
        for frame in pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl").values():
            frames.append(frame)
    return len(pd.concat(frames, ignore_index=True))


if __name__ == "__main__":
    mode, folder = sys.argv[1], Path(sys.argv[2])
    rows = floor(folder, Path(sys.argv[3])) if mode == "floor" else naive(folder)
    print(rows)
