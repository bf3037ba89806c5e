"""Reading files in a pool of worker processes: all cores, and a crash costs one file.

A reader that aborts the process (a native library on a pathological file), or a file that
exceeds the per-file CPU time or memory limit, kills only its worker. Each worker notes the
files of the chunk it is reading in a marker file; after a crash those files are retried one
at a time in a fresh worker, and the one that crashes again becomes a ``reader-crashed``
finding while the rest of the run goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from .findings import finding
from .model import Finding
from .reading import read_file

try:
    import resource  # POSIX only: per-worker memory and per-file CPU limits
except ImportError:  # Windows: the guard in scan still applies, without these limits
    resource = None

CPU_SECONDS_PER_FILE = 60
MEMORY_BYTES_PER_WORKER = 2 << 30
CHUNK = 16

_state: dict = {}


def _init(profile, marker_dir: str, limits: bool) -> None:
    _state.update(profile=profile, marker=os.path.join(marker_dir, str(os.getpid())), limits=limits)
    if limits and resource:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES_PER_WORKER, MEMORY_BYTES_PER_WORKER))


def _read_chunk(paths: list[str]) -> list[tuple]:
    out = []
    with open(_state["marker"], "w", encoding="utf-8") as fh:
        fh.write("\n".join(paths))
    for path in paths:
        if _state["limits"] and resource:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            used = int(usage.ru_utime + usage.ru_stime)
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            soft = used + CPU_SECONDS_PER_FILE
            resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
        try:
            out.append(read_file(path, _state["profile"]))
        except Exception:  # read_file reports bad files itself; this is the last line of defence
            out.append(([], [crashed(path)]))
    os.unlink(_state["marker"])
    return out


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


def crashed(path: str) -> Finding:
    return finding("reader-crashed", file=path, seconds=CPU_SECONDS_PER_FILE, gigabytes=MEMORY_BYTES_PER_WORKER >> 30)


def read_parallel(paths: list[str], profile, workers: int, progress=None, limits: bool = True, meanwhile=None):
    """read_file over ``paths`` in worker processes; results in input order.

    ``meanwhile`` is called once in this process after the work is handed out (the workers
    exist by then), to use the time it would spend waiting.
    """
    results: dict[int, tuple] = {}
    pending = list(range(len(paths)))
    with tempfile.TemporaryDirectory(prefix="perfxl-", ignore_cleanup_errors=True) as marker_dir:
        while pending:
            suspects = _run(paths, pending, profile, workers, marker_dir, limits, results, progress, meanwhile)
            meanwhile = None
            for index in suspects:
                if index in results:
                    continue
                _run(paths, [index], profile, 1, marker_dir, limits, results, progress)
                if index not in results:
                    results[index] = ([], [crashed(paths[index])])
                    if progress:
                        progress(paths[index])
            pending = [i for i in pending if i not in results]
    return [results[i] for i in range(len(paths))]


def _run(paths, indexes, profile, workers, marker_dir, limits, results, progress, meanwhile=None) -> list[int]:
    """One pool over ``indexes``; returns the indexes noted in markers if the pool broke."""
    chunks = [indexes[i:i + CHUNK] for i in range(0, len(indexes), CHUNK)]
    with ProcessPoolExecutor(max_workers=max(1, min(workers, len(chunks))), mp_context=_context(),
                             initializer=_init, initargs=(profile, marker_dir, limits)) as pool:
        futures = [(chunk, pool.submit(_read_chunk, [paths[i] for i in chunk])) for chunk in chunks]
        try:
            if meanwhile:
                meanwhile()
            for chunk, future in futures:
                for index, result in zip(chunk, future.result()):
                    results[index] = result
                    if progress:
                        progress(paths[index])
        except BrokenProcessPool:
            pass
        except BaseException:  # Ctrl-C: no new chunks; wait for the running ones (exit would anyway), so
            pool.shutdown(wait=True, cancel_futures=True)  # no worker writes a marker while the folder goes
            raise
    noted = []
    by_path = {paths[i]: i for i in indexes}
    for marker in Path(marker_dir).iterdir():
        for path in marker.read_text(encoding="utf-8").split("\n"):
            if path in by_path and by_path[path] not in results:
                noted.append(by_path[path])
        marker.unlink()
    return sorted(noted)
