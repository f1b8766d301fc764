"""The store's benchmark: intake + adjudication + persistence (decisions, engine state, ledger
transfers) of N generated lines on SQLite and on PostgreSQL, against the pure engine deciding the
same lines in the same batches in the same process (the baseline: what the database adds), and
against the database's floor: the time to write exactly the rows intake and process wrote, read
back from the store, into a fresh store with the same schema and indexes, one transaction, with the
store's bulk path (`store.bulk.bulk_insert`: COPY FROM STDIN as CSV on PostgreSQL, one prepared
executemany on SQLite).

    python bench/store.py                          # 1M lines, both databases (make bench-store)
    python bench/store.py --lines 100000 --backends sqlite

PostgreSQL: $ZORGCLAIM_TEST_POSTGRES_URL (set by scripts/with-postgres.sh, which `make bench-store`
uses) or --postgres URL. Writes bench/results/store-<stamp>.json and store-latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

import polars as pl

from run import HERE, PeakRSS, machine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--batch-size", type=int, default=20_000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--postgres", default=os.environ.get("ZORGCLAIM_TEST_POSTGRES_URL"))
    ap.add_argument("--no-explain", action="store_true", help="store decisions without their explanation steps")
    ap.add_argument("--seed", type=int, default=20251121)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()

    from zorgclaim.demo.generate import generate
    from zorgclaim.engine import State, adjudicate
    from zorgclaim.policy import load_library
    from zorgclaim.reference import load_reference
    from zorgclaim.store.db import connect
    from zorgclaim.store.repository import intake, process

    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB")
    lib, ref = load_library(), load_reference()
    t = time.perf_counter()
    book = generate(lib, ref, members=max(100, args.lines // 10), lines=args.lines, seed=args.seed)
    lines, world = book.lines, book.world
    n = lines.unique("line_id").height
    print(f"generated {lines.height:,} lines ({n:,} distinct ids) for {world.members.height:,} members "
          f"in {time.perf_counter() - t:.1f}s")
    explain = not args.no_explain
    results = {}

    # baseline: the pure engine on the same members' batches, no database
    members = lines.select("member_id").unique().sort("member_id")
    with PeakRSS() as peak:
        t = time.perf_counter()
        distinct = lines.unique("line_id", keep="first", maintain_order=True)
        order = distinct.join(members.with_row_index("k"), on="member_id").with_columns(
            (pl.col("k") // max(1, args.batch_size * members.height // max(1, distinct.height))).alias("b"))
        for part in order.partition_by("b", include_key=False):
            ids = part["member_id"].unique()
            adjudicate(part.drop("k"), world.restrict_to_members(ids), State(), explain=explain)
        sec = time.perf_counter() - t
    results["engine_only"] = {"lines": n, "seconds": round(sec, 2), "lines_per_second": round(n / sec),
                              "peak_rss_mib": round(peak.peak / 2**20)}
    print(f"engine only        {sec:8.1f}s  {n / sec:10,.0f} lines/s")

    for backend in args.backends.split(","):
        if backend == "sqlite":
            url = f"sqlite:///{tempfile.mkdtemp(prefix='zc-bench-')}/bench.db"
        elif backend == "postgresql":
            if not args.postgres:
                print("postgresql: skipped (no server; run through scripts/with-postgres.sh or pass --postgres)")
                continue
            url = _fresh_pg(args.postgres)
        else:
            raise SystemExit(f"unknown backend {backend!r}")
        engine = connect(url)
        with PeakRSS() as peak:
            t = time.perf_counter()
            r = intake(engine, lines, "bench.parquet", uuid.uuid4().hex, dt.date(2026, 1, 31))
            t_in = time.perf_counter() - t
            done = process(engine, world, batch_size=args.batch_size, explain=explain, booked=dt.date(2026, 1, 31))
            total = time.perf_counter() - t
        assert done == r.stored == n, (done, r.stored, n)
        results[backend] = {"lines": n, "intake_seconds": round(t_in, 2), "process_seconds": round(total - t_in, 2),
                            "seconds": round(total, 2), "lines_per_second": round(n / total),
                            "intake_lines_per_second": round(lines.height / t_in),
                            "peak_rss_mib": round(peak.peak / 2**20),
                            "time_over_engine_only": round(total / results["engine_only"]["seconds"], 2)}
        print(f"{backend:18s} {total:8.1f}s  {n / total:10,.0f} lines/s  (intake {t_in:.1f}s, "
              f"process {total - t_in:.1f}s; {total / results['engine_only']['seconds']:.1f}x the engine alone)")
        fresh = (f"sqlite:///{tempfile.mkdtemp(prefix='zc-floor-')}/floor.db" if backend == "sqlite"
                 else _fresh_pg(args.postgres))
        f = floor(engine, connect(fresh))
        results[backend].update({"floor_seconds": f["seconds"], "floor_rows": f["rows"], "floor_by_table": f["by_table"],
                                 "time_over_floor": round(total / f["seconds"], 2)})
        print(f"{'  its floor':18s} {f['seconds']:8.1f}s  ({f['rows']:,} rows in {len(f['by_table'])} tables; "
              f"intake + process took {total / f['seconds']:.1f}x the floor)")
        engine.dispose()
    report = {"when": dt.datetime.now().isoformat(timespec="seconds"), "machine": info, "lines": n,
              "batch_size": args.batch_size, "explain": explain, "results": results,
              "command": f"python bench/store.py --lines {args.lines} --batch-size {args.batch_size}"
                         + (" --no-explain" if not explain else "")}
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for name in (f"store-{stamp}.json", "store-latest.json"):
        (args.out / name).write_text(json.dumps(report, indent=2))
    print(json.dumps(results, indent=2))


# the tables intake and process write, parents before children
WRITTEN = ["intake_file", "claim_line", "intake_repeat", "batch", "decision", "state_history", "state_share",
           "state_counter", "state_effect", "ledger_transaction", "transfer", "review_item", "audit_event"]


def floor(written, fresh) -> dict:
    """Read back every row intake and process wrote (`written`, a store) and time writing them into
    `fresh` (a new store: same schema and indexes) in one transaction with the store's bulk path;
    the work queue's rows (one per line, deleted again by process) are written too. Returns the
    seconds, the rows and the seconds per table."""
    from zorgclaim.store.bulk import bulk_insert
    from zorgclaim.store.models import Base
    frames = {}
    with written.connect() as conn:
        for name in WRITTEN:
            frames[name] = pl.read_database(f'SELECT * FROM "{name}"', connection=conn, infer_schema_length=None)
    frames["pending_line"] = frames["claim_line"].select("line_id", "member_id")
    order = WRITTEN[:2] + ["pending_line"] + WRITTEN[2:]
    by_table = {}
    t0 = time.perf_counter()
    with fresh.begin() as conn:
        for name in order:
            t = time.perf_counter()
            bulk_insert(conn, Base.metadata.tables[name], frames[name])
            by_table[name] = round(time.perf_counter() - t, 2)
    seconds = time.perf_counter() - t0
    fresh.dispose()
    return {"seconds": round(seconds, 2), "rows": sum(f.height for f in frames.values()), "by_table": by_table}


def _fresh_pg(admin_url: str) -> str:
    from sqlalchemy import create_engine, text
    db = f"zc_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE DATABASE {db}"))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + db


if __name__ == "__main__":
    main()
