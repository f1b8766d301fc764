"""Deciding real-time batches in processes of their own.

The engine's call on a small batch costs a fixed ~45 ms of Python and polars work. In the server's
process it competes for the interpreter lock with reading and answering the requests, and under
load took ~80 ms. A planner process has the world (read from the same world folder) and its own
connection to the store; the server sends it a batch's lines and gets back the members' state
before and after and the decisions (`store.repository.compute` there), and writes them itself,
under its lock, as before. What the plan rests on is checked under that lock as before
(`claims._still_holds`): a plan made on a state that changed meanwhile is made again.

Each planner is one process on one pipe: the lane that takes it sends and waits on the pipe
itself (no queue or result threads in between, each of which would wait for the interpreter
lock). A store in memory cannot be shared with another process: there the batch is decided in the
server's process (`Planner` is not used).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
from pathlib import Path

import polars as pl

from zorgclaim.app.one_cpu import on_one_cpu


def _serve(conn, world_dir: str | None, url: str, one_cpu: bool = True) -> None:
    """The planner process: read the world, then decide what comes down the pipe until it closes
    (the server stopped or was killed)."""
    # Ctrl-C reaches the whole process group: the server stops its planners itself, after its
    # requests are answered (a planner ended first would fail the batches still being decided)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from zorgclaim.app.context import open_context
    from zorgclaim.store.repository import compute
    ctx = open_context(Path(world_dir) if world_dir else None, url)
    conn.send(("ready", pl.thread_pool_size()))
    while True:
        try:
            lines, explain = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        try:
            with on_one_cpu(one_cpu), ctx.engine.connect() as db:
                c = compute(db, lines, ctx.world, explain)
            reply = ("ok", (c.before, c.after, c.decisions))
        except Exception as e:  # noqa: BLE001 - the server raises it for this batch
            reply = ("error", e)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            os._exit(0)


class PlannerDied(RuntimeError):
    """A planner process ended while deciding a batch."""


# polars' threads in a planner: one. A real-time batch is a few claims, and on frames that small
# polars' thread pool costs more than it gains - measured on the engine alone (bench/engine_threads.py):
# the same wall time, a quarter less CPU per call, and the server's two cores are its bottleneck
PLANNER_THREADS = 1
_SPAWN_LOCK = threading.Lock()


class _Process:
    def __init__(self, args: tuple, threads: int = PLANNER_THREADS):
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, *args), daemon=True, name="zorgclaim-planner")
        with _SPAWN_LOCK:               # polars reads its thread count from the environment at import
            before = os.environ.get("POLARS_MAX_THREADS")
            os.environ["POLARS_MAX_THREADS"] = str(threads)
            try:
                self.proc.start()
            finally:
                if before is None:
                    os.environ.pop("POLARS_MAX_THREADS")
                else:
                    os.environ["POLARS_MAX_THREADS"] = before
        child.close()
        ready, self.threads = self.conn.recv()  # its world read before the first request
        if ready != "ready":
            raise PlannerDied("the planner did not start")

    def compute(self, lines: pl.DataFrame, explain: bool) -> tuple:
        try:
            self.conn.send((lines, explain))
            status, value = self.conn.recv()
        except (EOFError, OSError) as e:
            raise PlannerDied("the planner ended while deciding a batch") from e
        if status == "error":
            raise value
        return value

    def stop(self) -> None:
        self.conn.close()
        self.proc.join(timeout=10)
        if self.proc.is_alive():
            self.proc.kill()


class Planner:
    """`processes` planner processes (one per lane), started with the server (spawned: a fresh
    interpreter, no copied threads)."""

    def __init__(self, world_dir: Path | None, url: str, processes: int = 1, threads: int = PLANNER_THREADS,
                 one_cpu: bool = True):
        self._args = (str(world_dir) if world_dir else None, url, one_cpu)
        self._threads = threads
        self._idle: queue.Queue = queue.Queue()
        self._all = [_Process(self._args, threads) for _ in range(processes)]
        for p in self._all:
            self._idle.put(p)
        self._lock = threading.Lock()

    def compute(self, lines: pl.DataFrame, world, explain: bool = True):
        """`store.repository.compute`, the engine run in a planner process. `world` (the server's)
        is what the writing needs: the contracts, the library, the reference and the review rules
        (none of them per member, so it is not restricted to the batch's members: that filter cost
        the server ~0.9 ms of CPU a batch on a world of 10,000 members) - not the facts the store adds (authorizations, watch list, a
        person's review), which the planner read for the engine and `persist` does not use."""
        from zorgclaim.store.repository import Computed
        p = self._idle.get()
        try:
            before, after, decisions = p.compute(lines, explain)
        except PlannerDied:             # killed, out of memory: a new one, and this batch once more
            p = self._replace(p)
            before, after, decisions = p.compute(lines, explain)
        finally:
            self._idle.put(p)
        members = lines["member_id"].unique().sort().to_list()
        return Computed(lines, members, world, before, after, decisions)

    def _replace(self, dead: _Process) -> _Process:
        with self._lock:
            dead.stop()
            new = _Process(self._args, self._threads)
            self._all[self._all.index(dead)] = new
            return new

    @property
    def pids(self) -> list[int]:
        return [p.proc.pid for p in self._all]

    @property
    def threads(self) -> list[int]:
        """The size of polars' thread pool in each planner, as the planner reported it."""
        return [p.threads for p in self._all]

    def close(self) -> None:
        for p in self._all:
            p.stop()
