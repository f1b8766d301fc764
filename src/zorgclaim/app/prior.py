"""Prior treatments after a switch of insurer during a chronic physio or exercise therapy
trajectory: the provider states when the trajectory started and how many treatments were given
(ONVZ's "formulier behandelhistorie paramedische zorg"); a claims handler enters the statement,
and it counts on the member's per-condition counter from then on. Lines refused before it was
entered are decided again by reconsideration (the insurer takes them "verder in behandeling")."""

from __future__ import annotations

import datetime as dt

import polars as pl

from zorgclaim.app.access import Invalid, Principal, log_access, require
from zorgclaim.app.context import Context
from zorgclaim.app.members import may_see_member, member_row
from zorgclaim.store import prior as store


def condition_benefits(ctx: Context) -> set[str]:
    """The benefits whose limits count per condition (the ones a prior count can apply to)."""
    return {b.id for bs in ctx.library.benefits.values() for b in bs if b.limits.counter == "condition"}


def enter(ctx: Context, p: Principal, member_id: str, benefit: str, diagnosis: str, started: dt.date,
          treatments: int, note: str | None = None) -> dict:
    require(p, "handler")
    member_row(ctx, member_id)
    allowed = condition_benefits(ctx)
    if benefit not in allowed:
        raise Invalid(f"benefit {benefit!r} does not count per condition; one of: {', '.join(sorted(allowed))}",
                      "benefit")
    if ctx.world.reference.dcsph.filter(pl.col("code") == diagnosis).height == 0:
        raise Invalid(f"diagnosis {diagnosis!r} is not a DCSPH code", "diagnosis")
    if started > ctx.today():
        raise Invalid("the trajectory cannot start after today", "started")
    if not 1 <= treatments <= 1000:
        raise Invalid("treatments must be between 1 and 1000", "treatments")
    row = store.enter(ctx.engine, ctx.world, member_id=member_id, benefit=benefit, diagnosis=diagnosis,
                      started=started, treatments=treatments, by=p.name, note=note)
    log_access(ctx.engine, p, "prior-treatments-entered", "member", member_id)
    return row


def listing(ctx: Context, p: Principal, member_id: str) -> list[dict]:
    may_see_member(ctx, p, member_id, "prior-treatments")
    return store.listing(ctx.engine, member_id)
