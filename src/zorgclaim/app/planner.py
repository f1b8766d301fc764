"""Deciding and writing real-time batches in processes of their own.

The engine's call on a small batch costs a fixed ~40 ms of Python and polars work, and writing it
~25 ms more. In the server's process both competed for the interpreter lock with reading and
answering the requests: under load the writing alone took ~40 ms where it takes ~25 ms on its own.
A planner process has the world (read from the same world folder) and its own connection to the
store; the server sends it a batch of submissions (their lines, who sent them, their keys) and it
runs `claims.submit_many` there: the members' state read, the engine, the writes, one
transaction (one planner makes its plan under the store's write lock; two plan first and check
under it). The server gets the answers back and renders
them; an answer kept under an Idempotency-Key is rendered inside the transaction, so the planner
asks the server for it over the same pipe (the server holds the request it answers).

Each planner is one process on one pipe: the lane that takes it sends and waits on the pipe
itself (no queue or result threads in between, each of which would wait for the interpreter
lock). A store in memory cannot be shared with another process: there the batch is decided and
written in the server's process (`Planner` is not used).
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


def _serve(conn, world_dir: str | None, url: str, one_cpu: bool = True, lock_first: bool = False) -> None:
    """The planner process: read the world, then decide and write what comes down the pipe until
    it closes (the server stopped or was killed)."""
    # Ctrl-C reaches the whole process group: the server stops its planners itself, after its
    # requests are answered (a planner ended first would fail the batches still being decided)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from zorgclaim.app.claims import Submission, submit_many
    from zorgclaim.app.context import open_context
    ctx = open_context(Path(world_dir) if world_dir else None, url)
    conn.send(("ready", pl.thread_pool_size()))

    def ask_server(subs, items):
        conn.send(("render", items))
        status, value = conn.recv()
        if status != "rendered":
            raise RuntimeError(f"the server could not render the answers to keep: {value}")
        return value

    while True:
        try:
            today, explain, sent = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        try:
            ctx.clock = lambda day=today: day       # the server's processing date
            subs = [Submission(p, lines, name, None, key, digest, received)
                    for p, lines, name, key, digest, received in sent]
            with on_one_cpu(one_cpu):
                reply = ("ok", submit_many(ctx, subs, explain, renderer=ask_server, lock_first=lock_first))
        except (EOFError, OSError):
            os._exit(0)
        except Exception as e:  # noqa: BLE001 - the server raises it for this batch
            reply = ("error", e)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            os._exit(0)
        except Exception:  # noqa: BLE001 - an error that cannot be pickled: its text instead
            conn.send(("error", RuntimeError(repr(reply[1]))))


def _rendered(subs: list, items: list) -> tuple:
    """The server's side of `ask_server`: the answers to keep under their keys, rendered here."""
    from zorgclaim.app.claims import render_answers
    try:
        return ("rendered", render_answers(subs, items))
    except Exception as e:  # noqa: BLE001 - the planner fails the batch (rolled back) and says why
        return ("failed", repr(e))


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

    def submit(self, subs: list, explain: bool, today) -> list:
        try:
            self.conn.send((today, explain, [(s.principal, s.lines, s.name, s.key, s.request_hash, s.received)
                                             for s in subs]))
            while True:
                status, value = self.conn.recv()
                if status != "render":
                    break
                self.conn.send(_rendered(subs, value))
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
        # one planner: the only batch the service decides at a time (claims.submit_many's lock_first)
        self._args = (str(world_dir) if world_dir else None, url, one_cpu, processes == 1)
        self._threads = threads
        self._idle: queue.Queue = queue.Queue()
        self._all = [_Process(self._args, threads) for _ in range(processes)]
        for p in self._all:
            self._idle.put(p)
        self._lock = threading.Lock()

    def submit_many(self, subs: list, explain: bool, today) -> list:
        """`claims.submit_many` run in a planner process: decided, written and committed there;
        the answers come back as `submit_many` gives them. A planner that dies meanwhile is
        started again and the batch fails: it may have been written before (the caller tries its
        submissions again, and a line already in is answered as sent before, 8021)."""
        p = self._idle.get()
        try:
            return p.submit(subs, explain, today)
        except PlannerDied:             # killed, out of memory: a new one for the next batch
            p = self._replace(p)
            raise
        finally:
            self._idle.put(p)

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
