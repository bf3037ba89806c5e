"""CPU of recognising and checking forms (is_evaluation, find_forms, check_project), two source trees compared.

    python bench/recognition.py OLD_TREE NEW_TREE [FOLDER] [ROUNDS]

Each tree runs in its own process (a second copy of perfxl in one process runs slower), the two
alternating; a process reads every workbook's grids first, then times several passes over them
(process time, the fastest pass kept), so the figures leave out calamine and the zip guard. It
prints µs per form for each step, the ratio new/old, and whether both trees found the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("is_evaluation", "find_forms", "check_project")


def measure(folder: str, passes: int) -> dict:
    """One process's figures: the fastest pass of each step, in µs per form, and a digest of the results."""
    import gc
    import hashlib
    import time

    from perfxl import reading, rules, scan
    from perfxl.evaluation import is_evaluation
    from perfxl.form import find_forms
    from perfxl.grid import grids_from_workbook
    from perfxl.profile import framework_profile, load_profile

    grids = []
    for path in sorted(str(p) for p in Path(folder).rglob("*.xlsx")):
        data = scan.read_regular(path)
        book, check = reading.open_book(path, data, reading.classify(path, data))
        for grid in grids_from_workbook(book, path, skip=reading.HELPER_SHEETS):
            if check is not None and check.formats_known:
                grid.percent = set()
            grids.append(grid)
    profile = load_profile(None)
    gc.disable()  # as while perfxl reads (pipeline.paused_gc)
    best = dict.fromkeys(STEPS, float("inf"))
    for _ in range(passes):
        spent = dict.fromkeys(STEPS, 0.0)
        found = []
        for grid in grids:
            t0 = time.process_time()
            evaluation = is_evaluation(grid, profile)
            t1 = time.process_time()
            projects = find_forms(grid, profile, True)
            t2 = time.process_time()
            findings = [f for p in projects for f in rules.check_project(p, framework_profile(p.framework, profile))]
            t3 = time.process_time()
            spent["is_evaluation"] += t1 - t0
            spent["find_forms"] += t2 - t1
            spent["check_project"] += t3 - t2
            found.append((evaluation, projects, findings))
        best = {step: min(best[step], spent[step]) for step in STEPS}
    forms = sum(len(projects) for _, projects, _ in found)
    digest = hashlib.sha256(repr(found).encode()).hexdigest()
    return {"forms": forms, "digest": digest, **{step: best[step] * 1e6 / forms for step in STEPS}}


def main() -> None:
    old, new = sys.argv[1:3]
    folder = sys.argv[3] if len(sys.argv) > 3 else str(ROOT / "bench" / "out" / "forms-1000")
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    figures: dict[str, list[dict]] = {old: [], new: []}
    for n in range(rounds):
        for tree in (old, new) if n % 2 == 0 else (new, old):
            out = subprocess.run([sys.executable, __file__, "--measure", folder, "5"], capture_output=True, text=True,
                                 env={**os.environ, "PYTHONPATH": tree}, check=True).stdout
            figures[tree].append(json.loads(out))
    best = {tree: {step: min(f[step] for f in runs) for step in STEPS} for tree, runs in figures.items()}
    print(f"{figures[old][0]['forms']} forms in {folder}; µs per form (fastest pass of {rounds} processes each)")
    for step in (*STEPS, "total"):
        a = sum(best[old].values()) if step == "total" else best[old][step]
        b = sum(best[new].values()) if step == "total" else best[new][step]
        print(f"  {step:14s} old {a:7.1f}  new {b:7.1f}  new/old {b / a:.2f}")
    same = {f["digest"] for runs in figures.values() for f in runs}
    print("same projects and findings:", "yes" if len(same) == 1 else "NO")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
    else:
        main()
