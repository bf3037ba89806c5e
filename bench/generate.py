"""Generate N realistic filled forms for benchmarks: varied from the seed, several layouts.

    python bench/generate.py 1000 bench/out/forms-1000

Layouts: perfxl's own template (one project per file); the official layout pasted from Word
(the seed's four column arrangements); workbooks holding 2–5 projects as sheets; sheets with
2–4 forms stacked. Deterministic for a given N (seeded).

Above 10,000 forms (N a multiple of 10,000, e.g. 100,000: a province's year) the first 10,000
are generated as above and the rest are their workbooks copied with the project numbers in the
names shifted (（00042） becomes （10042）, （20042）, …): distinct projects, the same work per
form as the 10,000-form set, and minutes less than writing each with xlsxwriter.
"""

from __future__ import annotations

import random
import re
import sys
import zipfile
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perfxl.form import find_forms  # noqa: E402
from perfxl.grid import grid_from_text  # noqa: E402
from perfxl.model import Funds  # noqa: E402
from perfxl.profile import load_profile  # noqa: E402
from perfxl.template import write_template  # noqa: E402

SEED = ROOT / "data" / "seed" / "2023年度项目绩效目标表.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")
SEED_FORMS = [block for block in SEED_TEXT.split("本级预算项目绩效目标表") if "项目名称" in block]
SEED_PROJECTS = find_forms(grid_from_text(SEED_TEXT), load_profile("2015"))


def _amount(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(10, 5_000_000)) / 100


def vary(rng: random.Random, n: int):
    """The n-th project: a seed project with another name, department, unit and amounts."""
    base = SEED_PROJECTS[n % len(SEED_PROJECTS)]
    department = f"第{rng.randint(1, 20)}局"
    total = _amount(rng)
    other = Decimal(0) if rng.random() < 0.7 else (total / 10).quantize(Decimal("0.01"))
    keep = [i for i in base.indicators if rng.random() < 0.9] or base.indicators[:3]
    return dict(name=f"{base.name}（{n:05d}）", department=department, layout=n % len(SEED_FORMS),
                unit=f"{department}第{rng.randint(1, 5)}中心", total=total, fiscal=total - other, other=other,
                indicators=keep, base=base)


def pasted_rows(v: dict) -> list[list[str]]:
    """The seed's own text of the form (with its column arrangement) carrying the varied values."""
    text = SEED_FORMS[v["layout"]]
    base = v["base"]
    rows = [line.split("\t") for line in ("本级预算项目绩效目标表" + text).split("\n")]
    out = []
    for row in rows:
        row = [c.replace(base.name, v["name"]) for c in row]
        if row and row[0] == "主管部门":
            row = [v["department"] if c == base.department and i < 3 else (v["unit"] if c == base.unit else c)
                   for i, c in enumerate(row)]
        out.append(row)
    # amounts: replace in the funds rows by position of the labels
    for row in out:
        labels = [i for i, c in enumerate(row) if c.strip() in ("实施期金额", "年度金额")]
        for i in labels:
            j = next((k for k in range(i + 1, len(row)) if row[k].strip()), None)
            if j is not None:
                row[j] = str(v["total"])
        fiscal = [i for i, c in enumerate(row) if "财政拨款" in c]
        for i in fiscal:
            j = next((k for k in range(i + 1, len(row)) if row[k].strip() and "财政拨款" not in row[k]), None)
            if j is not None:
                row[j] = str(v["fiscal"])
        for i, c in enumerate(row):
            if c.strip() == "其他资金" and v["other"] and i + 1 < len(row):
                row[i + 1] = str(v["other"])
    return out


def write_pasted(path: Path, sheets: list[list[list[str]]]) -> None:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": True, "strings_to_formulas": False})
    for s, rows in enumerate(sheets):
        ws = wb.add_worksheet(f"Sheet{s + 1}")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value.strip():
                    ws.write(r, c, value.strip())
    wb.close()


def make_file(args) -> int:
    index, first, count, kind, folder = args
    rng = random.Random(first)
    variants = [vary(rng, first + k) for k in range(count)]
    path = Path(folder) / f"{index:05d}.xlsx"
    if kind == "template":
        projects = []
        for v in variants:
            p = v["base"]
            projects.append(type(p)(
                name=v["name"], department=v["department"], unit=v["unit"], period=p.period, year="2023",
                funds_period=Funds(v["total"], v["fiscal"], v["other"] or None),
                funds_year=Funds(v["total"], v["fiscal"], v["other"] or None),
                goal_period=p.goal_period, goal_year=p.goal_year, indicators=v["indicators"]))
        write_template(path, projects=projects, year=2023)
    elif kind == "stacked":
        rows = []
        for v in variants:
            rows += pasted_rows(v) + [[""], [""]]
        write_pasted(path, [rows])
    else:
        write_pasted(path, [pasted_rows(v) for v in variants])
    return count


def plan(n: int) -> list[tuple]:
    """Files to write: 40% template, 35% pasted, 15% multi-sheet, 10% stacked (by projects)."""
    rng = random.Random(n)
    jobs, made, index = [], 0, 0
    while made < n:
        roll = rng.random()
        kind, count = ("template", 1) if roll < 0.4 else ("pasted", 1) if roll < 0.75 else (
            ("sheets", rng.randint(2, 5)) if roll < 0.9 else ("stacked", rng.randint(2, 4)))
        count = min(count, n - made)
        jobs.append((index, made, count, kind))
        made += count
        index += 1
    return jobs


BASE = 10_000
NUMBER = re.compile(r"（(\d{5})）".encode())


def renumber(args) -> None:
    """Copy a workbook, adding ``offset`` to the project numbers in every part (names, sheet names)."""
    src, dst, offset = args

    def shift(match: re.Match) -> bytes:
        return f"（{int(match.group(1)) + offset:05d}）".encode()

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, NUMBER.sub(shift, zin.read(info)))


def generate(n: int, folder: Path) -> Path:
    if n > BASE and n % BASE:
        raise SystemExit(f"above {BASE} forms, N must be a multiple of {BASE}")
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(*job, str(folder)) for job in plan(min(n, BASE))]
    copies = [(str(folder / f"{i:05d}.xlsx"), str(folder / f"{k * len(jobs) + i:05d}.xlsx"), k * BASE)
              for k in range(1, n // BASE) for i in range(len(jobs))]
    with ProcessPoolExecutor() as pool:
        total = sum(pool.map(make_file, jobs, chunksize=16))
        list(pool.map(renumber, copies, chunksize=64))
    assert total == min(n, BASE)
    return folder


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "bench" / "out" / f"forms-{n}"
    generate(n, target)
    print(f"{n} forms in {len(list(target.glob('*.xlsx')))} files: {target}")
