"""Keeping a process's threads on one CPU for a stretch of work.

polars runs each eager DataFrame operation on its pool's thread while the caller waits. On this
project's machine (a 2-core virtual machine) waking a thread on the other CPU is costly: a 16-row
filter took 148 us against 52 us with both threads on one CPU, and the engine alone on 4 Claims
64-69 ms against 45-46 ms. `on_one_cpu` keeps the threads on the CPU the caller runs on when the
block starts - not a fixed one: a planner pinned to a fixed CPU for good waited for it under load
while the other was free (docs/performance.md). Where the calls are missing (not Linux), it does
nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import os


def _sched_getcpu():
    try:
        f = ctypes.CDLL(None).sched_getcpu          # glibc and musl
    except (AttributeError, OSError):
        return None
    f.restype = ctypes.c_int
    return f if hasattr(os, "sched_setaffinity") else None


_GETCPU = _sched_getcpu()
CAN_KEEP = _GETCPU is not None


def current_cpu() -> int:
    """The CPU this thread runs on (-1 where that cannot be asked)."""
    return _GETCPU() if CAN_KEEP else -1


@contextlib.contextmanager
def on_one_cpu(keep: bool = True):
    """Every thread of this process on the CPU this one runs on for the length of the block; after
    it they may run wherever this one could before it."""
    cpu = current_cpu() if keep else -1
    if cpu < 0:
        yield
        return
    allowed = os.sched_getaffinity(0)
    kept = _set_all(os.listdir("/proc/self/task"), {cpu})
    try:
        yield
    finally:
        _set_all(kept, allowed)


def _set_all(tids, cpus: set[int]) -> list:
    done = []
    for t in tids:
        try:
            os.sched_setaffinity(int(t), cpus)
            done.append(t)
        except OSError:         # a thread that ended meanwhile
            pass
    return done

