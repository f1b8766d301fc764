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


def invoice_amount(frame: pl.DataFrame, prices: pl.DataFrame | None, tables: DbcTables) -> pl.DataFrame:
    """What the invoice asks: the price the clinic agreed with the insurer for the product in the
    start date's year, when it bills that insurer under a payment agreement; else the NZa tariff
    ("Wanneer uw zorgverzekeraar een betalingsovereenkomst met ons heeft afgesloten, is er onderling
    een prijs afgesproken", Xpert Clinics Revalidatie - Vergoeding (2024))."""
    from zorgclaim.dbc.routing import resolve_insurer
    agreed = (prices.select(resolve_insurer(pl.col("insurer"), tables.labels).alias("insurer"), "year", "code",
                            pl.col("amount").alias("contract_price")).unique(["insurer", "year", "code"], keep="first")
              if prices is not None else pl.DataFrame(schema={"insurer": pl.String, "year": pl.Int64, "code": pl.String,
                                                               "contract_price": pl.Int64}))
    under_agreement = (pl.col("billed_to") == "insurer") & pl.col("payment_agreement").fill_null(False)
    use = under_agreement & pl.col("contract_price").is_not_null()
    return (frame.with_columns(pl.col("start").dt.year().cast(pl.Int64).alias("_year"))
            .join(agreed.rename({"year": "_year"}), on=["insurer", "_year", "code"], how="left")
            .with_columns(pl.when(use).then(pl.col("contract_price")).otherwise(pl.col("nza_tariff")).alias("invoice_amount"),
                          pl.when(use).then(pl.lit("contract")).when(pl.col("nza_tariff").is_not_null())
                          .then(pl.lit("nza")).alias("price_basis"))
            .drop("_year", "contract_price"))


@dataclass(frozen=True)
class Billing:
    dbcs: list[Dbc]
    table: pl.DataFrame          # one row per DBC: dates, product, tariff, routing
    lines: pl.DataFrame          # invoice lines in 5-minute units
    no_shows: pl.DataFrame       # patient invoices for no-shows
    materials: pl.DataFrame | None = None   # material invoices (splints, braces), routed


def bill(activities: pl.DataFrame, tables: DbcTables, patients: pl.DataFrame | None = None,
         contracts: pl.DataFrame | None = None, as_of: dt.date | None = None,
         prices: pl.DataFrame | None = None, materials: pl.DataFrame | None = None) -> Billing:
    dbcs = build_dbcs(activities, tables, as_of)
    frame = dbc_frame(dbcs).join(group(dbcs, activities, tables), on="dbc_id", how="left")
    if patients is not None and contracts is not None:
        frame = route(frame, patients, contracts, tables.labels)
    else:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("insurer"), pl.lit(None, pl.String).alias("billed_to"),
                                   pl.lit("no patients/contracts given").alias("routing_reason"),
                                   pl.lit(None, pl.Boolean).alias("payment_agreement"))
    frame = invoice_amount(frame, prices, tables)
    lines = invoice_lines(dbcs, activities, tables)
    counts = lines.group_by("dbc_id").agg(pl.len().alias("invoice_units"))
    frame = frame.join(counts, on="dbc_id", how="left").with_columns(pl.col("invoice_units").fill_null(0))
    ns = activities if as_of is None else activities.filter(pl.col("date") <= as_of)
    from zorgclaim.dbc.materials import route_materials
    routed = route_materials(materials, patients, tables.labels) if materials is not None else None
    return Billing(dbcs, frame.sort("patient", "start", "dbc_id"), lines, no_show_invoices(ns, tables), routed)
