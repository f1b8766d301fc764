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
from zorgclaim.engine.frames import asof_lookup, day_numbers, key_ids, take


def _pct(amount: pl.Expr, pct: pl.Expr) -> pl.Expr:
    """amount x pct / 100, rounded half up, in integer cents."""
    return (amount * pct + 50) // 100


def _rates(c: pl.DataFrame, world: World, kind: str) -> pl.Series:
    """The reference rate of `kind` for each candidate's code on its service date: the insurer's
    own row if there is one, else the row for all insurers ('*'); the latest on or before the date."""
    t = world.reference.tariffs.filter(pl.col("kind") == kind)
    days, no_day = day_numbers(c["service_date"])
    found = []
    for table, keys in ((t.filter(pl.col("insurer") != "*"), ["code", "insurer"]), (t.filter(pl.col("insurer") == "*"), ["code"])):
        q, r = key_ids([c[k] for k in keys], [table[k] for k in keys])
        q[no_day] = -1
        found.append(take(table["amount"], asof_lookup(q, days, r, day_numbers(table["from_"])[0])))
    return pl.select(pl.coalesce(found[0].alias("a"), found[1].alias("b"))).to_series()


def price(c: pl.DataFrame, world: World) -> pl.DataFrame:
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
