"""The deductible of a year in which the member was insured only part of the time: the compulsory
and voluntary deductible in proportion to the days insured under a basic product that year,
rounded to whole euros (Zvw art. 19 lid 3; the rounding as insurers apply it, e.g. Plus Gezond's
example: EUR 385 for 30 days of 366 is EUR 32; verified: false).

Pure: the coverages come from the world; the engine and the member's meter both use it, so the
two never disagree."""

from __future__ import annotations

import polars as pl


def insured_days(coverages: pl.DataFrame, basic_products: list[str], keys: pl.DataFrame) -> pl.DataFrame:
    """`keys` (member_id, ded_year) with `insured_days` (days of the year under a basic product,
    at most the year's) and `year_days`."""
    year_start = pl.date(pl.col("ded_year"), 1, 1)
    year_end = pl.date(pl.col("ded_year"), 12, 31)
    cov = coverages.filter(pl.col("product").is_in(basic_products)).select("member_id", "from", "to")
    spans = (keys.select("member_id", "ded_year").unique().join(cov, on="member_id", how="left")
             .with_columns(pl.max_horizontal("from", year_start).alias("_a"),
                           pl.min_horizontal(pl.col("to").fill_null(year_end), year_end).alias("_b"))
             .with_columns(pl.when(pl.col("from").is_null()).then(0)
                           .otherwise(((pl.col("_b") - pl.col("_a")).dt.total_days() + 1).clip(0, None))
                           .alias("_d")))
    year_days = ((year_end - year_start).dt.total_days() + 1).alias("year_days")
    days = spans.group_by("member_id", "ded_year").agg(pl.col("_d").sum().alias("insured_days"))
    return (keys.join(days, on=["member_id", "ded_year"], how="left")
            .with_columns(year_days).with_columns(pl.min_horizontal(pl.col("insured_days").fill_null(0),
                                                                    pl.col("year_days")).alias("insured_days")))


def pro_rata(total: pl.Expr) -> pl.Expr:
    """The year's deductible (cents) for the days insured: whole euros, half up; the whole total
    for a whole year."""
    share = (total * pl.col("insured_days") * 2 + pl.col("year_days") * 100) // (pl.col("year_days") * 200) * 100
    return pl.when(pl.col("insured_days") >= pl.col("year_days")).then(total).otherwise(share)
