"""A larger fuzz run than CI's: many seeded mutants of every kind, batch by batch.

    python bench/fuzz.py --count 2000 --seed 7                 # .xlsx, .xls, .et, .ods and .docx
    python bench/fuzz.py --count 10000 --seed 7 --kinds xls ods

For each batch of spreadsheets it runs `perfxl consolidate` and `perfxl validate` as a user would
and checks: exit code 0 or 1, no traceback, every input accounted for. .docx mutants go through
`perfxl import` (the library, in a child process): imported, or refused in one Chinese line.
A failing batch is narrowed down to its mutants, which are copied into tests/fixtures/fuzz/ as
regression fixtures.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from mutants import KINDS, check_imports, make_kind_mutant  # noqa: E402
from test_fuzz import accounted, kind_sources  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "fuzz"


def check(paths: list[Path], work: Path) -> str:
    """'' when perfxl handled these inputs, else what went wrong.

    Exit 2 is right only when no input held a project ("没有找到任何绩效目标表"); every input must
    show up as a project's source or in a finding.
    """
    out, csv_dir = work / "s.xlsx", work / "csv"
    shutil.rmtree(csv_dir, ignore_errors=True)
    seen: set[str] = set()
    for args in (["consolidate", *map(str, paths), "-o", str(out), "--csv-dir", str(csv_dir), "-q"],
                 ["validate", *map(str, paths), "-q", "--format", "json"]):
        try:
            proc = subprocess.run([sys.executable, "-m", "perfxl", *args], capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            return f"{args[0]}: timeout"
        nothing = proc.returncode == 2 and "没有找到任何绩效目标表" in proc.stderr
        if "Traceback" in proc.stderr + proc.stdout or (proc.returncode not in (0, 1) and not nothing):
            return f"{args[0]}: exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}"
        if args[0] == "validate":
            seen |= {f["file"] for f in json.loads(proc.stdout)}
    if (csv_dir / "项目汇总.csv").exists():  # the folder itself is made (and checked) before reading
        seen |= accounted(csv_dir)
    missing = {p.name for p in paths} - {Path(f).name for f in seen}  # shown relative to the inputs
    return f"not accounted for: {sorted(missing)[:3]}" if missing else ""


def check_kind(kind: str, paths: list[Path], work: Path) -> str:
    if kind == "docx":
        problems = check_imports(paths)
        return f"{len(problems)} not handled: {problems[:2]}" if problems else ""
    return check(paths, work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="mutants of each kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--first", type=int, default=0, help="start at this mutant index (to resume a run)")
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KINDS))
    args = parser.parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for kind in args.kinds:
            sources = kind_sources(kind, work)
            kinds = collections.Counter()
            start = time.perf_counter()
            for first in range(args.first, args.count, args.batch):
                batch_dir = work / f"{kind}{first}"
                batch_dir.mkdir()
                paths = []
                for i in range(first, min(first + args.batch, args.count)):
                    name, data = make_kind_mutant(kind, sources[i % len(sources)], args.seed, i)
                    kinds[name] += 1
                    path = batch_dir / f"{args.seed}-{kind}-{i:05d}-{name}.{kind}"
                    path.write_bytes(data)
                    paths.append(path)
                problem = check_kind(kind, paths, work)
                if problem:
                    print(f"  batch {kind} {first}: {problem}", flush=True)
                    for path in paths:
                        single = check_kind(kind, [path], work)
                        if single:
                            failures.append((path.name, single))
                            FIXTURES.mkdir(parents=True, exist_ok=True)
                            shutil.copy(path, FIXTURES / path.name)
                shutil.rmtree(batch_dir)
                print(f"  {kind}: {first + len(paths)} done, {time.perf_counter() - start:.0f} s, "
                      f"{len(failures)} failures so far", flush=True)
            print(f"{kind}: {sum(kinds.values())} mutants in {time.perf_counter() - start:.0f} s, seed {args.seed}",
                  flush=True)
            for name, n in sorted(kinds.items()):
                print(f"  {name:20} {n}", flush=True)
    print(f"failures: {len(failures)}")
    for name, problem in failures:
        print(f"  {name}: {problem}")


if __name__ == "__main__":
    main()
