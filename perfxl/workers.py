"""Reading files in worker processes: every file, however few, so a crash costs one file.

A reader that panics or aborts the process (a native library on a pathological file), or a
file that exceeds the per-file CPU time or memory limit, kills only its worker. Each worker
notes in shared memory which file of its chunk it is reading; after a crash that file is
retried alone in a fresh worker, and if it crashes again it becomes one ``reader-crashed``
finding while the rest of the run goes on. Workers print nothing (a native panic's message
goes to a closed stderr) and end when the parent ends, however it ends; nothing is written
to disk (docs/safety.md).
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .findings import finding
from .model import Finding, share_texts
from .reading import read_file

try:
    import resource  # POSIX only: per-worker memory and per-file CPU limits
except ImportError:  # Windows: the guard in scan still applies, without these limits
    resource = None

CPU_SECONDS_PER_FILE = 60
MEMORY_BYTES_PER_WORKER = 2 << 30
CHUNK = 16  # files per chunk at least: one worker per 16 files
BIG_CHUNK = 64  # at most, in a large run: the main process spends ~250 us on each chunk's message
CHUNKS_PER_WORKER = 8  # at least, so that the last chunks keep every worker busy to the end
PR_SET_PDEATHSIG = 1  # linux/prctl.h

_state: dict = {}


def _end_with_parent() -> None:
    """Make this worker end when the parent process ends, even by SIGKILL.

    Linux: the kernel sends SIGKILL (prctl PR_SET_PDEATHSIG), which works even while a native
    reader holds the GIL. Elsewhere a thread waits on the parent's sentinel, a pipe that closes
    when the parent dies.
    """
    parent = multiprocessing.parent_process()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if parent is not None and os.getppid() != parent.pid:  # the parent died before prctl
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    if parent is not None:
        def watch():
            multiprocessing.connection.wait([parent.sentinel])
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()


def _init(profile, progress) -> None:
    _end_with_parent()
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_SETMASK, set())  # forked while the parent held them
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt ends
    for name in ("SIGTERM", "SIGHUP"):  # not the parent's handlers (inherited by fork)
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # a Rust panic or allocation failure writes here: the finding says it instead
    os.close(devnull)
    if faulthandler.is_enabled():  # (under pytest) it would dump a trace to its own copy of stderr
        faulthandler.disable()
    _state.update(profile=profile, progress=progress)
    if resource:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES_PER_WORKER, MEMORY_BYTES_PER_WORKER))
        _state["cpu_hard"] = resource.getrlimit(resource.RLIMIT_CPU)[1]  # the ceiling each file's limit stays under


def _read_chunk(number: int, paths: list[str]) -> list[tuple]:
    """Read one chunk; ``progress[number]`` is 1 + the position of the file being read."""
    share_texts()  # the last chunk's results were sent before this one was taken
    out = []
    for position, path in enumerate(paths):
        _state["progress"][number] = position + 1
        if resource:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            used = int(usage.ru_utime + usage.ru_stime)
            hard = _state["cpu_hard"]
            soft = used + CPU_SECONDS_PER_FILE
            resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
        try:
            out.append(read_file(path, _state["profile"]))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # read_file reports bad files itself; a pyo3 PanicException is a BaseException
            out.append(([], [crashed(path)]))
    return out


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


def crashed(path: str) -> Finding:
    return finding("reader-crashed", file=path, seconds=CPU_SECONDS_PER_FILE, gigabytes=MEMORY_BYTES_PER_WORKER >> 30)


def read_parallel(paths: list[str], profile, workers: int, progress=None, meanwhile=None):
    """read_file over ``paths`` in worker processes; results in input order.

    ``meanwhile`` is called once in this process after the work is handed out (the workers
    exist by then), to use the time it would spend waiting.
    """
    results: dict[int, tuple] = {}
    pending = list(range(len(paths)))
    while pending:
        before = len(results)
        suspects = _run(paths, pending, profile, workers, results, progress, meanwhile)
        meanwhile = None
        if not suspects and len(results) == before:  # the pool broke before any file was read
            suspects = pending[:1]
        for index in suspects:
            _run(paths, [index], profile, 1, results, progress)
            if index not in results:
                results[index] = ([], [crashed(paths[index])])
                if progress:
                    progress(paths[index])
        pending = [i for i in pending if i not in results]
    return [results[i] for i in range(len(paths))]


def _run(paths, indexes, profile, workers, results, progress, meanwhile=None) -> list[int]:
    """One pool over ``indexes``; if the pool broke, the indexes being read when it did."""
    size = min(BIG_CHUNK, max(CHUNK, len(indexes) // (workers * CHUNKS_PER_WORKER)))
    chunks = [indexes[i:i + size] for i in range(0, len(indexes), size)]  # a small run: one worker
    context = _context()
    reading = context.Array("i", len(chunks), lock=False)  # shared memory, no file
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(chunks))), mp_context=context,
                               initializer=_init, initargs=(profile, reading))
    try:
        with _signals_held():  # the workers are forked here: a signal now would be lost in an atfork hook
            futures = [(chunk, pool.submit(_read_chunk, n, [paths[i] for i in chunk])) for n, chunk in enumerate(chunks)]
        if meanwhile:
            meanwhile()
        for chunk, future in futures:
            for index, result in zip(chunk, future.result()):
                results[index] = result
                if progress:
                    progress(paths[index])
    except BrokenProcessPool:
        pass
    except BaseException:  # Ctrl-C, SIGTERM: stop the workers now, leave nothing running
        _stop(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    suspects = []
    for n, chunk in enumerate(chunks):
        at = reading[n]
        if at and chunk[at - 1] not in results:
            suspects.append(chunk[at - 1])
    return suspects


@contextlib.contextmanager
def _signals_held():
    """Ctrl-C, SIGTERM and SIGHUP held back while workers are forked, delivered right after.

    Arriving during os.fork, the interrupt would be raised in an at-fork hook and dropped there
    (“Exception ignored”), and the run would go on.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers (the executor has no public way; a reading worker cannot be asked).

    A worker killed while sending its results leaves half a message in the result pipe, and the
    pool's manager thread would wait for the rest forever (so would shutdown, and the process at
    exit). This process's copy of the pipe's writing end is closed too: once the workers are
    gone the reader sees the end of the pipe, and the manager thread gives up as on a broken pool.
    """
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        try:
            writer.close()
        except OSError:
            pass
