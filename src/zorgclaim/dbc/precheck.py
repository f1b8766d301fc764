"""Pre-check: run a clinic's closed DBC invoices through the insurer's engine, as the insurer
would, and show what would be refused and why, before sending. Also the export as claim lines
(the engine's schema; Vektis ZH308 comes with the formats issue)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from zorgclaim.domain.schema import LINE_SCHEMA, conform_lines
from zorgclaim.domain.world import World
from zorgclaim.engine import adjudicate
from zorgclaim.policy.library import PolicyLibrary
from zorgclaim.reference.tables import ReferenceData


def claim_lines(table: pl.DataFrame, patients: pl.DataFrame, clinic_agb: str) -> pl.DataFrame:
    """Closed DBCs as claim lines: one line per DBC, at its tariff, dated at its start (the
    deductible year and the insurer follow the start date), received the day after closing."""
    people = patients.select("patient", "member_id", "referral_by").unique("patient", keep="first")
    closed = table.filter(~pl.col("open") & pl.col("code").is_not_null()).join(people, on="patient", how="left")
    df = closed.select(
        pl.col("dbc_id").alias("line_id"), pl.col("dbc_id").alias("claim_id"),
        pl.coalesce("member_id", "patient").alias("member_id"), pl.lit(clinic_agb).alias("provider"),
        pl.when(pl.col("billed_to") == "insurer").then(pl.lit("provider")).otherwise(pl.lit("member")).alias("submitted_by"),
        pl.lit("vecozo").alias("channel"), (pl.col("end") + dt.timedelta(days=1)).alias("received"),
        pl.col("start").alias("service_date"), pl.col("end").alias("end_date"), "code", pl.lit(1, pl.Int64).alias("quantity"),
        pl.col("invoice_amount").alias("declared"), "diagnosis", "referral_by", pl.lit("msr").alias("indication_kind"))
    return conform_lines(df).select(list(LINE_SCHEMA))


def clinic_world(patients: pl.DataFrame, table: pl.DataFrame, clinic_agb: str, library: PolicyLibrary,
                 reference: ReferenceData) -> World:
    """The world as far as the clinic knows it: its patients' insurance products, itself, and its
    agreed prices (the product tariff, with the insurers it has a payment agreement with)."""
    known = patients.filter(pl.col("product").is_in(list(library.products)) & pl.col("member_id").is_not_null())
    members = known.select("member_id", "birth_date").unique("member_id")
    coverages = known.select("member_id", "product", "from", "to")
    agreed = (table.filter(pl.col("billed_to") == "insurer").select("insurer", "start", "code", "invoice_amount")
              .with_columns(pl.col("insurer").str.split("/").list.first()))
    tariffs = agreed.select(pl.lit(clinic_agb).alias("provider"), "insurer",
                            pl.date(pl.col("start").dt.year(), 1, 1).alias("from"),
                            pl.date(pl.col("start").dt.year(), 12, 31).alias("to"), "code",
                            pl.col("invoice_amount").alias("tariff")).unique()
    providers = pl.DataFrame({"agb": [clinic_agb], "name": ["clinic"], "kind": ["revalidatiecentrum"],
                              "qualifications": [[]], "recognized_by": [[]]},
                             schema={"agb": pl.String, "name": pl.String, "kind": pl.String,
                                     "qualifications": pl.List(pl.String), "recognized_by": pl.List(pl.String)})
    # the insurer's review selection is its own: the pre-check shows what the rules decide
    return World(library, reference, members=members, coverages=coverages, providers=providers,
                 contract_tariffs=tariffs, review_rules=())


def precheck(table: pl.DataFrame, patients: pl.DataFrame, clinic_agb: str, library: PolicyLibrary,
             reference: ReferenceData) -> pl.DataFrame:
    lines = claim_lines(table, patients, clinic_agb)
    world = clinic_world(patients, table, clinic_agb, library, reference)
    decisions, _ = adjudicate(lines, world)
    return decisions
