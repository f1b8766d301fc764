"""The review queue in the store: list held lines, take one (never two handlers the same line),
decide it (accept, change, reject) with a reason - then the engine decides the line again with the
person's decision as a fact, the ledger books it and the audit trail records who and why - and the
first-pass rate (lines decided with no person).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine, and_, delete, func, select, update

from zorgclaim.domain.schema import LINE_SCHEMA
from zorgclaim.domain.world import World
from zorgclaim.store.models import AuditEvent, ClaimLine, Decision, ReviewItem
from zorgclaim.store.repository import decide, load_state, lock_members, take_write_lock, with_added_facts

ACTIONS = ("accept", "change", "reject")
ITEM_COLUMNS = ("line_id", "rule", "queue", "state", "member_id", "provider", "care_kind", "declared", "proposal",
                "pended_at", "taken_by", "taken_at", "decided_by", "decided_role", "decided_at", "action",
                "allowed_max", "reason")


class ReviewError(ValueError):
    """A review request that cannot be carried out; `kind` is not_found, conflict or invalid."""

    def __init__(self, message: str, kind: str = "invalid"):
        super().__init__(message)
        self.kind = kind


def _item(row) -> dict:
    d = dict(zip(ITEM_COLUMNS, row))
    d["proposal"] = json.loads(d["proposal"]) if d["proposal"] else None
    return d


def items(engine: Engine, *, states=("open", "taken"), queue: str | None = None, rule: str | None = None,
          care_kind: str | None = None, provider: str | None = None, member_id: str | None = None,
          min_declared: int | None = None, max_declared: int | None = None, limit: int = 50,
          offset: int = 0) -> tuple[list[dict], int]:
    """Held lines matching the filters, oldest first; and how many match in all."""
    cond = [ReviewItem.state.in_(states)]
    for col, value in ((ReviewItem.queue, queue), (ReviewItem.rule, rule), (ReviewItem.care_kind, care_kind),
                       (ReviewItem.provider, provider), (ReviewItem.member_id, member_id)):
        if value is not None:
            cond.append(col == value)
    if min_declared is not None:
        cond.append(ReviewItem.declared >= min_declared)
    if max_declared is not None:
        cond.append(ReviewItem.declared <= max_declared)
    where = and_(*cond)
    cols = [getattr(ReviewItem, c) for c in ITEM_COLUMNS]
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(ReviewItem).where(where)).scalar_one()
        rows = conn.execute(select(*cols).where(where).order_by(ReviewItem.pended_at, ReviewItem.line_id)
                            .limit(limit).offset(offset)).all()
    return [_item(r) for r in rows], int(total)


def item(engine: Engine, line_id: str) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(select(*[getattr(ReviewItem, c) for c in ITEM_COLUMNS])
                           .where(ReviewItem.line_id == line_id)).first()
    return None if row is None else _item(row)


def _audit(conn, actor: str, action: str, line_id: str, detail: dict, reason: str | None = None) -> None:
    conn.execute(AuditEvent.__table__.insert().values(
        at=dt.datetime.now(), actor=actor, action=action, line_id=line_id,
        detail=json.dumps(detail, default=str, ensure_ascii=False), reason=reason))


def take(engine: Engine, line_id: str, by: str) -> dict:
    """Take an open line for yourself: one statement that only succeeds while the line is open, so
    two handlers never take the same line. Taking a line you hold already is fine."""
    with engine.begin() as conn:
        took = conn.execute(update(ReviewItem).where((ReviewItem.line_id == line_id) & (ReviewItem.state == "open"))
                            .values(state="taken", taken_by=by, taken_at=dt.datetime.now())).rowcount
        row = conn.execute(select(ReviewItem.state, ReviewItem.taken_by).where(ReviewItem.line_id == line_id)).first()
        if row is None:
            raise ReviewError(f"line {line_id!r} is not on the review queue", "not_found")
        if not took and not (row.state == "taken" and row.taken_by == by):
            who = f"by {row.taken_by}" if row.state == "taken" else "already"
            raise ReviewError(f"line {line_id!r} is {row.state} {who}", "conflict")
        if took:
            _audit(conn, by, "review-taken", line_id, {})
    return item(engine, line_id)


def release(engine: Engine, line_id: str, by: str) -> dict:
    """Put a line you took back on the queue."""
    with engine.begin() as conn:
        n = conn.execute(update(ReviewItem).where((ReviewItem.line_id == line_id) & (ReviewItem.state == "taken")
                                                  & (ReviewItem.taken_by == by))
                         .values(state="open", taken_by=None, taken_at=None)).rowcount
        if not n:
            raise ReviewError(f"line {line_id!r} is not taken by you", "conflict")
        _audit(conn, by, "review-released", line_id, {})
    return item(engine, line_id)


@dataclass(frozen=True)
class Reviewed:
    line_id: str
    proposal: dict
    decision: dict          # status, allowed, deductible, paid, payer, codes


def decide_line(engine: Engine, world: World, line_id: str, *, by: str, role: str, action: str, reason: str,
                allowed_max: int | None = None, booked: dt.date, must_hold: bool = True) -> Reviewed:
    """A person's decision on a held line, in one transaction: the line is decided again by the
    engine against the member's state now, with the decision as a fact (accept: as the rules say;
    change: at most `allowed_max`; reject: nothing); its decision, state and ledger transfers are
    written and the audit trail records who, as what, and why. `must_hold`: the person must have
    taken the line first (a medical adviser deciding an authorization releases lines without)."""
    if action not in ACTIONS:
        raise ReviewError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    if not (reason or "").strip():
        raise ReviewError("a decision on a held line needs a reason")
    if action == "change" and (allowed_max is None or allowed_max < 0):
        raise ReviewError("a change needs allowed_max: the most the line may be allowed (>= 0)")
    def read(conn):
        return conn.execute(select(ReviewItem.state, ReviewItem.taken_by, ReviewItem.member_id, ReviewItem.proposal,
                                   ReviewItem.declared).where(ReviewItem.line_id == line_id)).first()
    with engine.begin() as conn:
        take_write_lock(conn)
        row = read(conn)
        if row is None:
            raise ReviewError(f"line {line_id!r} is not on the review queue", "not_found")
        lock_members(conn, [row.member_id])   # every decision on the member waits here: read again
        row = read(conn)
        if row.state == "decided":
            raise ReviewError(f"line {line_id!r} was decided already", "conflict")
        if must_hold and not (row.state == "taken" and row.taken_by == by):
            raise ReviewError(f"take line {line_id!r} before deciding it"
                              + (f" (it is taken by {row.taken_by})" if row.state == "taken" else ""), "conflict")
        if action == "change" and allowed_max > row.declared:
            raise ReviewError("allowed_max is more than the declared amount")
        # and only while it is still undecided (and yours): a second decision changes no row
        still = (ReviewItem.line_id == line_id) & (ReviewItem.state != "decided")
        if must_hold:
            still = still & (ReviewItem.state == "taken") & (ReviewItem.taken_by == by)
        if conn.execute(update(ReviewItem).where(still).values(
                state="decided", decided_by=by, decided_role=role, decided_at=dt.datetime.now(), action=action,
                allowed_max=allowed_max if action == "change" else None, reason=reason)).rowcount != 1:
            raise ReviewError(f"line {line_id!r} was decided already", "conflict")
        conn.execute(delete(Decision).where(Decision.line_id == line_id))
        line = _line(conn, line_id)
        new = decide(conn, line, world, booked, kind="review", memo=f"review of {line_id}").row(0, named=True)
        decision = {k: new[k] for k in ("status", "allowed", "deductible", "paid", "payer")} | {"codes": list(new["codes"])}
        proposal = json.loads(row.proposal)
        _audit(conn, by, "review-decided", line_id, {"role": role, "action": action, "allowed_max": allowed_max,
                                                     "proposal": proposal, "decision": decision}, reason)
    return Reviewed(line_id, proposal, decision)


def _line(conn, line_id: str) -> pl.DataFrame:
    row = conn.execute(select(*[getattr(ClaimLine, c) for c in LINE_SCHEMA]).where(ClaimLine.line_id == line_id)).first()
    return pl.DataFrame([dict(row._mapping)], schema=LINE_SCHEMA)


def release_after_authorization(engine: Engine, world: World, member_id: str, *, by: str, role: str, reason: str,
                                booked: dt.date) -> list[Reviewed]:
    """After an authorization of `member_id` was decided: each line of the member held because an
    authorization was asked for and not decided, that the rules no longer hold on that ground, is
    decided again (the adviser's decision recorded as an accept: as the rules now say)."""
    from zorgclaim.engine import adjudicate
    out = []
    with engine.connect() as conn:
        # not a line another person has taken: that person decides it
        held = [r[0] for r in conn.execute(select(ReviewItem.line_id).where(
            (ReviewItem.member_id == member_id) & (ReviewItem.queue == "medical")
            & ((ReviewItem.state == "open") | ((ReviewItem.state == "taken") & (ReviewItem.taken_by == by))))
            .order_by(ReviewItem.line_id))]
        if not held:
            return out
        state = load_state(conn, [member_id])
        facts = with_added_facts(conn, world.restrict_to_members(pl.Series([member_id])), [member_id])
        lines = pl.concat([_line(conn, lid) for lid in held])
    still, _ = adjudicate(lines, facts, state, explain=False)
    waiting = set(still.filter(pl.col("status") == "pended")["line_id"].to_list())
    for line_id in held:
        if line_id in waiting:
            continue
        try:
            out.append(decide_line(engine, world, line_id, by=by, role=role, action="accept", reason=reason,
                                   booked=booked, must_hold=False))
        except ReviewError as e:
            if e.kind != "conflict":     # decided meanwhile by someone else: nothing left to release
                raise
    return out


def first_pass(engine: Engine, reference) -> dict[str, pl.DataFrame]:
    """The share of decided lines that no person had to look at, over all lines and per care kind,
    provider and month received; and per review rule how many lines it held. Credits are left out
    (they follow their debit)."""
    # counted by the database per code, provider, month received and review outcome (the decided
    # lines themselves are not read: the books grow every month)
    with engine.connect() as conn:
        month = (func.to_char(ClaimLine.received, "YYYY-MM") if conn.dialect.name == "postgresql"
                 else func.substr(ClaimLine.received, 1, 7))
        groups = (ClaimLine.code, ClaimLine.provider, month, ReviewItem.rule, ReviewItem.state)
        rows = conn.execute(select(*groups, func.count())
                            .select_from(Decision).join(ClaimLine, ClaimLine.line_id == Decision.line_id)
                            .outerjoin(ReviewItem, ReviewItem.line_id == Decision.line_id)
                            .where(ClaimLine.credits.is_(None) & (ClaimLine.declared >= 0))
                            .group_by(*groups)).all()
    df = pl.DataFrame([tuple(r) for r in rows], orient="row", schema={
        "code": pl.String, "provider": pl.String, "month": pl.String, "rule": pl.String, "state": pl.String,
        "n": pl.Int64})
    kinds = reference.service_codes.select(pl.col("key").alias("code"), "care_kind")
    df = df.join(kinds, on="code", how="left").with_columns(pl.col("rule").is_not_null().alias("held"))

    def rate(by: list[str]) -> pl.DataFrame:
        g = df.group_by(by) if by else df.with_columns(pl.lit("all").alias("all")).group_by("all")
        return (g.agg(pl.col("n").sum().alias("lines"), pl.col("n").filter(pl.col("held")).sum().alias("held"))
                .with_columns((1 - pl.col("held") / pl.col("lines")).alias("first_pass_rate"))
                .sort(by or "all"))
    total = int(df["n"].sum())
    per_rule = (df.filter(pl.col("held")).group_by("rule").agg(
        pl.col("n").sum().alias("held"), pl.col("n").filter(pl.col("state") != "decided").sum().alias("waiting"))
        .with_columns((pl.col("held") / max(total, 1)).alias("share_of_lines")).sort("rule"))
    return {"all": rate([]), "care_kind": rate(["care_kind"]), "provider": rate(["provider"]),
            "month": rate(["month"]), "rule": per_rule}
