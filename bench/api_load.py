"""Load on `zorgclaim serve`: single-claim FHIR `Claim/$submit` from many concurrent clients, with
persistence on (every answer is a decision written to the store with its ledger transfers).

    python api_load.py [--db sqlite|postgresql] [--clients 32] [--seconds 60] [--items 4] [--lines 100000]
                       [--client aiohttp|httpx]

A book is generated and taken through the store first (the demo's size by default), a provider
user per request's practice is not needed: a claims handler submits for any practice. The load
client is one asyncio process on loopback (aiohttp, about 1 ms of CPU a request; `--client httpx`
took 3-4 ms: it shares the machine's two cores with the server); each client sends its next claim when the
previous is answered. Reported: latency percentiles, claims/s and lines/s, errors, and beside
them the engine alone on a batch of the same shape (no HTTP, no store). Results go to
results/api-<time>.json. PostgreSQL: ZORGCLAIM_TEST_POSTGRES_URL (scripts/with-postgres.sh sets it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import polars as pl

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "tests"))
TODAY = dt.date(2026, 11, 26)


def machine() -> dict:
    cpu = "?"
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = 0
    try:
        mem = int(next(ln.split()[1] for ln in open("/proc/meminfo") if ln.startswith("MemTotal"))) // 1024
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mib": mem, "python": platform.python_version()}


def claim(member: str, agb: str, items: int, n: int) -> dict:
    ident = f"LOAD-{n}-{uuid.uuid4().hex[:10]}"
    day = TODAY - dt.timedelta(days=30)
    return {"resourceType": "Claim", "id": "c", "status": "active", "use": "claim",
            "identifier": [{"system": "urn:load", "value": ident}],
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
            "patient": {"reference": "#p"}, "created": TODAY.isoformat(), "provider": {"reference": "#o"},
            "priority": {"coding": [{"code": "normal"}]},
            "contained": [{"resourceType": "Patient", "id": "p",
                           "identifier": [{"system": "urn:zorgclaim:member-number", "value": member}]},
                          {"resourceType": "Organization", "id": "o",
                           "identifier": [{"system": "http://fhir.nl/fhir/NamingSystem/agb-z", "value": agb}]}],
            "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "basis"}}],
            "item": [{"sequence": k + 1, "productOrService": {"coding": [
                {"system": "urn:zorgclaim:service-code", "code": "fysio/1000"}]},
                "servicedDate": (day + dt.timedelta(days=3 * k)).isoformat(),
                "net": {"value": 39.0, "currency": "EUR"}} for k in range(items)]}


@contextlib.asynccontextmanager
async def _http_client(kind: str, base: str, clients: int):
    """A `post(path, body, headers) -> (status, body bytes)` over `clients` kept-alive connections:
    aiohttp (the default) or httpx, which takes three to four times aiohttp's CPU per request. The load
    generator shares the machine's two cores with the server, so what it takes is not the server's."""
    if kind == "aiohttp":
        import aiohttp
        async with aiohttp.ClientSession(base, connector=aiohttp.TCPConnector(limit=clients),
                                         timeout=aiohttp.ClientTimeout(total=60)) as session:
            async def post(path, body, headers):
                async with session.post(path, data=body, headers=headers) as r:
                    return r.status, await r.read()
            yield post
        return
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        async def post(path, body, headers):
            r = await http.post(path, content=body, headers=headers)
            return r.status_code, r.content
        yield post


async def run_load(base: str, token: str, pairs: list[tuple[str, str]], clients: int, seconds: float, items: int,
                   warmup: float, rate: float | None = None, client: str = "httpx") -> dict:
    """`clients` concurrent clients, each sending its next claim when the previous is answered
    (closed loop: the service's capacity), or - with `rate` (claims per second over all clients) -
    at its share of that rate, on a fixed schedule (a client whose answer comes late sends the next
    at once: it never has two claims open)."""
    latencies, statuses, lines = [], {}, 0
    stop_at = time.monotonic() + warmup + seconds
    measure_from = time.monotonic() + warmup
    counter = 0
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/fhir+json"}
    async with _http_client(client, base, clients) as post:
        async def one_client(k: int):
            nonlocal counter, lines
            rng = random.Random(k)
            interval = clients / rate if rate else 0.0
            next_at = time.monotonic() + rng.random() * interval
            while time.monotonic() < stop_at:
                if interval:
                    delay = next_at - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    next_at = max(next_at + interval, time.monotonic())
                counter += 1
                member, agb = rng.choice(pairs)
                body = json.dumps(claim(member, agb, items, counter))
                t0 = time.monotonic()
                status, answer = await post("/fhir/Claim/$submit", body, headers)
                t1 = time.monotonic()
                if t0 >= measure_from and t1 <= stop_at:
                    latencies.append(t1 - t0)
                    statuses[status] = statuses.get(status, 0) + 1
                    if status == 200:
                        lines += len(json.loads(answer).get("item", []))
        t_start = time.monotonic()
        await asyncio.gather(*(one_client(k) for k in range(clients)))
        wall = time.monotonic() - max(t_start, measure_from)
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 1) if latencies else None
    ok = statuses.get(200, 0)
    return {"clients": clients, "offered_claims_per_s": rate, "items_per_claim": items, "seconds": round(wall, 1),
            "requests": len(latencies),
            "statuses": statuses, "claims_per_s": round(ok / wall, 1), "lines_per_s": round(lines / wall, 1),
            "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99), "max_ms": pct(100),
            "mean_ms": round(statistics.mean(latencies) * 1000, 1) if latencies else None}


def engine_only(book, pairs: list[tuple[str, str]], clients: int, items: int, rounds: int = 10) -> dict:
    """The engine alone (no HTTP, no store writes) on one batch of `clients` claims of `items` lines
    - what one micro-batch held on average under the load - against the members' state in the store."""
    from zorgclaim.engine import adjudicate
    from zorgclaim.formats.fhir.claim_in import read_fhir
    from zorgclaim.store.repository import load_state, with_added_facts
    rng = random.Random(7)
    frames = [read_fhir(claim(*rng.choice(pairs), items, n), TODAY).lines for n in range(clients)]
    lines = pl.concat(frames)
    members = lines["member_id"].unique().sort().to_list()
    with book.ctx.engine.connect() as conn:
        state = load_state(conn, members)
        world = with_added_facts(conn, book.ctx.world.restrict_to_members(pl.Series(members)), members)
    adjudicate(lines, world, state)
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        adjudicate(lines, world, state)
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    return {"batch_lines": lines.height, "median_ms": round(med * 1000, 1), "lines_per_s": round(lines.height / med, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--items", type=int, default=4)
    ap.add_argument("--rate", type=float, default=None, help="Offered claims per second over all clients (default: "
                    "each client sends as soon as it has its answer)")
    ap.add_argument("--lanes", type=int, default=None, help="Engine calls the server runs at once (default: the "
                    "server's: 2 with planner processes)")
    ap.add_argument("--no-plan-process", action="store_true", help="Decide in the server's own process")
    ap.add_argument("--plan-threads", type=int, default=1, help="polars threads in each planner process")
    ap.add_argument("--no-plan-one-cpu", action="store_true", help="Let a planner's threads run on any CPU during a call")
    ap.add_argument("--workers", type=int, default=1, help="Server processes")
    ap.add_argument("--lines", type=int, default=100_000, help="Size of the book taken through the store first")
    ap.add_argument("--gather-ms", type=float, default=4.0)
    ap.add_argument("--client", choices=["httpx", "aiohttp"], default="aiohttp", help="The load generator's HTTP client (aiohttp: about a quarter of httpx's CPU per request, which the server then has)")
    ap.add_argument("--keep", help="Folder to keep (and reuse) the book and store in")
    ap.add_argument("--plan", help="Several loads on one server, e.g. '1@0,1@300,4@75': items per claim @ offered "
                    "claims/s (0: closed loop); overrides --items and --rate")
    args = ap.parse_args()
    from service_support import Server, make_book
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="zc-api-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.db == "sqlite":
        url = f"sqlite:///{folder / 'store.db'}"
    else:
        pg = os.environ.get("ZORGCLAIM_TEST_POSTGRES_URL")
        if not pg:
            sys.exit("--db postgresql needs ZORGCLAIM_TEST_POSTGRES_URL (run under scripts/with-postgres.sh)")
        from sqlalchemy import create_engine, text
        db = f"zc_load_{uuid.uuid4().hex[:8]}"
        with create_engine(pg, isolation_level="AUTOCOMMIT").connect() as c:
            c.execute(text(f"CREATE DATABASE {db}"))
        url = pg.rsplit("/", 1)[0] + "/" + db
    t0 = time.perf_counter()
    book = make_book(folder, url, members=max(100, args.lines // 10), lines=args.lines, seed=20251121)
    setup = time.perf_counter() - t0
    print(f"book of {args.lines:,} lines through the store in {setup:.0f}s ({args.db})", flush=True)
    w = book.ctx.world
    agbs = w.providers.filter(pl.col("kind") == "fysiotherapie")["agb"].to_list()
    members = w.members.filter(pl.col("death_date").is_null())["member_id"].to_list()
    rng = random.Random(1)
    pairs = [(rng.choice(members), rng.choice(agbs)) for _ in range(5000)]
    plan = ([(int(a), float(b) or None) for a, b in (p.split("@") for p in args.plan.split(","))] if args.plan
            else [(args.items, args.rate)])
    server = Server(book, gather_ms=args.gather_ms, lanes=args.lanes, workers=args.workers,
                    plan_process=not args.no_plan_process, plan_threads=args.plan_threads,
                    plan_one_cpu=not args.no_plan_one_cpu)
    loads = []
    try:
        token = server.token("handler")
        for items, rate in plan:
            own0, kids0 = _cpu_split(server.proc.pid)
            before = httpx.get(server.base + "/healthz").json()["real_time"]
            client0 = time.process_time()
            result = asyncio.run(run_load(server.base, token, pairs, args.clients, args.seconds, items, args.warmup, rate,
                                            args.client))
            # the load generator runs on the same machine: what it took of the cores
            result["client_cpu_s"] = round(time.process_time() - client0, 1)
            own1, kids1 = _cpu_split(server.proc.pid)
            result["server_cpu_s"] = round(own1 + kids1 - own0 - kids0, 1)
            # of which the server's own process (HTTP, reading, writing) and its planners (the engine)
            result["server_own_cpu_s"], result["planners_cpu_s"] = round(own1 - own0, 1), round(kids1 - kids0, 1)
            after = httpx.get(server.base + "/healthz").json()["real_time"]
            n = after["batches"] - before["batches"]
            result["engine_calls"] = n
            result["claims_per_engine_call"] = round((after["submissions"] - before["submissions"]) / max(n, 1), 1)
            result["engine_only"] = engine_only(book, pairs, max(1, round(result["claims_per_engine_call"])), items)
            print(json.dumps(result), flush=True)
            loads.append(result)
    finally:
        server.stop()
    out = {"when": dt.datetime.now().isoformat(timespec="seconds"), "db": args.db, "machine": machine(),
           "book_lines": args.lines, "book_setup_s": round(setup, 1), "gather_ms": args.gather_ms, "lanes": args.lanes,
           "workers": args.workers, "client": args.client, "plan_process": not args.no_plan_process and args.workers == 1, "plan_threads": args.plan_threads,
           "plan_one_cpu": not args.no_plan_one_cpu,
           "clients": args.clients, "loads": loads, "targets": {"p50_ms": 100, "p99_ms": 300, "lines_per_s": 300}}
    (ROOT / "results").mkdir(exist_ok=True)
    path = ROOT / "results" / f"api-{args.db}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))
    print(f"written to {path}")


def _cpu_split(pid: int) -> tuple[float, float]:
    """User + system CPU seconds of a process, and of its children."""
    import psutil
    try:
        procs = [psutil.Process(pid)]
        procs += procs[0].children(recursive=True)
    except psutil.Error:
        return 0.0, 0.0
    own, children = 0.0, 0.0
    for k, p in enumerate(procs):
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        if k == 0:
            own += t.user + t.system
        else:
            children += t.user + t.system
    return own, children


if __name__ == "__main__":
    main()
