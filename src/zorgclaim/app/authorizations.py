"""Prior authorizations (toestemming vooraf): a provider or member asks, a medical adviser grants
or refuses with a reason; lines held while the request waited are then decided again."""

from __future__ import annotations

import datetime as dt

from zorgclaim.app.access import Conflict, Forbidden, Invalid, NotFound, Principal, log_access, require
from zorgclaim.app.context import Context
from zorgclaim.app.members import member_row, products_on
from zorgclaim.store import authorizations as store
from zorgclaim.store.review import ReviewError, release_after_authorization


def _raise(e: store.AuthorizationError):
    raise {"not_found": NotFound, "conflict": Conflict}.get(e.kind, Invalid)(str(e)) from None


def request(ctx: Context, p: Principal, member_id: str, benefit: str, start: dt.date, end: dt.date | None = None,
            note: str | None = None) -> dict:
    """A provider asks for a member it will treat; a member for itself; claims staff for anyone."""
    if p.role == "member" and p.member_id != member_id:
        raise Forbidden("you may ask an authorization for yourself only")
    if p.role not in ("member", "provider"):
        require(p, "handler", "medical_adviser")
    # a provider may ask for a new patient, so the answer must not tell it whether a member number
    # exists or what that member is insured for: one sentence for every refusal
    unknown = Invalid("no authorization can be asked for this member number and benefit on that date; "
                      "check them with the patient", "member_id")
    try:
        member_row(ctx, member_id)
    except NotFound:
        if p.role == "provider":
            raise unknown from None
        raise
    known = {b.id for pid in products_on(ctx, member_id, start) for b in ctx.library.benefits[pid]}
    if benefit not in known:
        if p.role == "provider":
            raise unknown
        raise Invalid(f"no benefit {benefit!r} in the member's products on {start}"
                      + (f"; known: {', '.join(sorted(known))}" if known else "; the member has no cover then"), "benefit")
    try:
        got = store.request(ctx.engine, member_id=member_id, benefit=benefit, start=start, end=end, by=p.name,
                            provider=p.provider if p.role == "provider" else None, note=note)
    except store.AuthorizationError as e:
        _raise(e)
    log_access(ctx.engine, p, "authorization-requested", "member", member_id)
    return got


def listing(ctx: Context, p: Principal, status: str | None = None, member_id: str | None = None,
            limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    if p.role == "member":
        if member_id not in (None, p.member_id):
            raise Forbidden("you may see your own authorizations only")
        rows, total = store.listing(ctx.engine, status=status, member_id=p.member_id, limit=limit, offset=offset)
    elif p.role == "provider":
        if not p.provider:
            raise Forbidden("your account acts for no provider (no AGB code)")
        rows, total = store.listing(ctx.engine, status=status, member_id=member_id, provider=p.provider, limit=limit,
                                    offset=offset)
    else:
        require(p, "handler", "medical_adviser")
        rows, total = store.listing(ctx.engine, status=status, member_id=member_id, limit=limit, offset=offset)
    log_access(ctx.engine, p, "read-authorizations", "member", [r["member_id"] for r in rows])
    return rows, total


def get(ctx: Context, p: Principal, auth_id: str) -> dict:
    a = store.get(ctx.engine, auth_id)
    if a is None:
        raise NotFound(f"no authorization {auth_id!r}")
    ok = (p.role == "member" and a["member_id"] == p.member_id) or (p.role == "provider" and a["provider"] == p.provider) \
        or p.role in ("handler", "medical_adviser", "system")
    if not ok:
        raise Forbidden("you may not see this authorization")
    log_access(ctx.engine, p, "read-authorization", "member", a["member_id"])
    return a


def decide(ctx: Context, p: Principal, auth_id: str, grant: bool, reason: str, start: dt.date | None = None,
           end: dt.date | None = None) -> dict:
    """The medical adviser's decision; then the member's lines held for want of it are decided again."""
    require(p, "medical_adviser")
    try:
        a = store.decide(ctx.engine, auth_id, grant=grant, by=p.name, reason=reason, start=start, end=end)
    except store.AuthorizationError as e:
        _raise(e)
    word = "verleend" if grant else "geweigerd"
    try:
        released = release_after_authorization(ctx.engine, ctx.world, a["member_id"], by=p.name, role=p.role,
                                               reason=f"machtiging {auth_id} {word}: {reason}", booked=ctx.today())
    except ReviewError as e:      # the decision stands; the held lines wait on the queue for a person
        raise Conflict(f"authorization {auth_id} was decided, but its held lines could not be released: {e}; "
                       "decide them on the review queue") from None
    log_access(ctx.engine, p, "authorization-decided", "member", a["member_id"])
    return a | {"released_lines": [r.line_id for r in released]}
