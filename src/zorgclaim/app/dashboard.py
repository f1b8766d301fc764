"""The figures a manager looks at: the first-pass rate per month received, refusals by return
code, money paid per month per kind of care, the deductible collected per month, and the review
queue by age. Claims staff only; computed by the database where it can (sums and counts)."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import String, func, select

from zorgclaim.app.access import Principal, require
from zorgclaim.app.context import Context
from zorgclaim.store.models import ClaimLine, Decision, ReviewItem
from zorgclaim.store.review import first_pass

AGES = [(0, 1, "< 1 dag"), (1, 7, "1-7 dagen"), (7, 30, "7-30 dagen"), (30, 10**6, "> 30 dagen")]


def figures(ctx: Context, p: Principal, months: int = 12) -> dict[str, pl.DataFrame]:
    require(p, "handler", "medical_adviser", "finance")
    since = months_back(ctx.today(), months)
    fp = first_pass(ctx.engine, ctx.reference)["month"].filter(
        pl.col("month").is_between(pl.lit(since.strftime("%Y-%m")), pl.lit(ctx.today().strftime("%Y-%m"))))
    return {"first_pass": fp.select("month", "lines", "held", "first_pass_rate"),
            "refusals": _refusals(ctx), "paid": _paid(ctx, since), "deductible": _deductible(ctx, since),
            "queue_age": _queue_age(ctx)}


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
    return by_code.with_columns(pl.col("code").map_elements(ctx.reference.return_code_meaning, return_dtype=pl.String)
                                .alias("meaning"))


def _by_month_and_code(ctx: Context, since: dt.date, amount) -> pl.DataFrame:
    month = func.substr(func.cast(ClaimLine.service_date, String), 1, 7)
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(month, ClaimLine.code, func.sum(amount))
                            .join(ClaimLine, ClaimLine.line_id == Decision.line_id)
                            .where(_current() & (ClaimLine.service_date >= since))
                            .group_by(month, ClaimLine.code)).all()
    df = pl.DataFrame(rows, orient="row", schema={"month": pl.String, "code": pl.String, "cents": pl.Int64})
    kinds = ctx.reference.service_codes.select(pl.col("key").alias("code"), "care_kind")
    return df.join(kinds, on="code", how="left").with_columns(pl.col("care_kind").fill_null("overig"))


def _paid(ctx: Context, since: dt.date) -> pl.DataFrame:
    df = _by_month_and_code(ctx, since, Decision.allowed)
    return df.group_by("month", "care_kind").agg(pl.col("cents").sum()).sort("month", "care_kind")


def _deductible(ctx: Context, since: dt.date) -> pl.DataFrame:
    df = _by_month_and_code(ctx, since, Decision.deductible)
    return df.group_by("month").agg(pl.col("cents").sum()).sort("month")


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
