"""The review queue as its people use it: handlers work the handler queue, medical advisers the
medical queue (both may see both); take a line, decide it with a reason; the first-pass rate; the
watch list and the provider-variance list the selection rules read."""

from __future__ import annotations

import polars as pl

from zorgclaim.app.access import Conflict, Forbidden, Invalid, NotFound, Principal, log_access, require
from zorgclaim.app.context import Context
from zorgclaim.store import review as store
from zorgclaim.store.authorizations import add_watch, replace_watch, watch_list
from zorgclaim.store.variance import provider_year_totals

# who may take and decide a line of each queue: a medical question is a medical adviser's; an
# adviser may also help with the handlers' queue. Both roles see both queues.
DECIDES = {"handler": ("handler", "medical_adviser", "system"), "medical": ("medical_adviser", "system")}


def _may_decide(ctx: Context, p: Principal, line_id: str) -> None:
    it = store.item(ctx.engine, line_id)
    if it is None:
        raise NotFound(f"line {line_id!r} is not on the review queue")
    if p.role not in DECIDES.get(it["queue"], ("system",)):
        raise Forbidden(f"line {line_id!r} is on the {it['queue']} queue: a medical adviser decides it")


def _raise(e: store.ReviewError):
    raise {"not_found": NotFound, "conflict": Conflict}.get(e.kind, Invalid)(str(e)) from None


def queue(ctx: Context, p: Principal, **filters) -> tuple[list[dict], int]:
    """Held lines (open and taken), filtered by queue, rule, care_kind, provider, member_id,
    min_declared, max_declared; oldest first."""
    require(p, "handler", "medical_adviser")
    items, total = store.items(ctx.engine, **filters)
    log_access(ctx.engine, p, "read-review-queue", "line", [i["line_id"] for i in items])
    return items, total


def take(ctx: Context, p: Principal, line_id: str) -> dict:
    require(p, "handler", "medical_adviser")
    _may_decide(ctx, p, line_id)
    try:
        got = store.take(ctx.engine, line_id, p.name)
    except store.ReviewError as e:
        _raise(e)
    log_access(ctx.engine, p, "take-line", "line", line_id)
    return got


def release(ctx: Context, p: Principal, line_id: str) -> dict:
    require(p, "handler", "medical_adviser")
    try:
        got = store.release(ctx.engine, line_id, p.name)
    except store.ReviewError as e:
        _raise(e)
    log_access(ctx.engine, p, "release-line", "line", line_id)
    return got


def decide(ctx: Context, p: Principal, line_id: str, action: str, reason: str, allowed_max: int | None = None):
    """Accept (as the rules say), change (allow at most `allowed_max` cents) or reject a line you
    took; the engine decides it again with that as a fact, and the money follows."""
    require(p, "handler", "medical_adviser")
    if action not in store.ACTIONS:
        raise Invalid(f"action must be one of {', '.join(store.ACTIONS)}", "action")
    if not (reason or "").strip():
        raise Invalid("give the reason for the decision", "reason")
    if action == "change" and allowed_max is None:
        raise Invalid("a change needs allowed_max: the most the line may be allowed", "allowed_max")
    _may_decide(ctx, p, line_id)
    try:
        done = store.decide_line(ctx.engine, ctx.world, line_id, by=p.name, role=p.role, action=action, reason=reason,
                                 allowed_max=allowed_max, booked=ctx.today())
    except store.ReviewError as e:
        _raise(e)
    log_access(ctx.engine, p, "decide-line", "line", line_id)
    return done


def first_pass(ctx: Context, p: Principal) -> dict[str, pl.DataFrame]:
    require(p, "handler", "medical_adviser", "finance")
    return store.first_pass(ctx.engine, ctx.reference)


def watch(ctx: Context, p: Principal, rule: str | None = None) -> list[dict]:
    require(p, "handler")
    return watch_list(ctx.engine, rule)


def add_to_watch(ctx: Context, p: Principal, kind: str, subject_id: str, reason: str, start=None, end=None,
                 rule: str = "watch-list") -> int:
    require(p, "handler")
    if kind not in ("member", "provider"):
        raise Invalid("kind must be member or provider", "kind")
    if rule not in {r.id for r in ctx.world.review_rules or ()}:
        raise Invalid(f"no review rule {rule!r} in force", "rule")
    if not (reason or "").strip():
        raise Invalid("give the reason for watching", "reason")
    n = add_watch(ctx.engine, kind=kind, subject_id=subject_id, rule=rule, start=start, end=end, reason=reason,
                  by=p.name)
    log_access(ctx.engine, p, "watch-added", kind, subject_id)
    return n


def refresh_variance(ctx: Context, p: Principal) -> int:
    """Recompute the provider-variance list of each such rule in force from the decided lines
    in the store (declared amount per patient per year against peers of the same kind)."""
    from zorgclaim.engine.review import variance_of_totals
    rules = [r for r in ctx.world.review_rules or () if r.kind == "provider_variance"]
    if not rules:
        return 0
    # patients and declared amount per provider and year of the decided lines, kept as lines are
    # decided (store/variance.py): a refresh does not scan every stored line
    with ctx.engine.connect() as conn:
        totals = provider_year_totals(conn)
    n = 0
    for rule in rules:
        entries = variance_of_totals(totals, ctx.world.providers, rule)
        n += replace_watch(ctx.engine, rule.id, entries.to_dicts(), f"{p.name} (computed)")
    return n
