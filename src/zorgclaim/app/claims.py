"""Claims in: read any supported file (one registry), take it into the store once, decide what is
pending, and decide a submission now (the service's real-time path, one transaction for many
submissions at once, each with its own idempotent answer)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Callable

import polars as pl

from zorgclaim.app.access import Forbidden, Invalid, Principal, log_access, require
from zorgclaim.app.context import Context
from zorgclaim.domain.schema import LINE_SCHEMA
from zorgclaim.formats.registry import ClaimInput, read_claims
from zorgclaim.store.bulk import take_pending
from zorgclaim.store.models import PendingLine
from zorgclaim.store.repository import (IntakeResult, Sent, decide, intake_in, lock_members, take_write_lock)


def read(ctx: Context, data: bytes, name: str, received: dt.date | None = None) -> ClaimInput:
    """A claims file's bytes read by the one registry, checked against the store's memory of
    files and invoice numbers sent before (8067, 0030)."""
    return read_claims(data, name, received=received, seen_files=Sent(ctx.engine, "digest"),
                       seen_invoices=Sent(ctx.engine, "invoice_number"))


def own_lines(p: Principal, lines: pl.DataFrame) -> None:
    """A provider sends only lines of its own AGB; a member only its own lines, as its own nota.
    Staff and the operator may send any."""
    if p.role == "provider":
        other = lines.filter(pl.col("provider") != p.provider)
        if other.height:
            raise Forbidden(f"line {other['line_id'][0]!r} names another provider than yours ({p.provider})")
    elif p.role == "member":
        other = lines.filter((pl.col("member_id") != p.member_id) | (pl.col("submitted_by") != "member"))
        if other.height:
            raise Forbidden(f"line {other['line_id'][0]!r} is not a nota of your own")
    else:
        require(p, "handler")


@dataclass(frozen=True)
class Intake:
    result: IntakeResult
    input: ClaimInput


def intake(ctx: Context, p: Principal, inp: ClaimInput, received: dt.date | None = None) -> Intake:
    """Take a read file into the store, once (a file sent before is refused whole: 8067; a line
    sent before is recorded: 8021). A Vektis file its checks refused whole is not taken in."""
    own_lines(p, inp.lines)
    day = received or ctx.today()
    if inp.rejected:
        return Intake(IntakeResult(None, 0, [], "8067" in inp.vektis.file_codes), inp)
    with ctx.engine.begin() as conn:
        r = intake_in(conn, inp.lines, inp.name, inp.digest, day, inp.invoice_number, inp.kind)
        log_access(conn, p, "claims-taken-in", "member", inp.lines["member_id"].unique().sort().to_list())
    return Intake(r, inp)


def process(ctx: Context, p: Principal, batch_size: int = 5000, explain: bool = True, booked: dt.date | None = None,
            on_batch=None) -> int:
    """Decide everything pending, whole members at a time, one transaction per batch. The provider
    variance list is brought up to date first (it holds the lines of deviating providers)."""
    require(p, "handler")
    from zorgclaim.app.review import refresh_variance
    from zorgclaim.store.repository import process as run
    refresh_variance(ctx, p)
    return run(ctx.engine, ctx.world, batch_size, explain=explain, booked=booked or ctx.today(), on_batch=on_batch)


@dataclass
class Submission:
    """Lines to decide now, with how to answer: `render(decisions, repeats)` turns the decisions of
    these lines (and the ids refused as sent before, 8021) into (HTTP status, JSON body)."""
    principal: Principal
    lines: pl.DataFrame
    name: str
    render: Callable[[pl.DataFrame, list[str]], tuple[int, dict]]
    key: str | None = None            # Idempotency-Key
    request_hash: str = ""
    received: dt.date | None = None


@dataclass
class Answer:
    status_code: int
    body: dict
    replayed: bool = False            # the first answer to the same Idempotency-Key
    members: list[str] = field(default_factory=list)


def request_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def submit_many(ctx: Context, subs: list[Submission], explain: bool = True) -> list[Answer]:
    """Decide several submissions now, in one transaction and one engine call: each is taken in
    (its own intake record), all their lines decided against the members' state (members locked,
    as `process` does), each answered, and each answer kept under its Idempotency-Key in the same
    transaction - so a retry gets the first answer and books nothing twice, and a crash leaves
    whole submissions only. A retried key with another request is answered 422."""
    from zorgclaim.store.jobs import record, recorded
    answers: list[Answer | None] = [None] * len(subs)
    today = ctx.today()
    with ctx.engine.begin() as conn:
        take_write_lock(conn)
        members = sorted(set().union(*(set(s.lines["member_id"].to_list()) for s in subs)))
        lock_members(conn, members)
        fresh, taken, repeats = [], [], {}
        for k, s in enumerate(subs):
            if s.key:
                before = recorded(conn, s.principal.name, s.key)
                if before is not None:
                    same = before[0] == s.request_hash
                    answers[k] = (Answer(before[1], json.loads(before[2]), replayed=True) if same else Answer(
                        422, _problem(422, "Idempotency-Key reused", "this Idempotency-Key was used before with "
                                      "another request; use a new key for a new request")))
                    continue
            digest = hashlib.sha256(f"api|{s.principal.name}|{s.key or uuid.uuid4()}".encode()).hexdigest()
            r = intake_in(conn, s.lines, s.name, digest, s.received or today, kind="api")
            repeats[k] = r.repeats
            fresh.append(k)
            taken.append(s.lines.filter(~pl.col("line_id").is_in(r.repeats) & pl.col("line_id").is_first_distinct()))
        decisions = pl.DataFrame()
        lines = pl.concat(taken) if taken else pl.DataFrame(schema=LINE_SCHEMA)
        if lines.height:
            take_pending(conn, PendingLine.__table__, lines["line_id"].to_list())
            decisions = decide(conn, lines, ctx.world, today, explain=explain, kind="decisions", memo="submissions")
        for k in fresh:
            s = subs[k]
            mine = (decisions.filter(pl.col("line_id").is_in(s.lines["line_id"].implode())) if decisions.height
                    else decisions)
            status, body = s.render(mine, repeats[k])
            answers[k] = Answer(status, body, members=s.lines["member_id"].unique().sort().to_list())
            if s.key:
                record(conn, s.principal.name, s.key, s.request_hash, status, json.dumps(body, default=str))
            log_access(conn, s.principal, "claim-submitted", "member", answers[k].members)
    return answers


def _problem(status: int, title: str, detail: str) -> dict:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail}
