"""'What will this cost me?': a hypothetical line (a treatment, an aid, a DBC-zorgproduct at a
clinic) decided by the engine against the member's state now, with the store's authorizations -
and nothing booked. The answer says who pays what, the deductible it would take, and what would
remain of the deductible and the limits after; it says it is an estimate."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import polars as pl

from zorgclaim.app.access import Principal
from zorgclaim.app.context import Context
from zorgclaim.app.members import deductible_meter, may_see_member, member_row, remaining, state_of
from zorgclaim.domain.schema import LINE_SCHEMA
from zorgclaim.engine import adjudicate
from zorgclaim.engine.explain import explain as render

NOTE = {"nl": "Dit is een schatting: de regels toegepast op wat nu bekend is. Er is niets geboekt. De uiteindelijke "
              "beslissing hangt af van de declaratie zoals die binnenkomt en van wat er tot dan gedeclareerd wordt.",
        "en": "This is an estimate: the rules applied to what is known now. Nothing was booked. The final decision "
              "depends on the claim as it arrives and on what is claimed until then."}


def estimate(ctx: Context, p: Principal, line: dict, lang: str = "nl") -> dict:
    """`line`: member_id, provider, code, service_date, declared (cents) and optionally quantity,
    end_date, diagnosis, csi, referral_by, referral_date, indication_by, indication_kind, onset_date,
    country (where the care will be given; empty: the Netherlands),
    authorization, submitted_by (provider: billed directly, the default; member: a nota)."""
    from zorgclaim.store.repository import with_added_facts
    member_id = line["member_id"]
    may_see_member(ctx, p, member_id, "estimate")
    member_row(ctx, member_id)
    today = ctx.today()
    row = {c: line.get(c) for c in LINE_SCHEMA}
    row.update(line_id=f"ESTIMATE-{uuid.uuid4().hex[:12]}", claim_id="ESTIMATE", quantity=line.get("quantity") or 1,
               submitted_by=line.get("submitted_by") or "provider",
               channel="online" if line.get("submitted_by") == "member" else "vecozo",
               received=max(today, line["service_date"]), credits=None)
    frame = pl.DataFrame([row], schema=LINE_SCHEMA)
    state = state_of(ctx, member_id)
    with ctx.engine.connect() as conn:
        world = with_added_facts(conn, ctx.world.restrict_to_members(pl.Series([member_id])), [member_id])
    # an estimate is never held for a person: it says what the rules give
    world = dataclasses.replace(world, review_rules=())
    decisions, after = adjudicate(frame, world, state, explain=True)
    d = decisions.row(0, named=True)
    year = d["service_date"].year if isinstance(d["service_date"], dt.date) else today.year
    meter = {m["year"]: m for m in deductible_meter(ctx, p, member_id, after, check=False)}
    ded = meter.get(year)
    return {
        "estimate": True, "note": NOTE.get(lang, NOTE["nl"]),
        "status": d["status"], "declared": d["declared"], "allowed": d["allowed"], "deductible": d["deductible"],
        "paid": d["paid"], "payee": d["payee"], "payer": d["payer"], "codes": list(d["codes"]),
        "member_pays": d["declared"] - d["allowed"] + d["deductible"],
        "shares": [dict(s) for s in d["shares"] or []],
        "explanation": render(d, lang), "steps": [dict(s) for s in d["steps"] or []],
        "deductible_after": None if ded is None else {k: ded[k] for k in ("year", "total", "used", "left")},
        "remaining_after": remaining(ctx, p, member_id, after, check=False, day=max(today, line["service_date"])),
    }
