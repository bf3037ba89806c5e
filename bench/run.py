"""Benchmark perfxl consolidate against the floor and the naive way, in the same run.

    python bench/run.py                 # 1,000 and 10,000 forms, 3 rounds each
    python bench/run.py --sizes 1000 --rounds 5

Each round runs the commands one after another (alternating, so a noisy neighbour hits all of
them alike) as separate processes: the floor, perfxl consolidate, perfxl validate (which reads
the same way and writes nothing) and the naive way, and samples the resident memory of each process
tree every 10 ms. Prints the median wall time, the peak memory and the ratios. perfxl's
bytecode is compiled first, as an installed package's is.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak tree RSS of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode(errors='replace')[-500:]}")
    return elapsed, peak


def forms(n: int) -> Path:
    folder = OUT / f"forms-{n}"
    if not folder.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), str(folder)], check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-naive-above", type=int, default=20000,
                        help="leave out the naive baseline above this many forms (it takes minutes)")
    args = parser.parse_args()
    py = sys.executable
    print(f"machine: {os.cpu_count()} cores, {os.uname().machine}, Python {sys.version.split()[0]}")
    from perfxl import tablesheet

    if not tablesheet.FAST:
        print(f"note: xlsxwriter {tablesheet.xlsxwriter.__version__} is not the version TableSheet's fast path "
              "was checked against; the summary is written by xlsxwriter's slower public code")

    # An installed package has its bytecode cached after the first run; compile it now, so that a
    # machine with PYTHONDONTWRITEBYTECODE set does not time perfxl compiling its sources each run.
    import perfxl

    subprocess.run([py, "-m", "compileall", "-q", str(Path(perfxl.__file__).parent)], check=True)
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set here; perfxl's bytecode was compiled once before timing")

    help_times, noop_times = [], []
    for _ in range(5):
        noop_times.append(measure([py, "-c", "pass"])[0])
        help_times.append(measure([py, "-m", "perfxl", "--help"])[0])
    print(f"perfxl --help: {statistics.median(help_times):.3f} s (python -c pass: {statistics.median(noop_times):.3f} s)")

    for n in args.sizes:
        folder = forms(n)
        out = OUT / f"summary-{n}.xlsx"
        commands = {
            "floor": [py, str(HERE / "baselines.py"), "floor", str(folder), str(OUT / f"floor-{n}.xlsx")],
            "perfxl": [py, "-m", "perfxl", "consolidate", str(folder), "-o", str(out), "-q"],
            "validate": [py, "-m", "perfxl", "validate", str(folder), "--format", "json"],
        }
        if n <= args.skip_naive_above:
            commands["naive"] = [py, str(HERE / "baselines.py"), "naive", str(folder)]
        times = {k: [] for k in commands}
        peaks = {k: [] for k in commands}
        for _ in range(args.rounds):
            for name, cmd in commands.items():
                seconds, peak = measure(cmd)
                times[name].append(seconds)
                peaks[name].append(peak)
        print(f"\n{n} forms ({len(list(folder.glob('*.xlsx')))} files), median of {args.rounds}:")
        print(f"{'':9} {'wall s':>8} {'peak MB':>8}")
        med = {k: statistics.median(v) for k, v in times.items()}
        for name in commands:
            print(f"{name:9} {med[name]:8.2f} {max(peaks[name]) / 2**20:8.0f}")
        print(f"perfxl / floor = {med['perfxl'] / med['floor']:.2f} (target ≤ 1.5)")
        if "naive" in med:
            print(f"naive / perfxl = {med['naive'] / med['perfxl']:.1f} (target ≥ 8)")
            print(f"naive / validate = {med['naive'] / med['validate']:.1f} (both only read)")


if __name__ == "__main__":
    main()
