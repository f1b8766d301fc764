"""Invoices for materials (splints, braces, exercise material): not part of a DBC; the patient gets
them directly and may claim them from the insurer. Patients insured with VGZ (or one of its
brands) are the exception for splints: those are billed to VGZ, and the patient is billed after
all when VGZ does not cover them (Xpert Clinics Revalidatie - Vergoeding (2024))."""

from __future__ import annotations

import polars as pl

from zorgclaim.dbc.routing import resolve_insurer

KINDS = ("spalk", "brace", "oefenmateriaal")
# (insurer, kind) billed to the insurer; every other material goes to the patient
TO_INSURER = {("vgz", "spalk")}


def route_materials(materials: pl.DataFrame, patients: pl.DataFrame | None, labels: pl.DataFrame | None) -> pl.DataFrame:
    """materials: material_id, patient, date, kind, item, amount (cents). Adds insurer, billed_to
    and the reason."""
    if patients is None or materials.height == 0:
        insurer = materials.with_columns(pl.lit(None, pl.String).alias("insurer"))
    else:
        cover = patients.select("patient", resolve_insurer(pl.col("insurer"), labels).alias("insurer"),
                                pl.col("from").alias("_f"), pl.col("to").alias("_t"))
        hit = (materials.select("material_id", "patient", "date").join(cover, on="patient", how="inner")
               .filter((pl.col("_f") <= pl.col("date")) & (pl.col("_t").is_null() | (pl.col("_t") >= pl.col("date"))))
               .unique("material_id", keep="first").select("material_id", "insurer"))
        insurer = materials.join(hit, on="material_id", how="left")
    direct = pl.concat_str([pl.col("insurer").fill_null(""), pl.lit("|"), pl.col("kind")]).is_in(
        [f"{i}|{k}" for i, k in TO_INSURER])
    return insurer.with_columns(
        pl.when(direct).then(pl.lit("insurer")).otherwise(pl.lit("patient")).alias("billed_to"),
        pl.when(direct).then(pl.concat_str([pl.lit("splints of "), pl.col("insurer"),
                                            pl.lit(" patients go to the insurer; if it does not cover them, "
                                                   "the patient is billed after all")]))
        .otherwise(pl.lit("materials are billed to the patient, who may claim them from the insurer"))
        .alias("routing_reason"))


def refused_to_patient(routed: pl.DataFrame, refused_ids: list[int]) -> pl.DataFrame:
    """The insurer did not cover these materials: the patient gets their invoice after all."""
    back = pl.col("material_id").is_in(refused_ids) & (pl.col("billed_to") == "insurer")
    return routed.with_columns(
        pl.when(back).then(pl.lit("patient")).otherwise(pl.col("billed_to")).alias("billed_to"),
        pl.when(back).then(pl.lit("the insurer did not cover it: billed to the patient"))
        .otherwise(pl.col("routing_reason")).alias("routing_reason"))
