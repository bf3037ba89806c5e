"""Instructions executed by perfxl consolidate and by the floor, counted by valgrind: figures that do not move.

    python bench/instructions.py                 # 1,000 forms (about 2 minutes)
    python bench/instructions.py --sizes 1000 10000

CPU seconds on a shared 2-core machine move by a third between runs (bench/run.py's figures), too
much to tell a change of a few percent. valgrind's callgrind counts the machine instructions each
process executes: the same count for the same inputs, whatever else the machine is doing. Every
process of a run is counted, perfxl's workers too. A forked child inherits its parent's counts, so
each child's are zeroed where it starts (PyOS_AfterFork_Child).

What a count leaves out: time in the kernel (page faults, reading files), cache misses and waits.
An instruction of one program may cost more time than one of another, so this ratio is not the
CPU ratio bench/run.py prints; it tells whether a change made perfxl do less, and by how much.
Needs valgrind (Debian: apt-get install valgrind); runs are about 50 times slower than natively.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"


def instructions(cmd: list[str]) -> list[int]:
    """The instructions executed by each process of ``cmd`` (the first one started comes first)."""
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(["valgrind", "--tool=callgrind", "--zero-before=PyOS_AfterFork_Child",
                               f"--callgrind-out-file={folder}/out.%p", *cmd],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done.returncode not in (0, 1):  # 1: perfxl found errors in the forms, as it does in these
            sys.exit(f"{' '.join(cmd)} ended with {done.returncode}:\n{done.stderr.decode(errors='replace')[-2000:]}")
        counts = []
        for path in sorted(Path(folder).glob("out.*"), key=lambda p: int(p.suffix[1:])):
            totals = [line for line in path.read_text().splitlines() if line.startswith("totals:")]
            counts.append(sum(int(line.split()[1]) for line in totals))
        return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is needed: apt-get install valgrind")
    py = sys.executable
    sys.path.insert(0, str(ROOT))
    import perfxl

    print(f"perfxl from {Path(perfxl.__file__).parent}, Python {sys.version.split()[0]}")
    subprocess.run([py, "-m", "compileall", "-q", str(Path(perfxl.__file__).parent)], check=True)
    print(f"python -c pass: {sum(instructions([py, '-c', 'pass'])) / 1e6:,.0f} M instructions")
    for n in args.sizes:
        folder = OUT / f"forms-{n}"
        if not folder.exists():
            subprocess.run([py, str(HERE / "generate.py"), str(n), str(folder)], check=True)
        with tempfile.TemporaryDirectory() as out:
            commands = {
                "floor": [py, str(HERE / "baselines.py"), "floor", str(folder), f"{out}/floor.xlsx"],
                "consolidate": [py, "-m", "perfxl", "consolidate", str(folder), "-o", f"{out}/summary.xlsx", "-q"],
                "validate": [py, "-m", "perfxl", "validate", str(folder), "--format", "json", "-q"],
            }
            counts = {name: instructions(cmd) for name, cmd in commands.items()}
        print(f"\n{n} forms ({len(list(folder.glob('*.xlsx')))} files), millions of instructions:")
        print(f"{'':12} {'total':>9} {'per form':>9}  by process (the first is the main one)")
        for name, per_process in counts.items():
            print(f"{name:12} {sum(per_process) / 1e6:9,.0f} {sum(per_process) / n / 1e6:9.3f}  "
                  + " + ".join(f"{c / 1e6:,.0f}" for c in per_process))
        floor = sum(counts["floor"])
        print(f"consolidate / floor = {sum(counts['consolidate']) / floor:.3f} (instructions)")
        print(f"validate / floor = {sum(counts['validate']) / floor:.3f} (instructions)")


if __name__ == "__main__":
    main()
