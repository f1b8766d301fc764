"""Stage 3: pricing. What each candidate benefit would pay for the line, before limits.

- a contracted provider: the contracted tariff x quantity;
- a benefit with its own amount: per day x days, or a percentage of the declared amount;
- non-contracted on an in-kind policy: the product's percentage of the average contracted tariff;
  where no average is known for the code and date, no price (UNKNOWN: the line is refused with
  0611, or held for a person by the review rule `no_reference_tariff`, who then sets it);
- non-contracted on a restitution policy, and supplementary modules: up to the market rate;
- care given abroad, on any policy: up to the Dutch tariff, the market rate (where none is known,
  no price: a person sets it, as the review rule of kind care_abroad holds every such line).
A benefit with a statutory co-payment per unit (kraamzorg) covers its price less the co-payment
times the quantity (`co_pay`, never more than the price), one with a co-payment percentage (hearing
aids) its price less that share; one with a reimbursement limit (the GVS
vergoedingslimiet of a medicine) covers at most the limit times the quantity, and the part above
it is the member's co-payment (`co_pay`, with `co_pay_limit` the limit per unit); a benefit priced
`above_limit` covers only that part (its yearly maximum is a limit, `from_year_amount`). A price
set by a person stands as set.
Never above the declared amount (applied in the limits kernel, which also splits over candidates).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from zorgclaim.domain.world import World
from zorgclaim.engine.frames import asof_lookup, day_numbers, filled, ids_in, key_index, memo, take, value_ids
from zorgclaim.engine.prepare import code_rows


# the kinds of reference rate: the average contracted tariff, the market rate, and a reimbursement
# limit per unit (the GVS vergoedingslimiet)
RATE_KINDS = ("avg_contracted", "market", "reimbursement_limit")


def _pct(amount: pl.Expr, pct: pl.Expr) -> pl.Expr:
    """amount x pct / 100, rounded half up, in integer cents."""
    return (amount * pct + 50) // 100


def _rates(code_no: np.ndarray, days: np.ndarray, insurer: pl.Series, world: World) -> dict[str, pl.Series]:
    """The reference rates per kind (RATE_KINDS) for each query (the line's code
    as its row in the service codes, day number, the benefit's insurer): the insurer's own row if
    there is one, else the row for all insurers ('*'); the latest on or before the day."""
    t = world.reference.tariffs
    t_days, general, t_code, insurers, own_index, of_kinds = memo("rates", (world.reference,), lambda: _rate_table(world))
    own_q, own_r = ids_in(own_index, [code_no, value_ids(insurer, insurers)[0]]), own_index.right_ids
    rates = {}
    for kind in RATE_KINDS:
        of_kind = of_kinds[kind]
        found = []
        for q, r, rows in ((own_q, own_r, of_kind & ~general), (code_no, t_code, of_kind & general)):
            where = np.flatnonzero(rows)
            hit = asof_lookup(q, days, r[where], t_days[where])
            rows_hit = np.where(hit >= 0, where[np.maximum(hit, 0)], -1) if len(where) else np.full(len(q), -1, np.int64)
            found.append(take(t["amount"], rows_hit))
        rates[kind] = pl.select(pl.coalesce(found[0].alias("a"), found[1].alias("b"))).to_series()
    return rates


def _rate_table(world: World) -> tuple:
    """The reference tariffs encoded once: day numbers, general ('*') or an insurer's own, code
    rows, insurer ids, the index of (code, insurer), and which rows are of each kind."""
    t = world.reference.tariffs
    insurers = t["insurer"].drop_nulls().unique(maintain_order=True)
    codes = code_rows(t["code"], world)
    index = key_index([codes, value_ids(t["insurer"], insurers)[0]], [world.reference.service_codes.height, insurers.len()])
    return (day_numbers(t["from_"])[0], (t["insurer"] == "*").to_numpy(), codes, insurers, index,
            {k: (t["kind"] == k).to_numpy() for k in RATE_KINDS})



# how a candidate is priced (price_basis), in the order the rules are tried
BASES = ["per_day", "percentage", "contract", "in_kind", "in_kind_unknown", "market", "declared", "person", "above_limit",
         "abroad", "abroad_unknown"]
ABOVE_LIMIT = BASES.index("above_limit")
# the price of a candidate whose tariff nobody knows: the kernel refuses it (tariff missing, 0611)
UNKNOWN = -1


def price(c: pl.DataFrame, df: pl.DataFrame, bt: pl.DataFrame, world: World) -> pl.DataFrame:
    """Adds price, unit_rate and price_basis (an index into BASES) to candidates (i, brow,
    contracted, contract_tariff): the line's columns are gathered by `i` from `df`, the
    benefit's by `brow` from `bt`. Reference rates are looked up only for the candidates whose
    basis can need one (not contracted, not priced per day or by percentage)."""
    i, b = c["i"].to_numpy().astype(np.int64), c["brow"].to_numpy()
    method = bt["price_method"]
    own_method = filled(method == "per_day", False)[b] | filled(method == "percentage", False)[b]
    limited = (filled(bt["reimbursement_limit"], False) | filled(method == "above_limit", False))[b]
    need = np.flatnonzero((~own_method & ~c["contracted"].to_numpy()) | limited)
    days, no_day = day_numbers(df["service_date"])
    code_no = np.where(no_day, -1, df["code_no"].to_numpy())[i[need]]
    found = _rates(code_no, days[i[need]], bt["insurer"][b[need]], world)
    rates = {k: take(v, _scatter(need, len(i))) for k, v in found.items()}
    in_kind_line = filled(df["policy_type"] == "in_kind", False)
    x = c.select("contracted", "contract_tariff").with_columns(
        df["quantity"][i], df["declared"][i],
        *(bt[k][b] for k in ("price_method", "per_day", "percentage", "nc_pct", "co_payment", "co_payment_percentage")),
        pl.Series("in_kind", filled(bt["product_kind"] == "basic", False)[b] & in_kind_line[i]),
        rates["avg_contracted"].alias("avg_rate"), rates["market"].alias("market_rate"),
        rates["reimbursement_limit"].alias("limit_rate"), pl.Series("limited", filled(bt["reimbursement_limit"], False)[b]),
        pl.Series("person_cap", filled(df["reviewed_action"] == "change", False)[i]), df["cap"][i],
        df["abroad"][i])
    q = pl.col("quantity")
    basis = (pl.when(pl.col("price_method") == "per_day").then(0)
             .when(pl.col("price_method") == "percentage").then(1)
             .when(pl.col("contracted")).then(2)
             # care abroad: the Dutch tariff on any policy; none known: a person's amount or nothing
             .when(pl.col("abroad") & pl.col("market_rate").is_not_null()).then(9)
             .when(pl.col("abroad") & pl.col("person_cap")).then(7)
             .when(pl.col("abroad")).then(10)
             .when(pl.col("in_kind") & pl.col("avg_rate").is_not_null()).then(3)
             # no average contracted tariff known: not the declared amount, but a person's amount or nothing
             .when(pl.col("in_kind") & pl.col("person_cap")).then(7)
             .when(pl.col("in_kind")).then(4)
             .when(pl.col("market_rate").is_not_null()).then(5)
             .otherwise(6)).cast(pl.Int8)
    b_ = pl.col("price_basis")
    amount = (pl.when(b_ == 0).then(pl.col("per_day") * q)
              .when(b_ == 1).then(_pct(pl.col("declared"), pl.col("percentage")))
              .when(b_ == 2).then(pl.col("contract_tariff") * q)
              .when(b_ == 3).then(_pct(pl.col("avg_rate"), pl.col("nc_pct")) * q)
              .when(b_ == 4).then(UNKNOWN)
              .when((b_ == 5) | (b_ == 9)).then(pl.col("market_rate") * q)
              .when(b_ == 10).then(UNKNOWN)
              .when(b_ == 7).then(pl.col("cap"))
              .otherwise(pl.col("declared")))
    unit_rate = (pl.when(b_ == 0).then(pl.col("per_day"))
                 .when(b_ == 2).then(pl.col("contract_tariff"))
                 .when(b_ == 3).then(pl.col("avg_rate"))
                 .when((b_ == 5) | (b_ == 9)).then(pl.col("market_rate")))
    x = x.with_columns(basis.alias("price_basis")).with_columns(
        amount.cast(pl.Int64).alias("_full"), unit_rate.cast(pl.Int64).alias("unit_rate"))
    # the part of the price above the reimbursement limit (none where no limit is known)
    above = (pl.col("_full") - pl.col("limit_rate") * q).clip(0, None).fill_null(0)
    above_limit = pl.col("price_method") == "above_limit"
    x = x.with_columns(pl.when(above_limit).then(above).otherwise(pl.col("_full")).alias("_full"),
                       pl.when(above_limit).then(ABOVE_LIMIT).otherwise(b_).cast(pl.Int8).alias("price_basis"))
    # the statutory co-payment: on a known price that no person set, above the limit, a share or per unit
    co_pay = (pl.when((pl.col("_full") <= 0) | (b_ == 7)).then(0)
              .when(pl.col("limited")).then(pl.min_horizontal(above, pl.col("_full")))
              .when(pl.col("co_payment_percentage").is_not_null()).then(_pct(pl.col("_full"), pl.col("co_payment_percentage")))
              .otherwise(pl.min_horizontal(pl.col("co_payment").fill_null(0) * q, pl.col("_full"))))
    x = x.with_columns(co_pay.cast(pl.Int64).alias("co_pay")).select(
        "price_basis", (pl.col("_full") - pl.col("co_pay")).alias("price"), "unit_rate", "co_pay",
        pl.col("co_payment").alias("co_pay_unit"), pl.col("co_payment_percentage").alias("co_pay_pct"),
        pl.when(pl.col("limited") & (pl.col("co_pay") > 0)).then(pl.col("limit_rate")).alias("co_pay_limit"),
        # the tariff (before any co-payment) is below what was declared: a reason for a partial award
        # (0611) - not for a price that is the part above a reimbursement limit, less by its nature
        ((pl.col("_full") < pl.col("declared")) & (b_ != ABOVE_LIMIT)).fill_null(False).alias("under_declared"))
    return c.with_columns(x)


def _scatter(rows: np.ndarray, n: int) -> np.ndarray:
    """Positions 0..n-1 -> their index in `rows` (ascending), -1 for the others: for putting a
    result computed on a subset back in place with `take`."""
    out = np.full(n, -1, np.int64)
    out[rows] = np.arange(len(rows))
    return out
