"""A line as its people see it: the decision (and its reconsiderations), why (the sourced steps,
in Dutch or English), whether it is held for review, and its audit trail in words. A member sees
its own lines, a provider the lines it sent, claims staff all."""

from __future__ import annotations

import json

from sqlalchemy import select

from zorgclaim.app.access import Forbidden, NotFound, Principal, is_staff, log_access
from zorgclaim.app.context import Context
from zorgclaim.domain.money import fmt_eur
from zorgclaim.engine.explain import explain as render
from zorgclaim.store.models import ClaimLine, Decision
from zorgclaim.store.reconsider import line_history

STATUS = {"nl": {"accepted": "toegewezen", "partial": "gedeeltelijk toegewezen", "rejected": "afgewezen",
                 "pended": "in behandeling: wacht op beoordeling"},
          "en": {"accepted": "accepted", "partial": "partly accepted", "rejected": "rejected",
                 "pended": "held: awaiting review"}}

ACTIONS = {"nl": {"authorization-added": "machtiging toegevoegd", "reconsideration-requested": "heroverweging gevraagd",
                  "credited": "gecrediteerd", "decided-again": "opnieuw beslist", "review-taken": "in behandeling genomen",
                  "review-released": "teruggezet in de wachtrij", "review-decided": "beoordeeld"},
           "en": {"authorization-added": "authorization added", "reconsideration-requested": "reconsideration asked",
                  "credited": "credited", "decided-again": "decided again", "review-taken": "taken for review",
                  "review-released": "put back on the queue", "review-decided": "reviewed"}}


AUDIT_KEYS = {"nl": {"old": "was", "new": "nu", "proposal": "voorstel", "decision": "beslissing"},
              "en": {"old": "was", "new": "now", "proposal": "proposal", "decision": "decision"}}


def owner(ctx: Context, line_id: str) -> tuple[str, str] | None:
    """(member id, provider AGB) of a stored line."""
    with ctx.engine.connect() as conn:
        r = conn.execute(select(ClaimLine.member_id, ClaimLine.provider).where(ClaimLine.line_id == line_id)).first()
    return None if r is None else (r[0], r[1])


def may_see_line(ctx: Context, p: Principal, line_id: str) -> tuple[str, str]:
    """Raise NotFound / Forbidden unless `p` may see the line; log the access."""
    who = owner(ctx, line_id)
    if who is None:
        raise NotFound(f"no line {line_id!r}")
    member_id, provider = who
    ok = (p.role == "member" and p.member_id == member_id) or (p.role == "provider" and p.provider == provider) \
        or is_staff(p)
    if not ok:
        raise Forbidden("you may not see this line")
    log_access(ctx.engine, p, "read-line", "line", line_id)
    return who


def audit_text(event: tuple, lang: str = "nl") -> str:
    """An audit event in words, money in euros."""
    at, actor, action, line_id, detail, reason = event
    d = json.loads(detail) if isinstance(detail, str) else (detail or {})
    what = ACTIONS.get(lang, ACTIONS["nl"]).get(action, action)
    parts = [f"{at:%Y-%m-%d %H:%M} {actor}: {what} ({line_id})" if line_id else f"{at:%Y-%m-%d %H:%M} {actor}: {what}"]
    for key in ("old", "new", "proposal", "decision"):
        v = d.get(key)
        if isinstance(v, dict) and "status" in v:
            words = STATUS.get(lang, STATUS["nl"]).get(v["status"], v["status"])
            parts.append(f"{AUDIT_KEYS.get(lang, AUDIT_KEYS['nl'])[key]}: {words}, {fmt_eur(v.get('allowed', 0))}")
    if "difference" in d:
        parts.append(("verschil" if lang == "nl" else "difference") + f": {fmt_eur(d['difference'])}")
    if d.get("changes"):
        parts.append(", ".join(f"{k}: {a} -> {b}" for k, (a, b) in d["changes"].items()))
    if reason:
        parts.append(("reden" if lang == "nl" else "reason") + f": {reason}")
    return "; ".join(parts)


def view(ctx: Context, p: Principal, line_id: str, lang: str = "nl") -> dict:
    """The line's decisions along its reconsiderations, each with its explanation, the review
    state, and the audit trail."""
    member_id, provider = may_see_line(ctx, p, line_id)
    h = line_history(ctx.engine, line_id)
    from zorgclaim.store.review import item
    review = item(ctx.engine, line_id)
    with ctx.engine.connect() as conn:
        line = conn.execute(select(ClaimLine.claim_id, ClaimLine.service_date, ClaimLine.received, ClaimLine.code,
                                   ClaimLine.quantity, ClaimLine.declared, ClaimLine.submitted_by, ClaimLine.channel,
                                   ClaimLine.provider_name, ClaimLine.country)
                            .where(ClaimLine.line_id == line_id)).first()
        decided = conn.execute(select(Decision.line_id).where(Decision.line_id == line_id)).first() is not None
    chain = []
    for lid, d in h["chain"]:
        steps = h["steps"].get(lid) or []
        chain.append({"line_id": lid, "status": d["status"],
                      "status_text": STATUS.get(lang, STATUS["nl"]).get(d["status"], d["status"]),
                      "allowed": d["allowed"], "deductible": d["deductible"], "paid": d["paid"],
                      "codes": [c for c in (d["codes"] or "").split(";") if c],
                      "code_meanings": {c: ctx.reference.return_code_meaning(c) for c in (d["codes"] or "").split(";") if c},
                      "replaced_by": d["superseded_by"], "explanation": render({"steps": steps}, lang), "steps": steps})
    return {
        "line_id": line_id, "member_id": member_id, "provider": provider, "claim_id": line.claim_id,
        "service_date": line.service_date, "received": line.received, "code": line.code, "quantity": line.quantity,
        "declared": line.declared, "submitted_by": line.submitted_by, "channel": line.channel,
        "provider_name": line.provider_name, "country": line.country, "decided": decided, "decisions": chain,
        "review": None if review is None else {k: review[k] for k in (
            "rule", "queue", "state", "pended_at", "taken_by", "decided_by", "decided_role", "decided_at", "action",
            "allowed_max", "reason", "proposal")},
        "audit": [audit_text(e, lang) for e in h["audit"]],
    }


def lines_of(ctx: Context, p: Principal, *, member_id: str | None = None, provider: str | None = None,
             status: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    """A page of decided lines of a member or a provider, newest service date first."""
    from sqlalchemy import func
    if p.role == "member":
        if member_id not in (None, p.member_id):
            raise Forbidden("you may see your own lines only")
        member_id, provider = p.member_id, None
    elif p.role == "provider":
        if provider not in (None, p.provider):
            raise Forbidden("you may see your own lines only")
        provider = p.provider
    elif not is_staff(p):
        raise Forbidden("you may not see lines")
    if member_id is None and provider is None:
        raise NotFound("give a member or a provider")
    cond = []
    if member_id:
        cond.append(ClaimLine.member_id == member_id)
    if provider:
        cond.append(ClaimLine.provider == provider)
    if status:
        cond.append(Decision.status == status)
    q = (select(ClaimLine.line_id, ClaimLine.member_id, ClaimLine.provider, ClaimLine.service_date, ClaimLine.code,
                ClaimLine.declared, Decision.status, Decision.allowed, Decision.deductible, Decision.paid, Decision.codes)
         .join(Decision, Decision.line_id == ClaimLine.line_id).where(*cond))
    with ctx.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = conn.execute(q.order_by(ClaimLine.service_date.desc(), ClaimLine.line_id).limit(limit).offset(offset)).all()
    out = [dict(r._mapping) | {"codes": [c for c in (r.codes or "").split(";") if c]} for r in rows]
    log_access(ctx.engine, p, "list-lines", "member" if member_id else "provider", member_id or provider)
    return out, int(total)

