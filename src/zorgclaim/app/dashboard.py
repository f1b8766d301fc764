"""The figures a manager looks at: the first-pass rate per month received, refusals by return
code, money paid per month per kind of care, the deductible collected per month, and the review
queue by age. Claims staff only; computed by the database where it can (sums and counts)."""

from __future__ import annotations

import datetime as dt
import time

import polars as pl
from sqlalchemy import String, func, select

from zorgclaim.app.access import Principal, require
from zorgclaim.app.context import Context
from zorgclaim.store.models import ClaimLine, Decision, ReviewItem

AGES = [(0, 1, "< 1 dag"), (1, 7, "1-7 dagen"), (7, 30, "7-30 dagen"), (30, 10**6, "> 30 dagen")]


_CACHE: dict = {}
CACHE_SECONDS = 60.0


def figures(ctx: Context, p: Principal, months: int = 12) -> dict[str, pl.DataFrame]:
    """The figures, computed at most once a minute per store (a manager's view need not be newer)."""
    require(p, "handler", "medical_adviser", "finance")
    key = (id(ctx.engine), ctx.today(), months)
    hit = _CACHE.get(key)
    if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    out = _figures(ctx, months)
    _CACHE.clear()
    _CACHE[key] = (time.monotonic(), out)
    return out


def warm(ctx: Context) -> None:
    """Compute the figures once in the background (a server's start), so that no page waits for
    the first, cold scan of the books."""
    import threading

    from zorgclaim.app.access import SYSTEM

    def run():
        try:
            figures(ctx, SYSTEM)
        except Exception:  # noqa: BLE001 - an empty or new store: the page computes them itself
            pass
    threading.Thread(target=run, name="zorgclaim-dashboard-warm", daemon=True).start()


def _figures(ctx: Context, months: int) -> dict[str, pl.DataFrame]:
    since = months_back(ctx.today(), months)
    money = _money(ctx, since)
    return {"first_pass": _first_pass(ctx, since), "refusals": _refusals(ctx),
            "paid": money.group_by("month", "care_kind").agg(pl.col("allowed").sum().alias("cents")).sort("month", "care_kind"),
            "deductible": money.group_by("month").agg(pl.col("deductible").sum().alias("cents")).sort("month"),
            "queue_age": _queue_age(ctx)}


def _month(column):
    """'YYYY-MM' of a date column, in SQL (SQLite and PostgreSQL)."""
    return func.substr(func.cast(column, String), 1, 7)


def _first_pass(ctx: Context, since: dt.date) -> pl.DataFrame:
    """Per month received: the decided lines (credits left out: they follow their debit), how many
    a review rule held, and the share that no person had to look at (as review.first_pass counts)."""
    month = _month(ClaimLine.received)
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(month, func.count(), func.count(ReviewItem.rule))
                            .select_from(Decision).join(ClaimLine, ClaimLine.line_id == Decision.line_id)
                            .outerjoin(ReviewItem, ReviewItem.line_id == Decision.line_id)
                            .where(ClaimLine.credits.is_(None) & (ClaimLine.declared >= 0)
                                   & (ClaimLine.received >= since) & (ClaimLine.received <= ctx.today()))
                            .group_by(month).order_by(month)).all()
    df = pl.DataFrame(rows, orient="row", schema={"month": pl.String, "lines": pl.Int64, "held": pl.Int64})
    return df.with_columns((1 - pl.col("held") / pl.col("lines")).alias("first_pass_rate"))


def months_back(day: dt.date, n: int) -> dt.date:
    """The first day of the month n-1 months before `day`'s (n months in all, this one included)."""
    y, m = day.year, day.month - (n - 1)
    while m <= 0:
        m, y = m + 12, y - 1
    return dt.date(y, m, 1)


def _current():
    """Decisions in force (not replaced by a reconsideration)."""
    return Decision.superseded_by.is_(None)


def _refusals(ctx: Context, top: int = 10) -> pl.DataFrame:
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(Decision.codes, func.count()).where(_current() & (Decision.status == "rejected"))
                            .group_by(Decision.codes)).all()
    df = pl.DataFrame(rows, orient="row", schema={"codes": pl.String, "lines": pl.Int64})
    by_code = (df.with_columns(pl.col("codes").str.split(";")).explode("codes").filter(pl.col("codes") != "")
               .group_by("codes").agg(pl.col("lines").sum()).rename({"codes": "code"})
               .sort(["lines", "code"], descending=[True, False]).head(top))
    # (the meanings looked up in Python, not by a function inside a polars query: see ledger.postings.due_dates)
    return by_code.with_columns(pl.Series("meaning", [ctx.reference.return_code_meaning(c) for c in by_code["code"].to_list()],
                                          dtype=pl.String))


def _money(ctx: Context, since: dt.date) -> pl.DataFrame:
    """Covered and deductible per month of care and kind of care, decisions in force."""
    # grouped by the day in SQL (a plain column groups faster than a computed month), by month here
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(ClaimLine.service_date, ClaimLine.code, func.sum(Decision.allowed),
                                   func.sum(Decision.deductible))
                            .select_from(ClaimLine).join(Decision, ClaimLine.line_id == Decision.line_id)
                            .where(_current() & (ClaimLine.service_date >= since))
                            .group_by(ClaimLine.service_date, ClaimLine.code)).all()
    df = pl.DataFrame(rows, orient="row", schema={"day": pl.Date, "code": pl.String, "allowed": pl.Int64,
                                                  "deductible": pl.Int64})
    df = (df.with_columns(pl.col("day").dt.strftime("%Y-%m").alias("month"))
          .group_by("month", "code").agg(pl.col("allowed").sum(), pl.col("deductible").sum()))
    kinds = ctx.reference.service_codes.select(pl.col("key").alias("code"), "care_kind")
    return df.join(kinds, on="code", how="left").with_columns(pl.col("care_kind").fill_null("overig"))


def _queue_age(ctx: Context) -> pl.DataFrame:
    now = dt.datetime.combine(ctx.today(), dt.time(23, 59))
    with ctx.engine.connect() as conn:
        held = [r[0] for r in conn.execute(select(ReviewItem.pended_at).where(ReviewItem.state != "decided"))]
    counts = {label: 0 for _, _, label in AGES}
    for at in held:
        days = (now - at).total_seconds() / 86400 if at else 0
        for low, high, label in AGES:
            if low <= days < high:
                counts[label] += 1
                break
    return pl.DataFrame({"age": list(counts), "lines": list(counts.values())})
