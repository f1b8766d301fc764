"""Authorizations in the store: requested by a provider or member, decided by a medical adviser,
listed; and the watch list. The world's own authorizations (its folder) are read as they are; a
store row of the same id replaces the world's (see repository.with_added_facts)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Engine, func, insert, select, update

from zorgclaim.store.models import AddedAuthorization, AuditEvent, WatchEntry
from zorgclaim.store.repository import lock_keys, take_write_lock

AUTH_COLUMNS = ("id", "member_id", "benefit", "from_", "to", "status", "added_by", "added_at", "provider",
                "request_note", "decided_by", "decided_at", "decision_reason")


class AuthorizationError(ValueError):
    def __init__(self, message: str, kind: str = "invalid"):
        super().__init__(message)
        self.kind = kind


def _row(r) -> dict:
    d = dict(zip(AUTH_COLUMNS, r))
    d["from"] = d.pop("from_")
    return d


def request(engine: Engine, *, member_id: str, benefit: str, start: dt.date, end: dt.date | None, by: str,
            provider: str | None, note: str | None) -> dict:
    """A new request (status requested), numbered A-R<n>."""
    if end is not None and end < start:
        raise AuthorizationError("the period ends before it starts", "invalid")
    with engine.begin() as conn:
        take_write_lock(conn)
        lock_keys(conn, ["authorization-numbers"])     # two requests at once never take the same number
        n = conn.execute(select(func.count()).select_from(AddedAuthorization)
                         .where(AddedAuthorization.id.like("A-R%"))).scalar_one() + 1
        auth_id = f"A-R{n:06d}"
        while conn.execute(select(AddedAuthorization.id).where(AddedAuthorization.id == auth_id)).first():
            n += 1
            auth_id = f"A-R{n:06d}"
        conn.execute(insert(AddedAuthorization).values(
            id=auth_id, member_id=member_id, benefit=benefit, from_=start, to=end, status="requested", added_by=by,
            added_at=dt.datetime.now(), provider=provider, request_note=note))
        conn.execute(insert(AuditEvent).values(at=dt.datetime.now(), actor=by, action="authorization-requested",
                                               line_id=None, reason=note, detail=json.dumps(
                                                   {"authorization": auth_id, "benefit": benefit, "member_id": member_id,
                                                    "from": str(start), "to": str(end) if end else None})))
    return get(engine, auth_id)


def get(engine: Engine, auth_id: str) -> dict | None:
    with engine.connect() as conn:
        r = conn.execute(select(*[getattr(AddedAuthorization, c) for c in AUTH_COLUMNS])
                         .where(AddedAuthorization.id == auth_id)).first()
    return None if r is None else _row(r)


def listing(engine: Engine, *, status: str | None = None, member_id: str | None = None, provider: str | None = None,
            limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    cond = []
    if status:
        cond.append(AddedAuthorization.status == status)
    if member_id:
        cond.append(AddedAuthorization.member_id == member_id)
    if provider:
        cond.append(AddedAuthorization.provider == provider)
    with engine.connect() as conn:
        q = select(*[getattr(AddedAuthorization, c) for c in AUTH_COLUMNS])
        total = conn.execute(select(func.count()).select_from(AddedAuthorization).where(*cond)).scalar_one()
        rows = conn.execute(q.where(*cond).order_by(AddedAuthorization.added_at, AddedAuthorization.id)
                            .limit(limit).offset(offset)).all()
    return [_row(r) for r in rows], int(total)


def decide(engine: Engine, auth_id: str, *, grant: bool, by: str, reason: str, start: dt.date | None = None,
           end: dt.date | None = None) -> dict:
    """Grant (active, for the requested period or the one given) or refuse (denied) a request."""
    if not (reason or "").strip():
        raise AuthorizationError("a decision on an authorization needs a reason", "invalid")
    with engine.begin() as conn:
        row = conn.execute(select(AddedAuthorization.status, AddedAuthorization.from_, AddedAuthorization.to)
                           .where(AddedAuthorization.id == auth_id)).first()
        if row is None:
            raise AuthorizationError(f"no authorization request {auth_id!r}", "not_found")
        if row.status != "requested":
            raise AuthorizationError(f"authorization {auth_id!r} is {row.status}, not requested", "conflict")
        start, end = start or row[1], end if end is not None else row.to
        if end is not None and end < start:
            raise AuthorizationError("the period ends before it starts", "invalid")
        conn.execute(update(AddedAuthorization).where(AddedAuthorization.id == auth_id).values(
            status="active" if grant else "denied", from_=start, to=end, decided_by=by, decided_at=dt.datetime.now(),
            decision_reason=reason))
        conn.execute(insert(AuditEvent).values(at=dt.datetime.now(), actor=by, action="authorization-decided",
                                               line_id=None, reason=reason, detail=json.dumps(
                                                   {"authorization": auth_id, "granted": grant, "from": str(start),
                                                    "to": str(end) if end else None})))
    return get(engine, auth_id)


WATCH_COLUMNS = ("id", "kind", "subject_id", "rule", "from_", "to", "reason", "added_by", "added_at")


def add_watch(engine: Engine, *, kind: str, subject_id: str, rule: str, start: dt.date | None, end: dt.date | None,
              reason: str | None, by: str) -> int:
    with engine.begin() as conn:
        return conn.execute(insert(WatchEntry).values(kind=kind, subject_id=subject_id, rule=rule, from_=start, to=end,
                                                      reason=reason, added_by=by, added_at=dt.datetime.now())
                            .returning(WatchEntry.id)).scalar_one()


def watch_list(engine: Engine, rule: str | None = None) -> list[dict]:
    with engine.connect() as conn:
        q = select(*[getattr(WatchEntry, c) for c in WATCH_COLUMNS])
        rows = conn.execute(q.where(WatchEntry.rule == rule) if rule else q).all()
    out = []
    for r in rows:
        d = dict(zip(WATCH_COLUMNS, r))
        d["from"] = d.pop("from_")
        out.append(d)
    return out


def replace_watch(engine: Engine, rule: str, entries: list[dict], by: str) -> int:
    """The whole list of one rule replaced (a computed list such as provider variance)."""
    from sqlalchemy import delete
    with engine.begin() as conn:
        conn.execute(delete(WatchEntry).where(WatchEntry.rule == rule))
        if entries:
            now = dt.datetime.now()
            # (rows by column name: the column of `from_` is named "from")
            conn.execute(insert(WatchEntry), [{"kind": e["kind"], "subject_id": e["id"], "rule": rule,
                                               "from": e["from"], "to": e["to"], "reason": e.get("reason"),
                                               "added_by": by, "added_at": now} for e in entries])
    return len(entries)
