"""Who gets the invoice, and for how much (Xpert Clinics Revalidatie - Vergoeding (2024)).

- The insurer the patient had on the DBC's start date; a brand or label (FBTO, Interpolis,
  VGZbewuzt, IZA ...) is read as the insurer that contracts for it (`insurer_labels.csv`).
- Billed to the insurer directly when the clinic has a payment agreement with that insurer for
  the start date's year (contracts apply from 1 January, also when signed later).
- An insurer the clinic's contract list does not name for that year is one it is still
  negotiating with: a contract is expected, from 1 January with retroactive effect, so the
  invoice goes to the insurer, not to the patient.
- Only an insurer the list names as without a contract (CZ in 2024) means the patient is billed
  and claims it; the patient then owes the clinic what the insurer reimbursed, at least 60% of
  the invoice, plus any deductible the insurer withheld - never more than the invoice (that cap
  is ours; the page does not say).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from zorgclaim.dbc.tables import insurer_key


def resolve_insurer(name: pl.Expr, labels: pl.DataFrame | None) -> pl.Expr:
    """The contracting insurer of a brand or label; an unknown name stays as it was given."""
    if labels is None or labels.height == 0:
        return name
    mapping = dict(zip(labels["key"].to_list(), labels["insurer"].to_list()))
    return insurer_key(name).replace_strict(mapping, default=None).fill_null(name)


def route(dbcs: pl.DataFrame, patients: pl.DataFrame, contracts: pl.DataFrame,
          labels: pl.DataFrame | None = None) -> pl.DataFrame:
    """dbcs: dbc_id, patient, start; patients: patient, insurer, from, to; contracts: insurer, year,
    payment_agreement; labels: key, insurer (DbcTables.labels). Adds insurer (the contracting one),
    billed_to (insurer|patient), payment_agreement (true, false, or null: still negotiating) and
    the reason."""
    cover = patients.select("patient", resolve_insurer(pl.col("insurer"), labels).alias("insurer"),
                            pl.col("from").alias("_f"), pl.col("to").alias("_t"))
    hit = (dbcs.select("dbc_id", "patient", "start").join(cover, on="patient", how="inner")
           .filter((pl.col("_f") <= pl.col("start")) & (pl.col("_t").is_null() | (pl.col("_t") >= pl.col("start"))))
           .sort("dbc_id", "_f").unique("dbc_id", keep="first").select("dbc_id", "insurer"))
    agreements = contracts.select(resolve_insurer(pl.col("insurer"), labels).alias("insurer"), "year",
                                  "payment_agreement").unique(["insurer", "year"], keep="first")
    out = (dbcs.join(hit, on="dbc_id", how="left").with_columns(pl.col("start").dt.year().cast(pl.Int64).alias("year"))
           .join(agreements, on=["insurer", "year"], how="left"))
    year = pl.col("year").cast(pl.String)
    negotiating = pl.col("insurer").is_not_null() & pl.col("payment_agreement").is_null()
    return out.with_columns(
        pl.when(pl.col("payment_agreement").fill_null(False) | negotiating).then(pl.lit("insurer"))
        .otherwise(pl.lit("patient")).alias("billed_to"),
        pl.when(pl.col("insurer").is_null()).then(pl.lit("no insurer on file for the start date"))
        .when(pl.col("payment_agreement")).then(pl.concat_str([pl.lit("payment agreement with "), pl.col("insurer"),
                                                                pl.lit(" for "), year]))
        .when(negotiating).then(pl.concat_str([pl.lit("still negotiating with "), pl.col("insurer"), pl.lit(" for "), year,
                                               pl.lit(": a contract is expected from 1 January (retroactive); "
                                                      "billed to the insurer")]))
        .otherwise(pl.concat_str([pl.lit("no payment agreement with "), pl.col("insurer"), pl.lit(" for "),
                                  year])).alias("routing_reason")).drop("year")


def patient_share(invoice: int, reimbursed: int, deductible_withheld: int, minimum_pct: int = 60,
                  insurer_paid_on: dt.date | None = None, term_days: int = 30) -> dict:
    """What a patient without a payment agreement owes the clinic, in cents, why, and when. The
    patient pays once the insurer has reimbursed (the clinic confirms the amount from the insurer's
    statement), within the payment term after that (`payment_term_days`); before the insurer has
    paid nothing is due yet."""
    if min(invoice, reimbursed, deductible_withheld) < 0:
        raise ValueError("amounts must not be negative")
    minimum = (invoice * minimum_pct + 50) // 100
    base = max(reimbursed, minimum)
    owed = min(base + deductible_withheld, invoice)
    due = insurer_paid_on + dt.timedelta(days=term_days) if insurer_paid_on is not None else None
    return {"invoice": invoice, "reimbursed": reimbursed, "minimum": minimum, "deductible_withheld": deductible_withheld,
            "owed": owed, "capped": base + deductible_withheld > invoice,
            "basis": "reimbursed" if reimbursed >= minimum else f"minimum {minimum_pct}%",
            "due": due, "waiting_for_insurer": insurer_paid_on is None}
