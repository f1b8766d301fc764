"""The service under concurrent submissions, on a real server (a subprocess on loopback), on
SQLite and PostgreSQL:
- 64 submissions for one member at the same time take the deductible exactly up to its total,
  and decide each line once;
- a server killed in the middle of submissions leaves whole submissions only; a retry with the
  same Idempotency-Key gets the first answer (or, if it never landed, a decision now), and every
  line ends up decided once with the ledger in balance.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import polars as pl
import pytest
from sqlalchemy import func, select

from service_support import Server
from zorgclaim.store.ledger import trial_balance
from zorgclaim.store.models import ClaimLine, Decision, StateHistory, Transfer


def _fresh_member(book) -> str:
    """An ONVZ member of 18 or older (the deductible applies), alive, not a Wlz resident, on no
    watch list, with no line in 2026."""
    w = book.ctx.world
    day = dt.date(2026, 11, 1)
    with book.ctx.engine.connect() as conn:
        busy = {r[0] for r in conn.execute(select(ClaimLine.member_id).where(ClaimLine.service_date >= dt.date(2026, 1, 1)))}
    watched = set(w.watch["id"].to_list())
    candidates = (w.coverages.filter((pl.col("product") == "onvz/vrije-keuze-basis") & (pl.col("from") <= day)
                                     & (pl.col("to") >= day))
                  .join(w.members.filter(pl.col("death_date").is_null()
                                         & (pl.col("birth_date") <= dt.date(day.year - 18, 1, 1))), on="member_id")
                  .filter(~pl.col("member_id").is_in(list(busy | watched | set(w.wlz["member_id"]))))
                  .sort("member_id"))
    assert candidates.height, "no fresh ONVZ member in the book"
    return candidates["member_id"][0]


def _line(book, member: str, line_id: str, day: dt.date) -> dict:
    agb = book.ctx.world.providers.filter(pl.col("kind") == "hulpmiddelen")["agb"][0]
    return {"line_id": line_id, "member_id": member, "provider": agb, "service_date": day.isoformat(),
            "code": "hulpmiddel/SPALK", "amount": "40.00"}


@pytest.fixture(scope="module")
def server(service_book):
    s = Server(service_book)
    yield s
    s.stop()


def test_64_concurrent_submissions_for_one_member(server, service_book):
    member = _fresh_member(service_book)
    voluntary = service_book.ctx.world.members.filter(pl.col("member_id") == member)["voluntary_deductible"][0] or 0
    total = 38500 + voluntary
    headers = {"Authorization": f"Bearer {server.token('handler')}"}
    lines = [_line(service_book, member, f"C64-{k:02d}-{uuid.uuid4().hex[:6]}", dt.date(2026, 11, 2) + dt.timedelta(days=k % 20))
             for k in range(64)]
    start = threading.Barrier(64)

    def send(line):
        with httpx.Client(base_url=server.base, timeout=120) as c:
            start.wait()
            return c.post("/api/v1/claims", json={"lines": [line]}, headers=headers)
    with ThreadPoolExecutor(64) as pool:
        answers = list(pool.map(send, lines))
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers if a.status_code != 201][:3]
    ids = [ln["line_id"] for ln in lines]
    with service_book.ctx.engine.connect() as conn:
        decisions = conn.execute(select(Decision.line_id, Decision.status, Decision.allowed, Decision.deductible)
                                 .where(Decision.line_id.in_(ids))).all()
        history = conn.execute(select(func.sum(StateHistory.deductible)).where(
            (StateHistory.member_id == member) & (StateHistory.ded_year == 2026))).scalar()
    assert sorted(d[0] for d in decisions) == sorted(ids)                 # each line decided, once
    decided = [d for d in decisions if d[1] != "pended"]
    allowed = sum(d[2] for d in decided)
    taken = sum(d[3] for d in decided)
    assert allowed > total                                                # enough care to use it all up
    assert taken == total == history                                     # exactly the deductible, no more
    answered = sum(int(round(float(d["deductible"]) * 100)) for a in answers for d in a.json()["decided"]
                   if d["status"] != "pended")
    assert answered == total
    assert int(trial_balance(service_book.ctx.engine)["balance"].sum()) == 0


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux: /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def test_a_killed_server_leaves_whole_submissions(service_book):
    member = _fresh_member(service_book)
    server = Server(service_book, gather_ms=20)
    headers = {"Authorization": f"Bearer {server.token('handler')}"}
    subs = [(f"kill-{uuid.uuid4().hex}", [_line(service_book, member if k % 2 else service_book.members["A"],
                                                f"KILL{k:03d}-{j}-{uuid.uuid4().hex[:6]}", dt.date(2026, 11, 3))
                                          for j in range(3)]) for k in range(60)]
    answered: dict[str, httpx.Response] = {}
    killed = threading.Event()

    def send(sub):
        key, lines = sub
        try:
            with httpx.Client(base_url=server.base, timeout=60) as c:
                r = c.post("/api/v1/claims", json={"lines": lines}, headers=headers | {"Idempotency-Key": key})
                answered[key] = r
        except httpx.HTTPError:
            pass        # the server was killed under this request

    planners = _children(server.proc.pid)
    assert planners, "the server decides in a planner process (app/planner.py)"

    def killer():
        while len(answered) < 8:
            time.sleep(0.005)
        server.kill()
        killed.set()
    threading.Thread(target=killer, daemon=True).start()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(send, subs))
    assert killed.wait(60), "the server was not killed"
    ok = {k for k, r in answered.items() if r.status_code == 201}
    with service_book.ctx.engine.connect() as conn:
        stored = {r[0] for r in conn.execute(select(Decision.line_id).where(Decision.line_id.like("KILL%")))}
        moved = {r[0] for r in conn.execute(select(Transfer.line_id).where(Transfer.line_id.like("KILL%")))}
    landed = set()
    for key, lines in subs:
        ids = {ln["line_id"] for ln in lines}
        have = ids & stored
        assert have in (set(), ids), f"{key}: {len(have)} of 3 lines written"   # whole submissions only
        assert (ids & moved) <= have
        if key in ok:
            assert have == ids, f"{key} was answered 201 but is not in the store"
        if have:
            landed.add(key)
    assert 0 < len(landed) < len(subs), "the kill should come in the middle of the submissions"
    # the planner of the killed server ends itself: no process is left holding the store
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() for pid in planners) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(Path(f"/proc/{pid}").exists() for pid in planners), "the killed server's planner lives on"
    # retry everything with the same keys on a new server: each line decided once
    again = Server(service_book)
    try:
        with httpx.Client(base_url=again.base, timeout=60) as c:
            for key, lines in subs:
                r = c.post("/api/v1/claims", json={"lines": lines}, headers=headers | {"Idempotency-Key": key})
                assert r.status_code == 201, r.text
                if key in landed:
                    assert r.headers.get("Idempotent-Replay") == "true"
                    if key in ok:
                        assert r.json() == answered[key].json()
                assert {d["line_id"] for d in r.json()["decided"]} == {ln["line_id"] for ln in lines}
    finally:
        again.stop()
    with service_book.ctx.engine.connect() as conn:
        per_line = conn.execute(select(Decision.line_id, func.count()).where(Decision.line_id.like("KILL%"))
                                .group_by(Decision.line_id)).all()
    assert len(per_line) == 180 and all(n == 1 for _, n in per_line)
    assert int(trial_balance(service_book.ctx.engine)["balance"].sum()) == 0


def test_a_held_line_decided_twice_at_once_is_decided_once(service_book):
    """Two decisions on one held line at the same moment (a double click, or an authorization
    releasing it while its adviser decides): one is carried out, the other is refused as decided
    already, and the line's money is booked once."""
    from zorgclaim.store.models import ReviewItem
    from zorgclaim.store.review import ReviewError, decide_line, take
    ctx = service_book.ctx
    with ctx.engine.connect() as conn:
        line_id = conn.execute(select(ReviewItem.line_id).where((ReviewItem.state == "open")
                                                                & (ReviewItem.queue == "handler"))
                               .order_by(ReviewItem.line_id.desc()).limit(1)).scalar_one()
    take(ctx.engine, line_id, "handler")
    start = threading.Barrier(2)

    def decide(_):
        start.wait()
        try:
            decide_line(ctx.engine, ctx.world, line_id, by="handler", role="handler", action="accept",
                        reason="looks right", booked=dt.date(2026, 11, 26))
            return "decided"
        except ReviewError as e:
            return e.kind
    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(decide, range(2)))
    assert outcomes == ["conflict", "decided"]
    with ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Decision).where(Decision.line_id == line_id)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(StateHistory)
                            .where(StateHistory.line_id == line_id)).scalar() == 1
        from zorgclaim.store.models import LedgerTransaction
        reviews = conn.execute(select(func.count()).select_from(LedgerTransaction)
                               .where(LedgerTransaction.memo == f"review of {line_id}")).scalar()
        assert reviews <= 1       # booked once (no transaction when the line moves no money)
    assert int(trial_balance(ctx.engine)["balance"].sum()) == 0
