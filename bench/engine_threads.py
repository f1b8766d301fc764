"""The engine's call on a real-time batch with polars on one thread against its default pool.

Why: the server's planners decide batches of a few claims, and the server's two cores are its
bottleneck under load (docs/performance.md). polars reads its thread count once, at import, so each
setting runs in a fresh interpreter; both measure the same batch of the same book, one after the
other, alternating, and the result is the ratio between them.

    python bench/engine_threads.py [--claims 4] [--items 4] [--rounds 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent

_CHILD = """
import json, random, statistics, sys, time
sys.path[:0] = [{bench!r}, {tests!r}]
from pathlib import Path
import polars as pl
import api_load
from service_support import make_book
from zorgclaim.engine import adjudicate
from zorgclaim.formats.fhir.claim_in import read_fhir
from zorgclaim.store.repository import load_state, with_added_facts
book = make_book(Path({folder!r}), {url!r}, members=2000, lines=20000, seed=20251121)
w = book.ctx.world
agbs = w.providers.filter(pl.col("kind") == "fysiotherapie")["agb"].to_list()
members = w.members.filter(pl.col("death_date").is_null())["member_id"].to_list()
rng = random.Random(1)
lines = pl.concat([read_fhir(api_load.claim(rng.choice(members), rng.choice(agbs), {items}, k), api_load.TODAY).lines
                   for k in range({claims})])
ms = lines["member_id"].unique().sort().to_list()
with book.ctx.engine.connect() as conn:
    state = load_state(conn, ms)
    world = with_added_facts(conn, w.restrict_to_members(pl.Series(ms)), ms)
adjudicate(lines, world, state)
walls, cpus = [], []
for _ in range({rounds}):
    c, t = time.process_time(), time.perf_counter()
    adjudicate(lines, world, state)
    walls.append(time.perf_counter() - t); cpus.append(time.process_time() - c)
print(json.dumps({{"threads": pl.thread_pool_size(), "wall_ms": statistics.median(walls) * 1000,
                   "cpu_ms": statistics.median(cpus) * 1000}}))
"""


def run(threads: int | None, folder: Path, args) -> dict:
    env = dict(os.environ)
    env.pop("POLARS_MAX_THREADS", None)
    if threads:
        env["POLARS_MAX_THREADS"] = str(threads)
    code = _CHILD.format(bench=str(ROOT), tests=str(ROOT.parent / "tests"), folder=str(folder),
                         url=f"sqlite:///{folder / 'store.db'}", items=args.items, claims=args.claims, rounds=args.rounds)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=4, help="Claims in the batch (the server averaged 3.5 under load)")
    ap.add_argument("--items", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from api_load import machine
    folder = Path(tempfile.mkdtemp(prefix="zc-engine-threads-"))
    runs = []
    for _ in range(args.repeat):
        for threads in (None, 1):
            r = run(threads, folder, args)
            print(json.dumps(r), flush=True)
            runs.append(r)
    one = [r for r in runs if r["threads"] == 1]
    pool = [r for r in runs if r["threads"] != 1]
    ratio = {k: round(statistics.median(r[k] for r in one) / statistics.median(r[k] for r in pool), 2)
             for k in ("wall_ms", "cpu_ms")}
    out = {"when": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(), "claims": args.claims,
           "items": args.items, "rounds": args.rounds, "runs": runs, "one_thread_over_default": ratio}
    (ROOT / "results").mkdir(exist_ok=True)
    path = ROOT / "results" / f"engine-threads-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(out, indent=1))
    print(json.dumps(ratio))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
