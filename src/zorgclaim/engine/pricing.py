"""Stage 3: pricing. What each candidate benefit would pay for the line, before limits.

- a contracted provider: the contracted tariff x quantity;
- a benefit with its own amount: per day x days, or a percentage of the declared amount;
- non-contracted on an in-kind policy: the product's percentage of the average contracted tariff;
- non-contracted on a restitution policy, and supplementary modules: up to the market rate.
Never above the declared amount (applied in the limits kernel, which also splits over candidates).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from zorgclaim.domain.world import World
from zorgclaim.engine.frames import asof_lookup, day_numbers, key_ids, take


def _pct(amount: pl.Expr, pct: pl.Expr) -> pl.Expr:
    """amount x pct / 100, rounded half up, in integer cents."""
    return (amount * pct + 50) // 100


def _rates(c: pl.DataFrame, world: World) -> dict[str, pl.Series]:
    """The reference rates per kind ('avg_contracted', 'market') for each candidate's code on its
    service date: the insurer's own row if there is one, else the row for all insurers ('*'); the
    latest on or before the date. The keys are encoded once for both kinds."""
    t = world.reference.tariffs
    days, no_day = day_numbers(c["service_date"])
    t_days = day_numbers(t["from_"])[0]
    general = (t["insurer"] == "*").to_numpy()
    own_q, own_r = key_ids([c["code"], c["insurer"]], [t["code"], t["insurer"]])
    any_q, any_r = key_ids([c["code"]], [t["code"]])
    own_q[no_day], any_q[no_day] = -1, -1
    rates = {}
    for kind in ("avg_contracted", "market"):
        of_kind = (t["kind"] == kind).to_numpy()
        found = []
        for q, r, rows in ((own_q, own_r, of_kind & ~general), (any_q, any_r, of_kind & general)):
            where = np.flatnonzero(rows)
            hit = asof_lookup(q, days, r[where], t_days[where])
            found.append(take(t["amount"], np.where(hit >= 0, where[np.maximum(hit, 0)], -1)))
        rates[kind] = pl.select(pl.coalesce(found[0].alias("a"), found[1].alias("b"))).to_series()
    return rates


def price(c: pl.DataFrame, world: World) -> pl.DataFrame:
    rates = _rates(c, world)
    c = c.with_columns(rates["avg_contracted"].alias("avg_rate"), rates["market"].alias("market_rate"))
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
