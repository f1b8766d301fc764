"""Treatments given before the member came to this insurer, entered from the provider's statement
(ONVZ asks for it when a member switched insurer during a chronic physio or exercise therapy
trajectory: when the trajectory started and how many treatments were given; "formulier
behandelhistorie paramedische zorg").

They count on the per-condition counter (`member|benefit|diagnosis`, under the diagnosis code that
replaced a closed one), as a treatment at this insurer would: the total grows by their number and
the trajectory's first treatment is the earlier of the two. So the 21st treatment of a chronic
condition is paid by the basic insurance also when the first twenty were paid elsewhere, and the
trajectory's term runs from its real start.
"""

from __future__ import annotations

import dataclasses

import polars as pl

from zorgclaim.engine.state import COUNTERS_SCHEMA, State

PRIOR_SCHEMA = {"member_id": pl.String, "benefit": pl.String, "diagnosis": pl.String, "started": pl.Date,
                "treatments": pl.Int64}


def counter_key(member_id: str, benefit: str, diagnosis: str | None, successor: dict[str, str]) -> str:
    """The per-condition counter a treatment for this diagnosis counts on (as counters.counter_ids spells it)."""
    d = diagnosis or "-"
    return f"{member_id}|{benefit}|{successor.get(d, d)}"


def with_prior_treatments(state: State, prior: pl.DataFrame, successor: dict[str, str] | None = None) -> State:
    """`state` with the prior treatments (PRIOR_SCHEMA rows) added to their counters."""
    if prior.height == 0:
        return state
    successor = successor or {}
    rows = (prior.with_columns(pl.Series("counter_key", [counter_key(m, b, d, successor) for m, b, d in
                                                          prior.select("member_id", "benefit", "diagnosis").iter_rows()]))
            .group_by("counter_key").agg(pl.col("started").min(), pl.col("treatments").sum()))
    joined = rows.join(state.counters, on="counter_key", how="full", coalesce=True)
    counters = joined.select(
        "counter_key",
        pl.min_horizontal("first", "started").alias("first"),
        (pl.col("total").fill_null(0) + pl.col("treatments").fill_null(0)).alias("total"),
        "pstart", pl.col("pcount").fill_null(0), pl.col("yamount").fill_null(0),
    ).cast(COUNTERS_SCHEMA).sort("counter_key")
    return dataclasses.replace(state, counters=counters)
