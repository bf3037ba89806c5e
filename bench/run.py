"""Benchmark perfxl consolidate against the floor and the naive way, in the same run.

    python bench/run.py                 # 1,000 and 10,000 forms, 3 rounds each
    python bench/run.py --sizes 1000 --rounds 5
    python bench/run.py --busy          # the same with one core kept busy by another process
    python bench/run.py --sizes 10000 100000 --rounds 1

Each round runs the commands one after another (alternating, so a noisy neighbour hits all of
them alike) as separate processes: the floor, perfxl consolidate, perfxl validate (which reads
the same way and writes nothing) and the naive way. For each it takes the wall time, the CPU
time (user + system) of the whole process tree from os.wait4 — perfxl's worker processes are
its children and reaped by it, so their CPU is included — and samples the tree's resident memory
every 10 ms (RSS: pages a forked child shares with its parent count twice) and its proportional
memory every 0.25 s (PSS, from smaps_rollup: each shared page counted once, split between its
sharers; the memory the tree takes from the machine; reading it costs ~50 ms per GB, hence less
often). Prints the medians, the peak memory and the ratios issue 16 sets targets for. The
CPU is also summed from the same /proc samples; a warning says when the two disagree (a
descendant that was not reaped). perfxl's bytecode is compiled first, as an installed package's is.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


def tree_sample(pid: int) -> dict[int, tuple[float, int]]:
    """CPU seconds and resident bytes of a process and each of its descendants, from /proc."""
    out, todo = {}, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rpartition(")")[2].split()
            out[p] = ((int(fields[11]) + int(fields[12])) / TICK, int(fields[21]) * PAGE)
            for task in os.listdir(f"/proc/{p}/task"):  # a child belongs to the thread that started it
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
            continue
    return out


def tree_pss(pids) -> int:
    """The proportional set size of these processes, in bytes (0 for one that has ended)."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next((int(line.split()[1]) * 1024 for line in fh if line.startswith("Pss:")), 0)
        except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
            continue
    return total


def measure(cmd: list[str]) -> tuple[float, float, int, float, int]:
    """Wall seconds, tree CPU seconds (rusage), peak tree RSS, tree CPU summed from /proc samples,
    peak tree PSS."""
    peak, peak_pss, cpu_seen, done = 0, 0, {}, threading.Event()
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        # cwd: "python -m" puts the working folder first on sys.path, before PYTHONPATH (another checkout's perfxl).
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)

        def sample():
            nonlocal peak, peak_pss
            next_pss = 0.0
            while not done.is_set():
                now = tree_sample(proc.pid)
                peak = max(peak, sum(rss for _, rss in now.values()))
                cpu_seen.update((p, cpu) for p, (cpu, _) in now.items())
                if time.perf_counter() >= next_pss:
                    peak_pss = max(peak_pss, tree_pss(now))
                    next_pss = time.perf_counter() + 0.25
                time.sleep(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        if proc.returncode not in (0, 1):
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.read().decode(errors='replace')[-500:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, peak, sum(cpu_seen.values()), peak_pss


def forms(n: int) -> Path:
    folder = OUT / f"forms-{n}"
    if not folder.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), str(folder)], check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", action="store_true",
                        help="keep one core busy with a spinning process for the whole run (a busy office PC)")
    parser.add_argument("--skip-naive-above", type=int, default=20000,
                        help="leave out the naive baseline above this many forms (it takes minutes)")
    args = parser.parse_args()
    py = sys.executable
    # Time this checkout's perfxl, not whichever one is installed (an editable install of another worktree).
    sys.path.insert(0, str(ROOT))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    print(f"machine: {os.cpu_count()} cores, {os.uname().machine}, Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.1f} before the run")
    from perfxl import tablesheet

    if not tablesheet.FAST:
        print(f"note: xlsxwriter {tablesheet.xlsxwriter.__version__} is not the version TableSheet's fast path "
              "was checked against; the summary is written by xlsxwriter's slower public code")

    # An installed package has its bytecode cached after the first run; compile it now, so that a
    # machine with PYTHONDONTWRITEBYTECODE set does not time perfxl compiling its sources each run.
    import perfxl

    print(f"perfxl from {Path(perfxl.__file__).parent}")
    subprocess.run([py, "-m", "compileall", "-q", str(Path(perfxl.__file__).parent)], check=True)
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set here; perfxl's bytecode was compiled once before timing")
    folders = {n: forms(n) for n in args.sizes}

    busy = subprocess.Popen([py, "-c", "while True: pass"]) if args.busy else None
    if busy:
        print("busy: one other process spins on a core for the whole run")
    try:
        run(args, py, folders)
    finally:
        if busy:
            busy.kill()
            busy.wait()


def run(args, py: str, folders: dict[int, Path]) -> None:
    help_times, noop_times = [], []
    for _ in range(5):
        noop_times.append(measure([py, "-c", "pass"])[0])
        help_times.append(measure([py, "-m", "perfxl", "--help"])[0])
    print(f"perfxl --help: {statistics.median(help_times):.3f} s (python -c pass: {statistics.median(noop_times):.3f} s)")

    per_form = {}
    for n, folder in folders.items():
        out = OUT / f"summary-{n}.xlsx"
        commands = {
            "floor": [py, str(HERE / "baselines.py"), "floor", str(folder), str(OUT / f"floor-{n}.xlsx")],
            "consolidate": [py, "-m", "perfxl", "consolidate", str(folder), "-o", str(out), "-q", "--force"],
            "validate": [py, "-m", "perfxl", "validate", str(folder), "--format", "json"],
        }
        if n <= args.skip_naive_above:
            commands["naive"] = [py, str(HERE / "baselines.py"), "naive", str(folder)]
        runs = {k: [] for k in commands}
        for _ in range(args.rounds):
            for name, cmd in commands.items():
                runs[name].append(measure(cmd))
        wall = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
        cpu = {k: statistics.median(r[1] for r in v) for k, v in runs.items()}
        peak = {k: max(r[2] for r in v) for k, v in runs.items()}
        pss = {k: max(r[4] for r in v) for k, v in runs.items()}
        seen = [r[3] / r[1] for v in runs.values() for r in v]
        print(f"\n{n} forms ({len(list(folder.glob('*.xlsx')))} files), median of {args.rounds}"
              f"{', one core busy' if args.busy else ''}:")
        print(f"{'':11} {'wall s':>8} {'CPU s':>8} {'RSS MB':>8} {'PSS MB':>8}")
        for name in commands:
            print(f"{name:11} {wall[name]:8.2f} {cpu[name]:8.2f} {peak[name] / 2**20:8.0f} {pss[name] / 2**20:8.0f}")
        per_form[n] = (wall["consolidate"] / n, cpu["consolidate"] / n)
        print(f"consolidate per form: {per_form[n][0] * 1e6:.0f} µs wall, {per_form[n][1] * 1e6:.0f} µs CPU")
        print(f"consolidate CPU / floor CPU = {cpu['consolidate'] / cpu['floor']:.2f} (target ≤ 1.0)")
        print(f"consolidate wall / floor wall = {wall['consolidate'] / wall['floor']:.2f} "
              f"(target ≤ 0.6 at 10,000 forms on 2 free cores)")
        if "naive" in wall:
            print(f"naive / consolidate = {wall['naive'] / wall['consolidate']:.1f} (wall)")
        print(f"CPU from /proc samples ÷ CPU from wait4: {min(seen):.2f}–{max(seen):.2f}")
        if max(seen) > 1.05:
            print("warning: some process of a tree was not reaped by its parent; its CPU is missing above")
        if n > 10000:
            print(f"peak of the consolidate tree: {pss['consolidate'] / 2**30:.2f} GB PSS (target ≤ 1.5 GB); "
                  f"RSS summed over its processes {peak['consolidate'] / 2**30:.2f} GB")
            if 10000 in per_form:
                base = per_form[10000]
                print(f"consolidate per form / at 10,000 forms: wall {per_form[n][0] / base[0]:.2f}, "
                      f"CPU {per_form[n][1] / base[1]:.2f} (target ≤ 1.10)")


if __name__ == "__main__":
    main()
