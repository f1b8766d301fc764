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
from zorgclaim.domain.schema import LINE_SCHEMA, abroad
from zorgclaim.formats.registry import ClaimInput, read_claims
from sqlalchemy import insert, select

from zorgclaim.store.bulk import bulk_insert
from zorgclaim.store.models import ClaimLine, IntakeFile
from zorgclaim.store.repository import (IntakeResult, Sent, compute, intake_in, lock_keys, member_versions,
                                        persist, take_write_lock, where_in)
from zorgclaim.store.variance import count_decided


def read(ctx: Context, data: bytes, name: str, received: dt.date | None = None) -> ClaimInput:
    """A claims file's bytes read by the one registry, checked against the store's memory of
    files and invoice numbers sent before (8067, 0030)."""
    return read_claims(data, name, received=received, seen_files=Sent(ctx.engine, "digest"),
                       seen_invoices=Sent(ctx.engine, "invoice_number"))


def own_lines(p: Principal, lines: pl.DataFrame) -> None:
    """A provider sends only lines of its own AGB; a member only its own lines, as its own nota.
    Staff and the operator may send any."""
    if p.role == "provider":
        if not p.provider:
            raise Forbidden("your account acts for no provider (no AGB code)")
        other = lines.filter(pl.col("provider").is_null() | (pl.col("provider") != p.provider))
        if other.height:
            raise Forbidden(f"line {other['line_id'][0]!r} names another provider than yours ({p.provider})")
        elsewhere = lines.filter(abroad())
        if elsewhere.height:
            raise Invalid(f"line {elsewhere['line_id'][0]!r} gives care abroad: a provider's AGB code names care "
                          "given in the Netherlands (care abroad comes as the member's nota)", field="country")
        nameless = lines.filter(pl.col("bsn").is_null() | (pl.col("bsn").str.strip_chars() == ""))
        if nameless.height:
            raise Invalid(f"line {nameless['line_id'][0]!r} has no BSN: a provider names its patient by BSN "
                          "(a mandatory field of every Vektis declaration standard)", field="bsn")
    elif p.role == "member":
        if not p.member_id:
            raise Forbidden("your account is no member's")
        other = lines.filter(pl.col("member_id").is_null() | (pl.col("member_id") != p.member_id)
                             | (pl.col("submitted_by") != "member"))
        if other.height:
            raise Forbidden(f"line {other['line_id'][0]!r} is not a nota of your own")
    else:
        require(p, "handler")


def receipt_date(ctx: Context, p: Principal, asked: dt.date | None) -> dt.date | None:
    """The date of receipt to record. It is the day the insurer receives a claim, so a provider or
    member does not choose it (an earlier one would get around the three-year window): theirs is
    today. Claims staff may record the day a claim came in by post (None: the file's own, else today)."""
    if p.role in ("provider", "member"):
        if asked is not None and asked != ctx.today():
            raise Invalid("received: the date of receipt is the day the insurer receives the claim (today); "
                          "only claims staff record an earlier one", "received")
        return ctx.today()
    return asked


def check_receipt(ctx: Context, p: Principal, lines: pl.DataFrame) -> None:
    """Lines sent in real time by a provider or member carry today's date of receipt (or none)."""
    if p.role in ("provider", "member"):
        other = lines.filter(pl.col("received").is_not_null() & (pl.col("received") != ctx.today()))
        if other.height:
            receipt_date(ctx, p, other["received"][0])


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
    # what a submission without an Idempotency-Key is answered from (its own decisions, the ids
    # sent before): it is rendered after the commit by `finished`, so the write lock is not held
    # while answers are built
    unrendered: tuple | None = None

    def finished(self, sub: Submission) -> Answer:
        """This answer with its body rendered (itself when it already has one)."""
        if self.unrendered is None:
            return self
        decisions, sent_before = self.unrendered
        status, body = sub.render(decisions, sent_before)
        return Answer(status, body, self.replayed, self.members)


def _each_own(decisions: pl.DataFrame, owns: list[list[str]]) -> list[pl.DataFrame]:
    """Each submission's decisions (of its `own` line ids), in the batch's order: one gather for
    the whole batch, then a slice each, which copies nothing. A gather or filter per answer was a
    polars operation on the event loop each, handed to polars' pool thread and back (8% of the
    server's samples under load)."""
    if not decisions.height:
        return [decisions] * len(owns)
    row = {line_id: k for k, line_id in enumerate(decisions["line_id"].to_list())}
    picks = [sorted(row[i] for i in own if i in row) for own in owns]
    gathered = decisions[[k for pick in picks for k in pick]]
    starts = [0]
    for pick in picks:
        starts.append(starts[-1] + len(pick))
    return [gathered.slice(start, len(pick)) for start, pick in zip(starts, picks)]


def request_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass
class _Plan:
    """What a batch of submissions comes to, worked out from what the store showed: which are
    answered from their Idempotency-Key, which lines are new (and which sent before), the engine's
    decisions of the new lines, and the store's versions of its members at that moment."""
    replies: dict
    fresh: list[int]
    lines: pl.DataFrame
    known: set
    computed: object | None
    versions: dict


def _plan(conn, ctx: Context, subs: list[Submission], explain: bool, checked: bool = True) -> _Plan:
    from zorgclaim.store.jobs import recorded
    today = ctx.today()
    replies, fresh = {}, []
    for k, s in enumerate(subs):
        before = recorded(conn, s.principal.name, s.key) if s.key else None
        if before is None:
            fresh.append(k)
        elif before[0] == s.request_hash:
            replies[k] = Answer(before[1], json.loads(before[2]), replayed=True)
        else:
            replies[k] = Answer(422, _problem(422, "Idempotency-Key reused", "this Idempotency-Key was used before "
                                              "with another request; use a new key for a new request"))
    parts = [subs[k].lines.with_columns(pl.lit(subs[k].received).alias("received") if subs[k].received
                                        else pl.col("received").fill_null(today)) for k in fresh]
    batch = pl.concat(parts) if parts else pl.DataFrame(schema=LINE_SCHEMA)
    known = set()
    for where in where_in(conn, ClaimLine.line_id, batch["line_id"].unique().to_list()):
        known.update(r[0] for r in conn.execute(select(ClaimLine.line_id).where(where)))
    lines = batch.filter(batch["line_id"].is_first_distinct() & ~batch["line_id"].is_in(list(known)))
    members = lines["member_id"].unique().sort().to_list()
    # (what the members' versions were, for a check under the lock: none when made under it)
    versions = member_versions(conn, members) if checked else {}
    computed = None
    if lines.height:
        computed = compute(conn, lines, ctx.world, explain)
    return _Plan(replies, fresh, lines, known, computed, versions)


def _still_holds(conn, subs: list[Submission], plan: _Plan) -> bool:
    """Nothing the plan rests on changed since: no answer kept under its keys meanwhile, no line of
    it taken in by someone else, no state of its members changed."""
    from zorgclaim.store.jobs import recorded
    if any(subs[k].key and recorded(conn, subs[k].principal.name, subs[k].key) for k in plan.fresh):
        return False
    ids = plan.lines["line_id"].to_list()
    for where in where_in(conn, ClaimLine.line_id, ids):
        if conn.execute(select(ClaimLine.line_id).where(where).limit(1)).first():
            return False
    return member_versions(conn, plan.lines["member_id"].unique().sort().to_list()) == plan.versions


# renders the answers of submissions with an Idempotency-Key: [(its index, its decisions, the ids sent
# before)] -> [(HTTP status, body)]; by default each submission's own `render` (a planner process asks
# the server's, which holds the request: app/planner.py)
Renderer = Callable[[list[Submission], list[tuple[int, pl.DataFrame, list[str]]]], list[tuple[int, dict]]]


def render_answers(subs: list[Submission], items: list) -> list[tuple[int, dict]]:
    """Each submission's own `render` of (its index, its decisions, the ids sent before)."""
    return [subs[k].render(own, sent_before) for k, own, sent_before in items]


def submit_many(ctx: Context, subs: list[Submission], explain: bool = True, renderer: Renderer = render_answers,
                lock_first: bool = False) -> list[Answer]:
    """(Answers of submissions without an Idempotency-Key come unrendered: `Answer.finished`.)
    Decide several submissions now, in one engine call and one transaction: their lines are
    taken in together (one intake record; a line id sent before, or earlier in this batch, is a
    repeat: 8021), decided against the members' state, each submission answered, and each answer
    kept under its Idempotency-Key in the same transaction - so a retry gets the first answer and
    books nothing twice, and a crash leaves whole submissions only. A retried key with another
    request is answered 422.

    The engine runs before the write lock is taken, on what the store shows then; under the lock
    the plan is checked (the members' versions, the line ids, the keys) and worked out again only
    if something changed meanwhile. So batches of other members are decided at the same time and
    only their writes wait for each other. With `lock_first` (the service decides one batch at a
    time: one planner process, app/planner.py), the locks are taken first and the plan is made
    under them: nothing to check again, and no other batch of the service that the check would
    let be decided alongside."""
    from zorgclaim.store.jobs import record
    plan = None
    if not lock_first:
        with ctx.engine.connect() as conn:
            plan = _plan(conn, ctx, subs, explain)
    today = ctx.today()
    with ctx.engine.begin() as conn:
        take_write_lock(conn)
        # the members, and each Idempotency-Key: the same key sent twice at once is answered once
        lock_keys(conn, sorted(set().union(*(set(s.lines["member_id"].to_list()) for s in subs))
                               | {f"idempotency|{s.principal.name}|{s.key}" for s in subs if s.key}))
        if plan is None or not _still_holds(conn, subs, plan):
            plan = _plan(conn, ctx, subs, explain, checked=False)
        answers: list[Answer | None] = [plan.replies.get(k) for k in range(len(subs))]
        lines = plan.lines
        decisions = pl.DataFrame()
        if lines.height:
            file_id = conn.execute(insert(IntakeFile).values(
                digest=hashlib.sha256(f"api|{uuid.uuid4()}".encode()).hexdigest(),
                name=f"api: {len(plan.fresh)} submissions", received=today, lines=lines.height,
                repeats=0, kind="api", taken_at=dt.datetime.now()).returning(IntakeFile.id)).scalar_one()
            bulk_insert(conn, ClaimLine.__table__, lines.with_columns(pl.lit(file_id, pl.Int64).alias("file_id")))
            count_decided(conn, lines)
            decisions = persist(conn, plan.computed, today, kind="decisions", memo="submissions")
        taken = set(lines["line_id"].to_list())
        repeats, owns = {}, []
        for k in plan.fresh:
            ids = subs[k].lines["line_id"].to_list()
            # sent before: in the store already, earlier in this submission, or in an earlier one of the batch
            repeats[k] = list(dict.fromkeys(i for n, i in enumerate(ids) if i not in taken or i in ids[:n]
                                            or _taken_earlier(i, k, plan.fresh, subs)))
            owns.append([i for i in ids if i not in repeats[k]])
        keyed = []
        for k, own in zip(plan.fresh, _each_own(decisions, owns)):
            s, sent_before = subs[k], repeats[k]
            members = s.lines["member_id"].unique().sort().to_list()
            # rendered by the caller after the commit (Answer.finished), unless kept under a key
            answers[k] = Answer(0, {}, members=members, unrendered=(own, sent_before))
            if s.key:
                keyed.append((k, own, sent_before))
            log_access(conn, s.principal, "claim-submitted", "member", members)
        # an answer kept under its Idempotency-Key is rendered now and kept in this transaction
        for (k, _, _), (status, body) in zip(keyed, renderer(subs, keyed) if keyed else []):
            s = subs[k]
            answers[k] = Answer(status, body, members=answers[k].members)
            record(conn, s.principal.name, s.key, s.request_hash, status, json.dumps(body, default=str))
    return answers


def _taken_earlier(line_id: str, k: int, fresh: list[int], subs: list[Submission]) -> bool:
    """The line id came in an earlier submission of the same batch (that one took it)."""
    return any(line_id in subs[j].lines["line_id"].to_list() for j in fresh if j < k)


def _problem(status: int, title: str, detail: str) -> dict:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail}
