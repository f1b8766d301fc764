"""Intake (idempotent) and processing (one transaction per batch) on the store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import ARRAY, Engine, String, any_, bindparam, delete, func, insert, select, text

from zorgclaim.domain.schema import DECISION_SCHEMA, LINE_SCHEMA
from zorgclaim.domain.world import World
from zorgclaim.engine import State, adjudicate
from zorgclaim.engine.counters import key_member
from zorgclaim.engine.frames import run
from zorgclaim.engine.state import (COUNTERS_SCHEMA, DEDUCTIBLE_SCHEMA, EFFECTS_SCHEMA, HELD_SCHEMA, HISTORY_SCHEMA,
                                    SHARES_SCHEMA, service_key)
from zorgclaim.store import explanations
from zorgclaim.store.bulk import bulk_add, bulk_insert, take_pending
from zorgclaim.store.variance import count_decided
from zorgclaim.store.ledger import post_decisions
from zorgclaim.store.models import (AddedAuthorization, Batch, ClaimLine, Decision, IntakeFile, IntakeRepeat,
                                    MemberDeductible, PendingLine, ReviewItem, StateCounter, StateEffect, StateHistory,
                                    StateShare, WatchEntry)


@dataclass(frozen=True)
class IntakeResult:
    file_id: int | None
    stored: int
    repeats: list[str]          # line ids refused with 8021
    refused_whole: bool         # the same file before: 8067


def _chunks(items: list, n: int = 500):
    for k in range(0, len(items), n):
        yield items[k:k + n]


def intake(engine: Engine, lines: pl.DataFrame, name: str, digest: str, received: dt.date,
           invoice_number: str | None = None, kind: str | None = None) -> IntakeResult:
    """Store new lines once. A file seen before is refused whole (8067); a line id seen before, or
    twice in this file, is recorded as a repeat (8021) and never decided again."""
    with engine.begin() as conn:
        return intake_in(conn, lines, name, digest, received, invoice_number, kind)


def intake_in(conn, lines: pl.DataFrame, name: str, digest: str, received: dt.date,
              invoice_number: str | None = None, kind: str | None = None) -> IntakeResult:
    """`intake` inside the caller's transaction."""
    lines = lines.select(list(LINE_SCHEMA))
    if conn.execute(select(IntakeFile.id).where(IntakeFile.digest == digest)).first():
        return IntakeResult(None, 0, [], True)
    ids = lines["line_id"].to_list()
    known: set[str] = set()
    for where in where_in(conn, ClaimLine.line_id, list(set(ids))):
        known.update(r[0] for r in conn.execute(select(ClaimLine.line_id).where(where)))
    first = lines.with_columns(pl.col("line_id").is_first_distinct().alias("_first"))
    fresh = first.filter(pl.col("_first") & ~pl.col("line_id").is_in(list(known))).drop("_first")
    repeats = first.filter(~pl.col("_first") | pl.col("line_id").is_in(list(known)))["line_id"].to_list()
    file_id = conn.execute(insert(IntakeFile).values(
        digest=digest, name=name[:500], received=received, lines=fresh.height, repeats=len(repeats),
        invoice_number=invoice_number, kind=kind, taken_at=dt.datetime.now()).returning(IntakeFile.id)).scalar_one()
    if fresh.height:
        bulk_insert(conn, ClaimLine.__table__, fresh.with_columns(pl.lit(file_id, pl.Int64).alias("file_id")))
        bulk_insert(conn, PendingLine.__table__, fresh.select("line_id", "member_id"))
    if repeats:
        bulk_insert(conn, IntakeRepeat.__table__, pl.DataFrame({"line_id": repeats}).with_columns(
            pl.lit(file_id, pl.Int64).alias("file_id"), pl.lit("8021").alias("code")))
    return IntakeResult(file_id, fresh.height, repeats, False)


class Sent:
    """The store's memory of what was sent, for a reader's `seen_files` / `seen_invoices`: answers
    `x in Sent(engine, 'digest')` (or 'invoice_number') with one indexed query."""

    def __init__(self, engine: Engine, column: str):
        self.engine, self.column = engine, getattr(IntakeFile, column)

    def __contains__(self, value) -> bool:
        if not value:
            return False
        with self.engine.connect() as conn:
            return conn.execute(select(IntakeFile.id).where(self.column == value).limit(1)).first() is not None


def where_in(conn, column, values: list[str]):
    """`column IN values` as conditions to OR over: one `= ANY(array)` on PostgreSQL, chunks of
    bound parameters elsewhere."""
    if conn.dialect.name == "postgresql":
        return [column == any_(bindparam("values", list(values), type_=ARRAY(String)))]
    return [column.in_(chunk) for chunk in _chunks(list(values), 10_000)]


def _frame(conn, table, schema: dict, values: list[str], column: str = "member_id") -> pl.DataFrame:
    """The rows of `table` (the `schema` columns) whose `column` is one of `values`."""
    if not values:
        return pl.DataFrame(schema=schema)
    if conn.dialect.name == "sqlite":
        return _sqlite_frame(conn, table, schema, values, column)
    cols = [getattr(table, c) for c in schema]
    rows = []
    for where in where_in(conn, getattr(table, column), values):
        rows += conn.execute(select(*cols).where(where)).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _sqlite_frame(conn, table, schema: dict, values: list[str], column: str) -> pl.DataFrame:
    """`_frame` on SQLite: rows straight from the driver as plain tuples, dates as the ISO texts
    SQLite keeps and parsed by polars in one pass (SQLAlchemy's rows and per-value date parsing
    were most of the time a batch spent reading its members' state)."""
    names = ", ".join(f'"{table.__table__.c[c].name}"' for c in schema)
    raw = dict(schema) | {c: pl.String for c, t in schema.items() if t == pl.Date}
    cursor = conn.connection.driver_connection.cursor()
    rows = []
    for chunk in _chunks(list(values), 10_000):
        cursor.execute(f'SELECT {names} FROM "{table.__tablename__}" WHERE "{column}" IN ({", ".join("?" * len(chunk))})',
                       chunk)
        rows += cursor.fetchall()
    cursor.close()
    frame = pl.DataFrame(rows, schema=raw, orient="row")
    return frame.with_columns(pl.col(c).str.to_date("%Y-%m-%d") for c, t in schema.items() if t == pl.Date)


def load_state(conn, members: list[str], lines: pl.DataFrame | None = None) -> State:
    """The engine's state of these members; the lines held for review are those on the review
    queue that no person decided yet. With `lines` (the batch about to be decided), the history
    holds only the rows those lines can touch (`_history_for`) and the rest of each member-year's
    deductible comes as a sum: a member's whole history is not read for every batch."""
    held = []
    for where in where_in(conn, ReviewItem.member_id, members):
        held += conn.execute(select(ReviewItem.line_id, ReviewItem.member_id)
                             .where(where & (ReviewItem.state != "decided"))).all()
    held = pl.DataFrame([tuple(r) for r in held], orient="row", schema=HELD_SCHEMA)
    counters = _frame(conn, StateCounter, COUNTERS_SCHEMA, members)
    if lines is None:
        return State(history=_frame(conn, StateHistory, HISTORY_SCHEMA, members),
                     shares=_frame(conn, StateShare, SHARES_SCHEMA, members), counters=counters,
                     effects=_frame(conn, StateEffect, EFFECTS_SCHEMA, members), held=held)
    history = _history_for(conn, lines)
    debits = lines["credits"].drop_nulls().unique().to_list()
    return State(history=history, shares=_frame(conn, StateShare, SHARES_SCHEMA, debits, "line_id"),
                 counters=counters, effects=_frame(conn, StateEffect, EFFECTS_SCHEMA, debits, "line_id"), held=held,
                 deductible_rest=_deductible_rest(conn, members, history))


def _history_for(conn, lines: pl.DataFrame) -> pl.DataFrame:
    """The history rows the engine reads for `lines` (engine/state.py): a line seen before (by id),
    the debit a credit reverses, every decided line of the same service (by service key, also the
    debits'), and every credit of those."""
    ids = lines["line_id"].unique().to_list() + lines["credits"].drop_nulls().unique().to_list()
    by_id = _frame(conn, StateHistory, HISTORY_SCHEMA, ids, "line_id")
    keys = pl.concat([lines.select(service_key().alias("k"))["k"], by_id["svc_key"]]).unique().to_list()
    found = pl.concat([by_id, _frame(conn, StateHistory, HISTORY_SCHEMA, keys, "svc_key")])
    credits = _frame(conn, StateHistory, HISTORY_SCHEMA, list(set(ids) | set(found["line_id"].to_list())), "credits")
    return pl.concat([found, credits]).unique("line_id", keep="first", maintain_order=True)


def _deductible_per_year(history: pl.DataFrame) -> pl.DataFrame:
    """member_id, year, used: the deductible of history rows per member and deductible year."""
    return history.group_by("member_id", pl.col("ded_year").alias("year")).agg(pl.col("deductible").sum().alias("used"))


def _deductible_rest(conn, members: list[str], history: pl.DataFrame) -> pl.DataFrame:
    """Per member-year, the deductible of the history rows not in `history`: the kept sum over all
    rows (member_deductible) less that of the rows read."""
    d = MemberDeductible
    rows = []
    for where in where_in(conn, d.member_id, members):
        rows += conn.execute(select(d.member_id, d.year, d.used).where(where)).all()
    total = pl.DataFrame([tuple(r) for r in rows], orient="row", schema=DEDUCTIBLE_SCHEMA)
    read = _deductible_per_year(history).rename({"used": "r"})
    return (total.join(read, on=["member_id", "year"], how="left")
            .select("member_id", "year", (pl.col("used") - pl.col("r").fill_null(0)).alias("used"))
            .filter(pl.col("used") != 0))


def _next_batch(conn, batch_size: int) -> pl.DataFrame:
    """Pending lines of whole members (in member order), about batch_size lines: everything a member
    has pending is decided together, in the engine's order (service date, receipt, id). Reads the
    head of the queue's member index only, so a batch costs the same however much is pending."""
    head = [r[0] for r in conn.execute(select(PendingLine.member_id).order_by(PendingLine.member_id)
                                       .limit(batch_size + 1))]
    if not head:
        return pl.DataFrame(schema=LINE_SCHEMA)
    members = list(dict.fromkeys(head))
    if len(head) > batch_size and len(members) > 1:
        members = members[:-1]        # the last member's lines go past the limit: it waits for the next batch
    rows = []
    q = select(*[getattr(ClaimLine, c) for c in LINE_SCHEMA]).join(PendingLine, PendingLine.line_id == ClaimLine.line_id)
    for where in where_in(conn, PendingLine.member_id, members):
        rows += conn.execute(q.where(where)).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=LINE_SCHEMA, orient="row")


class ConcurrentBatch(RuntimeError):
    """Another process took some of these lines first; this batch is rolled back."""


def process(engine: Engine, world: World, batch_size: int = 5000, max_batches: int | None = None,
            explain: bool = True, on_batch=None, booked: dt.date | None = None) -> int:
    """Decide pending lines batch by batch; each batch's decisions, line states, engine state and
    ledger transfers are written in one transaction, so an interruption leaves whole batches only.
    `booked`: the booking date of the transfers (default today). Returns lines decided."""
    done = batches = 0
    booked = booked or dt.date.today()
    while max_batches is None or batches < max_batches:
        try:
            n = _one_batch(engine, world, batch_size, explain, booked)
        except ConcurrentBatch:
            continue  # another process took these lines first: rolled back, take the next ones
        if n == 0:
            break
        done += n
        batches += 1
        if on_batch:
            on_batch(batches, done)
    return done


def with_added_facts(conn, world: World, members: list[str] | None = None, lines: list[str] | None = None) -> World:
    """The world plus what the store knows on top of it: authorizations added, requested and
    decided in the store (of `members`, default all), the watch list, and the decisions persons
    made on held lines (of `lines`, default none)."""
    q = select(AddedAuthorization.id, AddedAuthorization.member_id, AddedAuthorization.benefit,
               AddedAuthorization.from_, AddedAuthorization.to, AddedAuthorization.status)
    rows = []
    for where in (where_in(conn, AddedAuthorization.member_id, members) if members is not None else [None]):
        rows += conn.execute(q if where is None else q.where(where)).all()
    changes = {}
    if rows:
        added = pl.DataFrame([tuple(r) for r in rows], orient="row", schema=world.authorizations.schema)
        # a store row replaces the world's row of the same id (a request decided later)
        changes["authorizations"] = pl.concat([world.authorizations.join(added.select("id"), on="id", how="anti"), added])
    watch = conn.execute(select(WatchEntry.kind, WatchEntry.subject_id, WatchEntry.rule, WatchEntry.from_,
                                WatchEntry.to, WatchEntry.reason)).all()
    if watch:
        changes["watch"] = pl.concat([world.watch, pl.DataFrame([tuple(r) for r in watch], orient="row",
                                                                schema=world.watch.schema)])
    if lines:
        decided = []
        for where in where_in(conn, ReviewItem.line_id, lines):
            decided += conn.execute(select(ReviewItem.line_id, ReviewItem.action, ReviewItem.allowed_max,
                                           ReviewItem.decided_by, ReviewItem.decided_role, ReviewItem.reason)
                                    .where(where & (ReviewItem.state == "decided"))).all()
        if decided:
            changes["reviews"] = pl.DataFrame([tuple(r) for r in decided], orient="row", schema=world.reviews.schema)
    return dataclasses.replace(world, **changes) if changes else world


def take_write_lock(conn) -> None:
    """SQLite: take the database's single write lock now, before reading any state (by updating a
    one-row lock table), so a writer never reads state another writer is changing. A no-op elsewhere."""
    if conn.dialect.name == "sqlite":
        conn.execute(text("UPDATE store_lock SET n = n + 1 WHERE id = 1"))


def lock_members(conn, members: list[str]) -> None:
    """PostgreSQL: a transaction-scoped advisory lock per member, in sorted order, so two processes
    on one member wait for each other and never read stale state. A no-op elsewhere (SQLite has
    one writer, see take_write_lock)."""
    lock_keys(conn, members)


def lock_keys(conn, keys: list[str]) -> None:
    """PostgreSQL: a transaction-scoped advisory lock per key (a member id, or a name such as
    'idempotency|<user>|<key>'), taken in sorted order so two transactions never deadlock. Take all
    the keys a transaction needs in one call. A no-op elsewhere."""
    if conn.dialect.name == "postgresql" and keys:
        conn.execute(text("SELECT count(pg_advisory_xact_lock(hashtext(m))) FROM "
                          "(SELECT unnest(CAST(:ms AS text[])) AS m ORDER BY 1) AS s"), {"ms": sorted(set(keys))})


@dataclass(frozen=True)
class Computed:
    """An engine call's inputs and outputs, ready to be written: the lines, their members, the
    world with the store's facts, the state before and after, the decisions."""
    lines: pl.DataFrame
    members: list[str]
    world: World
    before: State
    after: State
    decisions: pl.DataFrame


def compute(conn, lines: pl.DataFrame, world: World, explain: bool = True) -> Computed:
    """Adjudicate `lines` against their members' state and facts as `conn` sees them (nothing written)."""
    members = lines["member_id"].unique().sort().to_list()
    before = load_state(conn, members, lines)
    world = with_added_facts(conn, world.restrict_to_members(pl.Series(members)), members, lines["line_id"].to_list())
    decisions, after = adjudicate(lines, world, before, explain=explain)
    return Computed(lines, members, world, before, after, decisions)


def persist(conn, c: Computed, booked: dt.date, kind: str = "decisions", memo: str | None = None) -> pl.DataFrame:
    """Write what `compute` gave: a batch row, decisions, the engine state, the review queue and the
    ledger transfers. Returns the decisions."""
    batch_id = conn.execute(insert(Batch).values(lines=c.lines.height, done_at=dt.datetime.now())
                            .returning(Batch.id)).scalar_one()
    bulk_insert(conn, Decision.__table__, decisions_rows(c.decisions, batch_id, explanations.source_numbers(conn, c.decisions)))
    _save_state(conn, c.before, c.after)
    held = c.decisions["status"] == "pended"
    if held.any():
        hold(conn, c.decisions.filter(held), c.world, booked)
    # a held line moves no money until a person decides
    post_decisions(conn, c.decisions.filter(~held), c.lines, c.world, booked, kind, memo or f"batch {batch_id}",
                   batch_id=batch_id)
    return c.decisions


def decide(conn, lines: pl.DataFrame, world: World, booked: dt.date, explain: bool = True, kind: str = "decisions",
           memo: str | None = None) -> pl.DataFrame:
    """Adjudicate `lines` (already in claim_line, their members locked) against the stored state and
    write everything: a batch row, decisions, the engine state and the ledger transfers. Returns the
    decisions."""
    return persist(conn, compute(conn, lines, world, explain), booked, kind, memo)


def member_versions(conn, members: list[str]) -> dict[str, tuple[int, int]]:
    """Per member, the last batch that decided a line of it and how many prior-treatment statements
    were entered: every other change of a member's state is written with a decision of that
    member, so an unchanged version means an unchanged state."""
    from zorgclaim.store.models import PriorTreatment
    out: dict[str, list[int]] = {}
    for where in where_in(conn, Decision.member_id, members):
        for m, v in conn.execute(select(Decision.member_id, func.max(Decision.batch_id)).where(where)
                                 .group_by(Decision.member_id)):
            out.setdefault(m, [0, 0])[0] = v
    for where in where_in(conn, PriorTreatment.member_id, members):
        for m, n in conn.execute(select(PriorTreatment.member_id, func.count()).where(where)
                                 .group_by(PriorTreatment.member_id)):
            out.setdefault(m, [0, 0])[1] = n
    return {m: (v[0], v[1]) for m, v in out.items()}


def hold(conn, held: pl.DataFrame, world: World, booked: dt.date) -> None:
    """Put held lines on the review queue: the rule, its queue, and what the engine proposes;
    held since the processing date `booked` (with the time of day it happened)."""
    rules = {r.id: r for r in world.review_rules or ()}
    kinds = world.reference.service_codes.select(pl.col("key").alias("code"), "care_kind")
    now = dt.datetime.combine(booked, dt.datetime.now().time())
    rows = held.join(kinds, on="code", how="left").select(
        "line_id", pl.col("review").alias("rule"),
        pl.col("review").replace_strict({k: r.queue for k, r in rules.items()}, default="handler").alias("queue"),
        pl.lit("open").alias("state"), "member_id", "provider", "care_kind", "declared",
        pl.struct("status", "allowed", "deductible", "paid", "payee", "payer", "codes").struct.json_encode().alias("proposal"),
        pl.lit(now).alias("pended_at"))
    bulk_insert(conn, ReviewItem.__table__, rows)


def decisions_rows(decisions: pl.DataFrame, batch_id: int, sources: dict[str, int]) -> pl.DataFrame:
    """Decisions as rows of the decision table: codes ';'-joined, the steps in their compact JSON
    form citing `sources` by number (store/explanations.py)."""
    return decisions.select(
        "line_id", pl.lit(batch_id, pl.Int64).alias("batch_id"), "member_id", "status", "declared", "allowed",
        "deductible", "paid", "payee", "payer", pl.col("codes").list.join(";").alias("codes"),
        explanations.compact(pl.col("steps"), sources).alias("explanation"))


def _one_batch(engine: Engine, world: World, batch_size: int, explain: bool, booked: dt.date) -> int:
    """One batch in one transaction; returns its lines (0: nothing pending)."""
    with engine.begin() as conn:
        take_write_lock(conn)
        lines = _next_batch(conn, batch_size)
        if lines.height == 0:
            return 0
        lock_members(conn, lines["member_id"].unique().to_list())
        taken = take_pending(conn, PendingLine.__table__, lines["line_id"].to_list())
        if taken != lines.height:
            raise ConcurrentBatch(f"{lines.height - taken} of {lines.height} lines were taken by another process")
        count_decided(conn, lines)
        decide(conn, lines, world, booked, explain)
    return lines.height


def _save_state(conn, before: State, after: State) -> None:
    new_hist = after.history.join(before.history.select("line_id"), on="line_id", how="anti")
    bulk_insert(conn, StateHistory.__table__, new_hist)
    used = _deductible_per_year(new_hist).filter(pl.col("used") != 0)
    bulk_add(conn, MemberDeductible.__table__, ["member_id", "year"], "used", used)
    member_of = after.history.select("line_id", "member_id")
    for frame, table in ((after.shares, StateShare), (after.effects, StateEffect)):
        old = before.shares if table is StateShare else before.effects
        new = run(frame.lazy().join(old.lazy().select("line_id").unique(), on="line_id", how="anti")
                  .join(member_of.lazy(), on="line_id", how="left"))
        bulk_insert(conn, table.__table__, new)
    # only the counters the batch changed (or started): a counter keeps its key, and the engine
    # returns every counter it was given
    counters = run(after.counters.lazy().join(before.counters.lazy(), on=list(COUNTERS_SCHEMA), how="anti", nulls_equal=True)
                   .with_columns(key_member(pl.col("counter_key")).alias("member_id")))
    keys = counters["counter_key"].to_list()
    for where in where_in(conn, StateCounter.counter_key, keys):
        conn.execute(delete(StateCounter).where(where))
    bulk_insert(conn, StateCounter.__table__, counters)


def decisions_frame(engine: Engine) -> pl.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(Decision.line_id, Decision.status, Decision.allowed, Decision.deductible,
                                   Decision.paid, Decision.payer, Decision.codes)).all()
    return pl.DataFrame([tuple(r) for r in rows], orient="row", schema={
        "line_id": pl.String, "status": pl.String, "allowed": pl.Int64, "deductible": pl.Int64, "paid": pl.Int64,
        "payer": pl.String, "codes": pl.String})


def first_decided_with_code(engine: Engine, code: str) -> tuple[str, dt.date, list[dict]] | None:
    """The first line (by id) whose decision carries exactly `code`: (line id, service date, steps)."""
    with engine.connect() as conn:
        row = conn.execute(select(Decision.line_id, ClaimLine.service_date, Decision.explanation)
                           .join(ClaimLine, ClaimLine.line_id == Decision.line_id)
                           .where(Decision.codes == code).order_by(Decision.line_id).limit(1)).first()
        texts = explanations.source_texts(conn) if row else {}
    return None if row is None else (row[0], row[1], explanations.expand(row[2], texts))


def member_meter(engine: Engine, member_id: str) -> dict:
    """Deductible used per year (with the lines that consumed it) and counters per benefit period."""
    with engine.connect() as conn:
        used = conn.execute(select(StateHistory.ded_year, func.sum(StateHistory.deductible)).where(
            StateHistory.member_id == member_id).group_by(StateHistory.ded_year).order_by(StateHistory.ded_year)).all()
        lines = conn.execute(select(StateHistory.ded_year, StateHistory.line_id, StateHistory.service_date,
                                    StateHistory.code, StateHistory.deductible).where(
            (StateHistory.member_id == member_id) & (StateHistory.deductible != 0))
            .order_by(StateHistory.service_date, StateHistory.line_id)).all()
        counters = conn.execute(select(StateCounter.counter_key, StateCounter.first, StateCounter.total,
                                       StateCounter.pstart, StateCounter.pcount, StateCounter.yamount).where(
            StateCounter.member_id == member_id).order_by(StateCounter.counter_key)).all()
    return {"used": {int(y): int(s or 0) for y, s in used}, "lines": [tuple(r) for r in lines],
            "counters": [tuple(r) for r in counters]}


def decisions_of(engine: Engine, line_ids: list[str]) -> pl.DataFrame:
    """The stored decisions of these lines, as the engine gave them (codes a list, steps a list)."""
    rows = []
    with engine.connect() as conn:
        for where in where_in(conn, Decision.line_id, list(dict.fromkeys(line_ids))):
            rows += conn.execute(select(Decision.line_id, Decision.member_id, Decision.status, Decision.declared,
                                        Decision.allowed, Decision.deductible, Decision.paid, Decision.payee,
                                        Decision.payer, Decision.codes, Decision.explanation).where(where)).all()
        texts = explanations.source_texts(conn) if rows else {}
    return pl.DataFrame([(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
                          [c for c in (r[9] or "").split(";") if c], explanations.expand(r[10], texts))
                         for r in rows], orient="row", schema={
        "line_id": pl.String, "member_id": pl.String, "status": pl.String, "declared": pl.Int64, "allowed": pl.Int64,
        "deductible": pl.Int64, "paid": pl.Int64, "payee": pl.String, "payer": pl.String,
        "codes": pl.List(pl.String), "steps": DECISION_SCHEMA["steps"]})
