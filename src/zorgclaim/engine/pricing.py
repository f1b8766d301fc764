"""Stage 3: pricing. What each candidate benefit would pay for the line, before limits.

- a contracted provider: the contracted tariff x quantity;
- a benefit with its own amount: per day x days, or a percentage of the declared amount;
- non-contracted on an in-kind policy: the product's percentage of the average contracted tariff;
- non-contracted on a restitution policy, and supplementary modules: up to the market rate.
Never above the declared amount (applied in the limits kernel, which also splits over candidates).
"""

from __future__ import annotations

import polars as pl

from zorgclaim.domain.world import World


def _pct(amount: pl.Expr, pct: pl.Expr) -> pl.Expr:
    """amount x pct / 100, rounded half up, in integer cents."""
    return (amount * pct + 50) // 100


def _rates(c: pl.DataFrame, world: World, kind: str) -> pl.Series:
    t = world.reference.tariffs.filter(pl.col("kind") == kind).select("code", "insurer", "from_", "amount").sort("from_")
    left = c.select("ci", "code", "insurer", "service_date").sort("service_date")
    own = left.join_asof(t.filter(pl.col("insurer") != "*"), left_on="service_date", right_on="from_",
                         by=["code", "insurer"], check_sortedness=False).select("ci", pl.col("amount").alias("a"))
    any_ = left.join_asof(t.filter(pl.col("insurer") == "*").drop("insurer"), left_on="service_date",
                          right_on="from_", by="code", check_sortedness=False).select("ci", pl.col("amount").alias("b"))
    r = own.join(any_, on="ci").sort("ci").select(pl.coalesce("a", "b"))
    return r.to_series()


def price(c: pl.DataFrame, world: World) -> pl.DataFrame:
    c = c.with_row_index("ci")
    c = c.with_columns(_rates(c, world, "avg_contracted").alias("avg_rate"), _rates(c, world, "market").alias("market_rate"))
    q = pl.col("quantity")
    in_kind = (pl.col("product_kind") == "basic") & (pl.col("policy_type") == "in_kind")
    basis = (pl.when(pl.col("price_method") == "per_day").then(pl.lit("per_day"))
             .when(pl.col("price_method") == "percentage").then(pl.lit("percentage"))
             .when(pl.col("contracted")).then(pl.lit("contract"))
             .when(in_kind & pl.col("avg_rate").is_not_null()).then(pl.lit("in_kind"))
             .when(in_kind).then(pl.lit("in_kind_declared"))
             .when(pl.col("market_rate").is_not_null()).then(pl.lit("market"))
             .otherwise(pl.lit("declared")))
    c = c.with_columns(basis.alias("price_basis"))
    b = pl.col("price_basis")
    amount = (pl.when(b == "per_day").then(pl.col("per_day") * q)
              .when(b == "percentage").then(_pct(pl.col("declared"), pl.col("percentage")))
              .when(b == "contract").then(pl.col("contract_tariff") * q)
              .when(b == "in_kind").then(_pct(pl.col("avg_rate"), pl.col("nc_pct")) * q)
              .when(b == "in_kind_declared").then(_pct(pl.col("declared"), pl.col("nc_pct")))
              .when(b == "market").then(pl.col("market_rate") * q)
              .otherwise(pl.col("declared")))
    unit_rate = (pl.when(b == "per_day").then(pl.col("per_day"))
                 .when(b == "contract").then(pl.col("contract_tariff"))
                 .when(b == "in_kind").then(pl.col("avg_rate"))
                 .when(b == "market").then(pl.col("market_rate")))
    return c.with_columns(amount.cast(pl.Int64).alias("price"), unit_rate.cast(pl.Int64).alias("unit_rate"))
