"""Micro-batching of real-time submissions: requests that arrive while one engine call and its
transaction run wait a moment and then go together, in one engine call and one transaction.

Deciding a claim costs the engine a fixed ~tens of milliseconds whatever its size (the vectorized
stages), and SQLite has one writer; deciding concurrent submissions one by one would queue them
behind each other. Each of `lanes` worker threads takes what is waiting (up to `max_lines`), gives
stragglers `gather_ms` to join when nothing was waiting, and runs `claims.submit_many` (in a
planner process when there is one, app/planner.py). Two or more lanes decide at the same time (the
engine runs outside the write lock) and only their writes wait for each other; one planner decides
under the lock, as the only batch at a time. If a batch fails, each of its submissions is tried
alone, so one bad submission never sinks the others.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from concurrent.futures import Future

from zorgclaim.app.claims import Answer, Submission, submit_many
from zorgclaim.app.context import Context

# a request of at most this many lines (a FHIR Claim's items, an answer's lines) is read or rendered
# on the event loop: quicker than the hop to a worker thread, and too little to hold up the others
INLINE_LINES = 20


class Batcher:
    def __init__(self, ctx: Context, gather_ms: float = 4.0, max_lines: int = 2000, explain: bool = True,
                 lanes: int = 1, planner=None):
        self.ctx, self.gather, self.max_lines, self.explain = ctx, gather_ms / 1000, max_lines, explain
        self.planner = planner            # app.planner.Planner: deciding and writing in a process of its own
        self._q: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, name=f"zorgclaim-batcher-{k}", daemon=True)
                         for k in range(max(1, lanes))]
        for t in self._threads:
            t.start()
        self.batches = 0          # counts, for the benchmark's report
        self.submissions = 0

    def submit(self, sub: Submission, timeout: float | None = 120) -> Answer:
        """Decide one submission (blocks until its batch is written)."""
        return self._enqueue(sub).result(timeout).finished(sub)

    async def submit_async(self, sub: Submission, timeout: float | None = 120) -> Answer:
        """`submit` for a coroutine: waits for the batch without holding a worker thread."""
        answer = await asyncio.wait_for(asyncio.wrap_future(self._enqueue(sub)), timeout)
        # rendered on the request's side, so the batcher goes on with the next batch meanwhile:
        # a usual answer here, a long one on a worker thread (not to hold up the other requests)
        if sub.lines.height <= INLINE_LINES:
            return answer.finished(sub)
        return await asyncio.to_thread(answer.finished, sub)

    def _enqueue(self, sub: Submission) -> Future:
        f: Future = Future()
        self._q.put((sub, f))
        return f

    def close(self) -> None:
        self._stop.set()
        for _ in self._threads:
            self._q.put(None)
        for t in self._threads:
            t.join(timeout=10)
        if self.planner is not None:
            self.planner.close()

    def _take(self) -> list:
        # submissions that came while the last batch ran are the next batch as they are; only a
        # lane that was idle gives the first one's stragglers `gather` to join (when the planner
        # is busy all the time, a wait per batch would be time it cannot decide in)
        backlog = self._q.qsize() > 0
        first = self._q.get()
        if first is None:
            return []
        batch, lines = [first], first[0].lines.height
        deadline = time.monotonic() + (0 if backlog else self.gather)
        while lines < self.max_lines:
            wait = deadline - time.monotonic()
            try:
                item = self._q.get(timeout=wait) if wait > 0 else self._q.get_nowait()
            except queue.Empty:
                break
            if item is None:
                self._stop.set()
                break
            batch.append(item)
            lines += item[0].lines.height
        return batch

    def _loop(self) -> None:
        while not self._stop.is_set():
            batch = self._take()
            if not batch:
                continue
            self._run(batch)

    def _run(self, batch: list) -> None:
        subs = [s for s, _ in batch]
        try:
            answers = (self.planner.submit_many(subs, self.explain, self.ctx.today()) if self.planner
                       else submit_many(self.ctx, subs, explain=self.explain))
            self.batches += 1
            self.submissions += len(subs)
            for (_, f), a in zip(batch, answers):
                f.set_result(a)
        except Exception:  # noqa: BLE001 - try each alone; the failing one gets its own error
            if len(batch) == 1:
                import sys
                batch[0][1].set_exception(sys.exc_info()[1])
                return
            for item in batch:
                self._run([item])
