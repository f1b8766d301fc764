"""Invoices: one per DBC, with its start and end date and every activity in 5-minute units
(a 25-minute treatment appears 5 times), team consultations and dossier work included; and
separate patient invoices for no-shows, which never go to the insurer (Xpert Clinics Revalidatie - Vergoeding (2024))."""

from __future__ import annotations

import polars as pl

from zorgclaim.dbc.grouping import membership
from zorgclaim.dbc.lifecycle import Dbc
from zorgclaim.dbc.tables import DbcTables


def invoice_lines(dbcs: list[Dbc], activities: pl.DataFrame, tables: DbcTables) -> pl.DataFrame:
    """One row per unit of `invoice_unit_minutes` (5): a started unit counts as a unit."""
    if not dbcs:
        return pl.DataFrame(schema={"dbc_id": pl.String, "date": pl.Date, "discipline": pl.String, "kind": pl.String,
                                    "activity_id": pl.Int64, "unit": pl.Int64, "unit_minutes": pl.Int64})
    unit = tables.param("invoice_unit_minutes", min(d.start for d in dbcs))
    acts = membership(dbcs).join(activities, on="activity_id", how="inner")
    acts = acts.with_columns(((pl.col("minutes") + unit - 1) // unit).alias("_units"))
    return (acts.with_columns(pl.int_ranges(1, pl.col("_units") + 1).alias("unit"))
            .explode("unit").drop_nulls("unit")
            .select("dbc_id", "date", "discipline", "kind", "activity_id", pl.col("unit").cast(pl.Int64),
                    pl.lit(unit, pl.Int64).alias("unit_minutes"))
            .sort("dbc_id", "date", "activity_id", "unit"))


def no_show_invoices(activities: pl.DataFrame, tables: DbcTables) -> pl.DataFrame:
    """A fee for an appointment the patient did not come to, or called off less than
    `cancellation_notice_hours` (24) before; one called off in time costs nothing. Never to the
    insurer."""
    from zorgclaim.domain.money import to_cents
    ns = activities.filter(pl.col("kind") == "no_show")
    if "notice_hours" not in ns.columns:
        ns = ns.with_columns(pl.lit(None, pl.Int64).alias("notice_hours"))
    needed = pl.Series([tables.param("cancellation_notice_hours", d) for d in ns["date"].to_list()], dtype=pl.Int64)
    ns = ns.with_columns(needed.alias("_needed")).filter(
        pl.col("notice_hours").is_null() | (pl.col("notice_hours") < pl.col("_needed")))
    fees = [tables.param("no_show_fee", d) for d in ns["date"].to_list()]
    return ns.select("patient", "date", "discipline", "activity_id").with_columns(
        pl.Series("amount", [to_cents(f) for f in fees], dtype=pl.Int64), pl.lit("patient").alias("billed_to"),
        pl.when(ns["notice_hours"].is_null()).then(pl.lit("did not come"))
        .otherwise(pl.format("called off {} hours before (less than {})", ns["notice_hours"], ns["_needed"]))
        .alias("reason"))
