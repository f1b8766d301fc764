"""Deciding real-time batches in a process of their own.

The engine's call on a small batch costs a fixed ~45 ms of Python and polars work. In the server's
process it competes for the interpreter lock with reading and answering the requests, and under
load took ~80 ms. A planner process has the world (read from the same world folder) and its own
connection to the store; the server sends it a batch's lines and gets back the members' state
before and after and the decisions (`store.repository.compute` there), and writes them itself,
under its lock, as before. What the plan rests on is checked under that lock as before
(`claims._still_holds`): a plan made on a state that changed meanwhile is made again.

A store in memory cannot be shared with another process: there the batch is decided in the
server's process (`Planner` is not used).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import polars as pl

_ctx = None        # the planner process's context


def _start(world_dir: str | None, url: str) -> None:
    global _ctx
    from zorgclaim.app.context import open_context
    _ctx = open_context(Path(world_dir) if world_dir else None, url)
    # Ctrl-C reaches the whole process group: the server stops its planners itself, after its
    # requests are answered (a planner ended first would fail the batches still being decided)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with_parent, args=(os.getppid(),), daemon=True).start()


def _end_with_parent(parent: int) -> None:
    """A server killed (not stopped) cannot end its planner: the planner ends itself when it sees
    that it has another parent, so no process is left holding a connection to the store."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _compute(lines: pl.DataFrame, explain: bool) -> tuple:
    from zorgclaim.store.repository import compute
    with _ctx.engine.connect() as conn:
        c = compute(conn, lines, _ctx.world, explain)
    return c.before, c.after, c.decisions


class Planner:
    """One planner process, started with the server (spawned: a fresh interpreter, no copied threads)."""

    def __init__(self, world_dir: Path | None, url: str, processes: int = 1):
        self._args, self._processes = (str(world_dir) if world_dir else None, url), processes
        self._lock = threading.Lock()
        self._pool = self._started()

    def _started(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(self._processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start, initargs=self._args)
        # started, each with its world read, before the first request
        for f in [pool.submit(time.sleep, 0.2) for _ in range(self._processes)]:
            f.result()
        return pool

    def compute(self, lines: pl.DataFrame, world, explain: bool = True):
        """`store.repository.compute`, the engine run in the planner process. `world` (the server's)
        is what the writing needs: the contracts, the library and the review rules, restricted to
        the batch's members - not the facts the store adds (authorizations, watch list, a person's
        review), which the planner read for the engine and `persist` does not use."""
        from zorgclaim.store.repository import Computed
        pool = self._pool
        try:
            before, after, decisions = pool.submit(_compute, lines, explain).result()
        except BrokenProcessPool:       # a planner died (killed, out of memory): new ones, once
            with self._lock:            # (both lanes see it; the first starts them, the other uses them)
                if self._pool is pool:
                    self._pool = self._started()
            before, after, decisions = self._pool.submit(_compute, lines, explain).result()
        members = lines["member_id"].unique().sort().to_list()
        return Computed(lines, members, world.restrict_to_members(pl.Series(members)), before, after, decisions)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
