"""Put it together: activities -> DBCs -> products -> invoices -> routing (pure, no files)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from zorgclaim.dbc.grouping import group
from zorgclaim.dbc.invoice import invoice_lines, no_show_invoices
from zorgclaim.dbc.lifecycle import Dbc, build_dbcs, dbc_frame
from zorgclaim.dbc.routing import route
from zorgclaim.dbc.tables import DbcTables


@dataclass(frozen=True)
class Billing:
    dbcs: list[Dbc]
    table: pl.DataFrame          # one row per DBC: dates, product, tariff, routing
    lines: pl.DataFrame          # invoice lines in 5-minute units
    no_shows: pl.DataFrame       # patient invoices for no-shows


def bill(activities: pl.DataFrame, tables: DbcTables, patients: pl.DataFrame | None = None,
         contracts: pl.DataFrame | None = None, as_of: dt.date | None = None) -> Billing:
    dbcs = build_dbcs(activities, tables, as_of)
    frame = dbc_frame(dbcs).join(group(dbcs, activities, tables), on="dbc_id", how="left")
    if patients is not None and contracts is not None:
        frame = route(frame, patients, contracts, tables.labels)
    else:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("insurer"), pl.lit(None, pl.String).alias("billed_to"),
                                   pl.lit("no patients/contracts given").alias("routing_reason"),
                                   pl.lit(None, pl.Boolean).alias("payment_agreement"))
    lines = invoice_lines(dbcs, activities, tables)
    counts = lines.group_by("dbc_id").agg(pl.len().alias("invoice_units"))
    frame = frame.join(counts, on="dbc_id", how="left").with_columns(pl.col("invoice_units").fill_null(0))
    ns = activities if as_of is None else activities.filter(pl.col("date") <= as_of)
    return Billing(dbcs, frame.sort("patient", "start", "dbc_id"), lines, no_show_invoices(ns, tables))
