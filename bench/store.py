"""The store's benchmark: intake + adjudication + persistence (decisions, engine state, ledger
transfers) of N generated lines on SQLite and on PostgreSQL, against the pure engine deciding the
same lines in the same batches in the same process (the baseline: what the database adds), and
against the database's floor: the time to write exactly the rows intake and process wrote, read
back from the store, into a fresh store with the same schema and indexes, one transaction, with the
store's bulk path (`store.bulk.bulk_insert`: COPY FROM STDIN as CSV on PostgreSQL, one prepared
executemany on SQLite) and, on PostgreSQL, by binary COPY (the database's fastest bulk path, through
the ADBC PostgreSQL driver).

    python bench/store.py                          # 1M lines, both databases (make bench-store)
    python bench/store.py --lines 100000 --backends sqlite

PostgreSQL: $ZORGCLAIM_TEST_POSTGRES_URL (set by scripts/with-postgres.sh, which `make bench-store`
uses) or --postgres URL. Writes bench/results/store-<stamp>.json, store-latest.json and store-latest.png.
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
        frames = written_rows(engine)
        f = floor(frames, connect(fresh))
        results[backend].update({"floor_seconds": f["seconds"], "floor_rows": f["rows"], "floor_by_table": f["by_table"],
                                 "time_over_floor": round(total / f["seconds"], 2)})
        print(f"{'  its floor':18s} {f['seconds']:8.1f}s  ({f['rows']:,} rows in {len(f['by_table'])} tables, the store's "
              f"bulk path; intake + process took {total / f['seconds']:.1f}x the floor)")
        if backend == "postgresql":
            b = binary_floor(frames, _fresh_pg(args.postgres))
            results[backend].update({"binary_floor_seconds": b["seconds"], "binary_floor_by_table": b["by_table"],
                                     "time_over_binary_floor": round(total / b["seconds"], 2)})
            print(f"{'  binary COPY':18s} {b['seconds']:8.1f}s  (the same rows by COPY ... FROM STDIN (FORMAT binary); "
                  f"intake + process took {total / b['seconds']:.1f}x)")
        del frames
        engine.dispose()
    report = {"when": dt.datetime.now().isoformat(timespec="seconds"), "machine": info, "lines": n,
              "batch_size": args.batch_size, "explain": explain, "results": results,
              "command": f"python bench/store.py --lines {args.lines} --batch-size {args.batch_size}"
                         + (" --no-explain" if not explain else "")}
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for name in (f"store-{stamp}.json", "store-latest.json"):
        (args.out / name).write_text(json.dumps(report, indent=2))
    chart(report, args.out / "store-latest.png")
    print(json.dumps(results, indent=2))


# the tables intake and process write, parents before children (provider_year is not listed:
# the database's triggers fill it as provider_year_patient is written, in the floor as in process)
WRITTEN = ["intake_file", "claim_line", "intake_repeat", "batch", "explanation_source", "decision", "state_history", "state_share",
           "state_counter", "state_effect", "ledger_transaction", "transfer", "account_balance", "deductible_uninvoiced",
           "provider_year_patient", "member_deductible", "review_item", "audit_event"]


def written_rows(written) -> dict[str, pl.DataFrame]:
    """Every row intake and process wrote (`written`, a store), read back per table, parents before
    children; the work queue's rows (one per line, deleted again by process) too."""
    frames = {}
    with written.connect() as conn:
        for name in WRITTEN:
            frames[name] = pl.read_database(f'SELECT * FROM "{name}"', connection=conn, infer_schema_length=None)
    frames["pending_line"] = frames["claim_line"].select("line_id", "member_id")
    return {name: frames[name] for name in WRITTEN[:2] + ["pending_line"] + WRITTEN[2:]}


def floor(frames: dict[str, pl.DataFrame], fresh) -> dict:
    """The time to write `frames` into `fresh` (a new store: same schema and indexes) in one
    transaction with the store's bulk path. Returns the seconds, the rows and the seconds per table."""
    from zorgclaim.store.bulk import bulk_insert
    from zorgclaim.store.models import Base
    order = list(frames)
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


def binary_floor(frames: dict[str, pl.DataFrame], url: str) -> dict:
    """PostgreSQL's fastest bulk path: the same rows into a fresh store (schema and indexes made by
    the store's migrations first) by COPY ... FROM STDIN in binary format, through the ADBC
    PostgreSQL driver's bulk ingest (Arrow in, binary COPY out), one transaction."""
    import adbc_driver_postgresql.dbapi as adbc

    from zorgclaim.store.db import connect
    from zorgclaim.store.models import Base
    connect(url).dispose()                       # the schema, as the store makes it
    typed = {name: _as_columns(frame, Base.metadata.tables[name]).to_arrow(compat_level=pl.CompatLevel.oldest())
             for name, frame in frames.items()}
    by_table = {}
    t0 = time.perf_counter()
    with adbc.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        with conn.cursor() as cur:
            for name, table in typed.items():
                t = time.perf_counter()
                if table.num_rows:
                    cur.adbc_ingest(name, table, mode="append")
                by_table[name] = round(time.perf_counter() - t, 2)
        conn.commit()
    return {"seconds": round(time.perf_counter() - t0, 2), "by_table": by_table}


def _as_columns(frame: pl.DataFrame, table) -> pl.DataFrame:
    """A frame with its table's columns in the table's types (binary COPY takes exactly the
    column's type: int4 for Integer, int8 for BigInteger)."""
    import sqlalchemy as sa
    kinds = ((sa.BigInteger, pl.Int64), (sa.Integer, pl.Int32), (sa.Boolean, pl.Boolean), (sa.DateTime, pl.Datetime("us")),
             (sa.Date, pl.Date), (sa.LargeBinary, pl.Binary), (sa.String, pl.String))
    cols = [c for c in table.columns if c.name in frame.columns]
    return frame.select(pl.col(c.name).cast(next(d for k, d in kinds if isinstance(c.type, k))) for c in cols)


def chart(report: dict, path: Path) -> None:
    """Lines per second of each run and of its floors (the floors: the same rows, lines per second
    of the lines they carry), on one bar chart."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    n, res = report["lines"], report["results"]
    bars = [("engine alone", res["engine_only"]["lines_per_second"], "#999")]
    for backend in ("sqlite", "postgresql"):
        if backend in res:
            r = res[backend]
            bars.append((f"{backend}: intake + process", r["lines_per_second"], "#2a7"))
            bars.append((f"{backend}: floor (store's bulk path)", round(n / r["floor_seconds"]), "#bbb"))
            if "binary_floor_seconds" in r:
                bars.append((f"{backend}: floor (binary COPY)", round(n / r["binary_floor_seconds"]), "#bbb"))
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(bars) + 1.2))
    drawn = ax.barh([b[0] for b in bars][::-1], [b[1] for b in bars][::-1], color=[b[2] for b in bars][::-1])
    for b, (_, v, _) in zip(drawn, bars[::-1]):
        ax.text(v, b.get_y() + b.get_height() / 2, f" {v:,.0f}", va="center", fontsize=8)
    ax.set_xlabel("lines per second")
    m = report["machine"]
    ax.set_title(f"zorgclaim store, {n:,} lines, explanations {'stored' if report['explain'] else 'off'} - "
                 f"{m['cores']} cores, {m['cpu'][:24]}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


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
