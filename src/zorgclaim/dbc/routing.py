"""Who gets the invoice, and for how much (seed 000).

- The insurer the patient had on the DBC's start date.
- Billed to the insurer directly when the clinic has a payment agreement with that insurer for
  the start date's year (contracts apply from 1 January, also when signed later); otherwise to the
  patient, who claims it.
- Without a payment agreement the patient then owes the clinic what the insurer reimbursed, at
  least 60% of the invoice, plus any deductible the insurer withheld — never more than the invoice
  (that cap is ours; the seed does not say).
"""

from __future__ import annotations

import polars as pl


def route(dbcs: pl.DataFrame, patients: pl.DataFrame, contracts: pl.DataFrame) -> pl.DataFrame:
    """dbcs: dbc_id, patient, start; patients: patient, insurer, from, to; contracts: insurer, year,
    payment_agreement. Adds insurer, billed_to (insurer|patient) and the reason."""
    cover = patients.select("patient", "insurer", pl.col("from").alias("_f"), pl.col("to").alias("_t"))
    hit = (dbcs.select("dbc_id", "patient", "start").join(cover, on="patient", how="inner")
           .filter((pl.col("_f") <= pl.col("start")) & (pl.col("_t").is_null() | (pl.col("_t") >= pl.col("start"))))
           .sort("dbc_id", "_f").unique("dbc_id", keep="first").select("dbc_id", "insurer"))
    agreements = contracts.select("insurer", "year", "payment_agreement")
    out = (dbcs.join(hit, on="dbc_id", how="left").with_columns(pl.col("start").dt.year().cast(pl.Int64).alias("year"))
           .join(agreements, on=["insurer", "year"], how="left")
           .with_columns(pl.col("payment_agreement").fill_null(False)))
    return out.with_columns(
        pl.when(pl.col("payment_agreement")).then(pl.lit("insurer")).otherwise(pl.lit("patient")).alias("billed_to"),
        pl.when(pl.col("insurer").is_null()).then(pl.lit("no insurer on file for the start date"))
        .when(pl.col("payment_agreement")).then(pl.concat_str([pl.lit("payment agreement with "), pl.col("insurer"),
                                                                pl.lit(" for "), pl.col("year").cast(pl.String)]))
        .otherwise(pl.concat_str([pl.lit("no payment agreement with "), pl.col("insurer"), pl.lit(" for "),
                                  pl.col("year").cast(pl.String)])).alias("routing_reason")).drop("year")


def patient_share(invoice: int, reimbursed: int, deductible_withheld: int, minimum_pct: int = 60) -> dict:
    """What a patient without a payment agreement owes the clinic, in cents, and why."""
    if min(invoice, reimbursed, deductible_withheld) < 0:
        raise ValueError("amounts must not be negative")
    minimum = (invoice * minimum_pct + 50) // 100
    base = max(reimbursed, minimum)
    owed = min(base + deductible_withheld, invoice)
    return {"invoice": invoice, "reimbursed": reimbursed, "minimum": minimum, "deductible_withheld": deductible_withheld,
            "owed": owed, "capped": base + deductible_withheld > invoice,
            "basis": "reimbursed" if reimbursed >= minimum else f"minimum {minimum_pct}%"}
