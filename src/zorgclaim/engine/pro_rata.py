"""The deductible of a year in which the member was insured only part of the time: the compulsory
and voluntary deductible in proportion to the days insured under a basic product that year,
rounded to whole euros (Zvw art. 19 lid 3; the rounding as insurers apply it, e.g. Plus Gezond's
example: EUR 385 for 30 days of 366 is EUR 32; verified: false).

The same holds for the year a member turns 18: the deductible applies from the first day of the
month after the 18th birthday (when the premium becomes due), and the year's amount is in
proportion to the days from then on (Zvw art. 19; DSW, 'Hoe zit het met het eigen risico wanneer
je 18 jaar wordt?'; Zorgverzekeringslijn, '18 jaar! Hoe zit het met vergoeding van zorg in de
verjaardagsmaand?'). Insurers differ on the days counted: Just ('18 jaar: dit moet je regelen')
counts them from the birthday itself; this follows the days the premium is due.

Pure: the coverages come from the world; the engine and the member's meter both use it, so the
two never disagree."""

from __future__ import annotations

import polars as pl

from zorgclaim.engine.frames import run


def deductible_start(birth: pl.Expr, min_age: pl.Expr) -> pl.Expr:
    """The first day the deductible applies to a member born on `birth`: the first day of the month
    after the one in which the member reaches `min_age` (null birth: null, no limit)."""
    return pl.date(birth.dt.year() + min_age, birth.dt.month(), 1).dt.offset_by("1mo")


def insured_days(coverages: pl.DataFrame, basic_products: list[str], keys: pl.DataFrame) -> pl.DataFrame:
    """`keys` (member_id, ded_year, and optionally `ded_from`: the day the deductible starts to
    apply, see `deductible_start`) with `insured_days` (days of the year under a basic product from
    `ded_from` on, at most the year's) and `year_days`."""
    year_start = pl.date(pl.col("ded_year"), 1, 1)
    year_end = pl.date(pl.col("ded_year"), 12, 31)
    cov = coverages.lazy().filter(pl.col("product").is_in(basic_products)).select("member_id", "from", "to")
    start = pl.max_horizontal("from", year_start, "ded_from") if "ded_from" in keys.columns else pl.max_horizontal("from", year_start)
    spans = (keys.lazy().select("member_id", "ded_year", *(["ded_from"] if "ded_from" in keys.columns else []))
             .unique(["member_id", "ded_year"]).join(cov, on="member_id", how="left")
             .with_columns(start.alias("_a"),
                           pl.min_horizontal(pl.col("to").fill_null(year_end), year_end).alias("_b"))
             .with_columns(pl.when(pl.col("from").is_null()).then(0)
                           .otherwise(((pl.col("_b") - pl.col("_a")).dt.total_days() + 1).clip(0, None))
                           .alias("_d")))
    year_days = ((year_end - year_start).dt.total_days() + 1).alias("year_days")
    days = spans.group_by("member_id", "ded_year").agg(pl.col("_d").sum().alias("insured_days"))
    # (one polars query: `run`)
    return run(keys.lazy().join(days, on=["member_id", "ded_year"], how="left")
               .with_columns(year_days).with_columns(pl.min_horizontal(pl.col("insured_days").fill_null(0),
                                                                       pl.col("year_days")).alias("insured_days")))


def pro_rata(total: pl.Expr) -> pl.Expr:
    """The year's deductible (cents) for the days insured: whole euros, half up; the whole total
    for a whole year."""
    share = (total * pl.col("insured_days") * 2 + pl.col("year_days") * 100) // (pl.col("year_days") * 200) * 100
    return pl.when(pl.col("insured_days") >= pl.col("year_days")).then(total).otherwise(share)
