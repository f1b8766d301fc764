"""Reconsideration (heroverweging): a member or provider asks for a line to be decided again with
facts added - an authorization, a referral or indication, a corrected code.

The old decision stays as it was. When it moved money or deductible, a credit line reverses it
exactly (the engine's credit logic); a new line carries the corrected facts and is decided against
the member's state as it is now. The old decision points to the new line (`superseded_by`), the
ledger gets the credit's and the new line's transfers (together: the money difference), and every
step is an audit event: who, when, what changed, why. All in one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine, func, insert, select, update

from zorgclaim.domain.schema import LINE_SCHEMA
from zorgclaim.domain.world import World
from zorgclaim.store import explanations
from zorgclaim.store.models import (AddedAuthorization, AuditEvent, ClaimLine, Decision, Reconsideration)
from zorgclaim.store.repository import decide, lock_members, take_write_lock
from zorgclaim.store.variance import count_decided

# the facts a reconsideration may change, with their types
CHANGEABLE = {"code": pl.String, "quantity": pl.Int64, "declared": pl.Int64, "diagnosis": pl.String,
              "csi": pl.String, "referral_by": pl.String, "referral_date": pl.Date, "indication_by": pl.String,
              "indication_kind": pl.String, "onset_date": pl.Date, "provider_name": pl.String,
              "country": pl.String, "authorization": pl.String}


class ReconsiderError(ValueError):
    """The request cannot be carried out; the message says why."""


@dataclass(frozen=True)
class NewAuthorization:
    id: str
    benefit: str
    start: dt.date
    end: dt.date | None = None


@dataclass(frozen=True)
class Reconsidered:
    line_id: str
    credit_line_id: str | None
    new_line_id: str
    old: dict                   # status, allowed, deductible, paid, codes of the old decision
    new: dict                   # the same for the new decision
    difference: int             # paid now minus paid before (cents)
    changes: dict               # field -> [old, new]


def _decision(conn, line_id: str) -> dict | None:
    row = conn.execute(select(Decision.status, Decision.allowed, Decision.deductible, Decision.paid, Decision.codes,
                              Decision.superseded_by).where(Decision.line_id == line_id)).first()
    return None if row is None else dict(row._mapping)


def _audit(conn, actor: str, action: str, line_id: str, detail: dict, reason: str | None = None) -> None:
    conn.execute(insert(AuditEvent).values(at=dt.datetime.now(), actor=actor, action=action, line_id=line_id,
                                           detail=json.dumps(detail, default=str, ensure_ascii=False), reason=reason))


def reconsider(engine: Engine, world: World, line_id: str, *, by: str, reason: str,
               authorization: NewAuthorization | None = None, changes: dict | None = None,
               booked: dt.date | None = None, explain: bool = True) -> Reconsidered:
    if not by.strip() or not reason.strip():
        raise ReconsiderError("a reconsideration needs who asks for it (by) and why (reason)")
    changes = dict(changes or {})
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise ReconsiderError(f"cannot change {', '.join(unknown)}; changeable: {', '.join(CHANGEABLE)}")
    python_type = {pl.String: str, pl.Int64: int, pl.Date: dt.date}
    for field, value in changes.items():
        want = python_type[CHANGEABLE[field]]
        if value is not None and (not isinstance(value, want) or isinstance(value, bool)):
            raise ReconsiderError(f"{field}: expected {want.__name__}, got {value!r}")
    if authorization and "authorization" not in changes:
        changes["authorization"] = authorization.id
    if not changes:
        raise ReconsiderError("nothing to reconsider: add an authorization or change a fact of the line")
    booked = booked or dt.date.today()
    with engine.begin() as conn:
        take_write_lock(conn)
        row = conn.execute(select(*[getattr(ClaimLine, c) for c in LINE_SCHEMA])
                           .where(ClaimLine.line_id == line_id)).first()
        if row is None:
            raise ReconsiderError(f"no line {line_id!r} in the store")
        line = dict(row._mapping)
        old = _decision(conn, line_id)
        if old is None:
            raise ReconsiderError(f"line {line_id!r} is not decided yet; run `zorgclaim process` first")
        if old["status"] == "pended":
            raise ReconsiderError(f"line {line_id!r} is held for review: decide it on the review queue first")
        if line["credits"]:
            raise ReconsiderError(f"line {line_id!r} is a credit of {line['credits']!r}; reconsider that line instead")
        if old["superseded_by"]:
            raise ReconsiderError(f"line {line_id!r} was reconsidered before; its decision now is line "
                                  f"{old['superseded_by']!r}: reconsider that one")
        old["codes"] = old["codes"].split(";") if old["codes"] else []
        member = line["member_id"]
        lock_members(conn, [member])

        if authorization:
            known = set(world.authorizations["id"].to_list()) | {
                r[0] for r in conn.execute(select(AddedAuthorization.id).where(AddedAuthorization.id == authorization.id))}
            if authorization.id in known:
                raise ReconsiderError(f"authorization {authorization.id!r} exists already")
            if authorization.end and authorization.end < authorization.start:
                raise ReconsiderError(f"authorization {authorization.id!r} ends before it starts")
            conn.execute(insert(AddedAuthorization).values(
                id=authorization.id, member_id=member, benefit=authorization.benefit, from_=authorization.start,
                to=authorization.end, status="active", added_by=by, added_at=dt.datetime.now()))
            _audit(conn, by, "authorization-added", line_id, dataclasses.asdict(authorization), reason)

        diff = {k: [line[k], v] for k, v in changes.items() if line[k] != v}
        n = conn.execute(select(func.count()).select_from(Reconsideration)
                         .where(Reconsideration.line_id == line_id)).scalar_one() + 1
        _audit(conn, by, "reconsideration-requested", line_id, {"changes": diff, "old": old}, reason)

        credit_id = None
        if old["allowed"] != 0 or old["deductible"] != 0:
            credit_id = f"{line_id}-C{n}"
            credit = dict(line, line_id=credit_id, declared=-line["declared"], credits=line_id)
            _store_line(conn, credit)
            cd = decide(conn, _frame(credit), world, booked, explain, kind="reconsideration",
                        memo=f"reconsideration of {line_id}: credit")
            _audit(conn, by, "credited", credit_id, _summary(cd.row(0, named=True)), reason)

        new_id = f"{line_id}-R{n}"
        new_line = dict(line, line_id=new_id, **changes)
        _store_line(conn, new_line)
        nd = decide(conn, _frame(new_line), world, booked, explain, kind="reconsideration",
                    memo=f"reconsideration of {line_id}: decided again")
        new = _summary(nd.row(0, named=True))
        conn.execute(update(Decision).where(Decision.line_id == line_id).values(superseded_by=new_id))
        conn.execute(insert(Reconsideration).values(
            line_id=line_id, credit_line_id=credit_id, new_line_id=new_id, requested_by=by, reason=reason,
            changes=json.dumps(diff, default=str, ensure_ascii=False), at=dt.datetime.now()))
        old_summary = {k: old[k] for k in ("status", "allowed", "deductible", "paid", "codes")}
        difference = new["paid"] - old["paid"]
        _audit(conn, by, "decided-again", new_id, {"old": old_summary, "new": new, "difference": difference,
                                                   "replaces": line_id}, reason)
    return Reconsidered(line_id, credit_id, new_id, old_summary, new, difference, diff)


def _store_line(conn, line: dict) -> None:
    """Store a line the reconsideration decides at once (it never waits on the work queue)."""
    conn.execute(insert(ClaimLine).values(**line, file_id=None))
    count_decided(conn, _frame(line))


def _frame(line: dict) -> pl.DataFrame:
    return pl.DataFrame([line], schema=LINE_SCHEMA)


def _summary(d: dict) -> dict:
    return {"status": d["status"], "allowed": d["allowed"], "deductible": d["deductible"], "paid": d["paid"],
            "codes": list(d["codes"])}


def line_history(engine: Engine, line_id: str) -> dict:
    """A line's decisions along its reconsiderations and its audit trail, for `zorgclaim line`."""
    with engine.connect() as conn:
        chain, seen = [], line_id
        while seen:
            d = _decision(conn, seen)
            if d is None:
                break
            chain.append((seen, d))
            seen = d["superseded_by"]
        ids = [c[0] for c in chain]
        credits = [r[0] for r in conn.execute(select(Reconsideration.credit_line_id).where(
            Reconsideration.line_id.in_(ids) & Reconsideration.credit_line_id.is_not(None)))]
        steps = dict(conn.execute(select(Decision.line_id, Decision.explanation).where(Decision.line_id.in_(ids))).all())
        texts = explanations.source_texts(conn)
        events = conn.execute(select(AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.line_id,
                                     AuditEvent.detail, AuditEvent.reason)
                              .where(AuditEvent.line_id.in_(ids + credits)).order_by(AuditEvent.id)).all()
    return {"chain": chain, "credits": credits, "audit": [tuple(e) for e in events],
            "steps": {k: explanations.expand(v, texts) for k, v in steps.items()}}
