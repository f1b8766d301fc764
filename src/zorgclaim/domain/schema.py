"""The one columnar schema every format reads claim lines into, and the decision schema out.

Money columns are int64 eurocents; dates are polars Date.
"""

from __future__ import annotations

import polars as pl

LINE_SCHEMA: dict[str, pl.DataType] = {
    "line_id": pl.String,          # unique per line, as the sender numbers it
    "claim_id": pl.String,         # the declaration / nota the line came in
    "member_id": pl.String,        # insurer's member number
    "bsn": pl.String,              # optional BSN as sent on the line
    "provider": pl.String,         # AGB code of the provider that delivered the care
    "provider_name": pl.String,    # optional: the practice's name as a member's nota gives it (checked against the register)
    "country": pl.String,          # optional: ISO 3166-1 alpha-2 code of the country the care was given in (empty: NL)
    "submitted_by": pl.String,     # provider | member
    "channel": pl.String,          # vecozo | online | post
    "received": pl.Date,           # date the insurer received the claim
    "service_date": pl.Date,       # date of service (DBC: start date)
    "end_date": pl.Date,           # optional end of a period of care (DBC end, last day of a stay)
    "code": pl.String,             # service code key "<list>/<code>"
    "quantity": pl.Int64,
    "declared": pl.Int64,          # declared amount in cents; negative = credit
    "diagnosis": pl.String,        # optional DCSPH or other diagnosis code
    "csi": pl.String,              # optional CSI (kind of paramedic indication)
    "referral_by": pl.String,      # optional AGB of the referrer
    "referral_date": pl.Date,
    "indication_by": pl.String,    # optional AGB of whoever set the indication
    "indication_kind": pl.String,  # optional: what the indication is for (zorghotel, msr, gr, verblijf ...)
    "onset_date": pl.Date,         # optional: when the condition began (the CVA, the diagnosis), where a rule asks
    "authorization": pl.String,    # optional authorization id
    "credits": pl.String,          # optional: line_id of the debit this credit reverses
}

def abroad(country: pl.Expr = pl.col("country")) -> pl.Expr:
    """A line's care was given abroad: a country other than the Netherlands (none given: NL)."""
    return country.is_not_null() & (country.str.to_uppercase() != "NL")


REQUIRED_LINE_COLUMNS = ("line_id", "member_id", "provider", "received", "service_date", "code", "declared")

SHARE_TYPE = pl.Struct({"product": pl.String, "benefit": pl.String, "amount": pl.Int64, "deductible": pl.Int64})
# names that repeat on millions of steps (a stage, a check, an outcome, a return code, a source) are
# categorical: kept and written as numbers into one dictionary of their texts, read as text
STEP_TYPE = pl.Struct(
    {"stage": pl.Categorical, "check": pl.Categorical, "outcome": pl.Categorical, "code": pl.Categorical,
     "source": pl.Categorical, "params": pl.String}
)

DECISION_SCHEMA: dict[str, pl.DataType] = {
    "line_id": pl.String,
    "claim_id": pl.String,
    "member_id": pl.String,
    "provider": pl.String,
    "service_date": pl.Date,
    "code": pl.String,
    "declared": pl.Int64,
    "status": pl.String,           # accepted | partial | rejected | pended (held for a person: the fields propose)
    "allowed": pl.Int64,
    "deductible": pl.Int64,
    "paid": pl.Int64,
    "payee": pl.String,            # provider | member
    "payer": pl.String,            # product paying the largest share (null when nothing is paid)
    "shares": pl.List(SHARE_TYPE),
    "codes": pl.List(pl.String),   # at most three return codes, most important first
    "review": pl.String,           # the review rule holding a pended line (null otherwise)
    "steps": pl.List(STEP_TYPE),   # the explanation: every check the line went through
}


def conform_lines(df: pl.DataFrame) -> pl.DataFrame:
    """Add missing optional columns as nulls and cast to the schema; column order fixed."""
    missing = [c for c in REQUIRED_LINE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"claim lines lack required column(s): {', '.join(missing)}")
    defaults = {"quantity": pl.lit(1, pl.Int64), "submitted_by": pl.lit("provider"), "channel": pl.lit("vecozo")}
    cols = []
    for name, dtype in LINE_SCHEMA.items():
        if name in df.columns:
            expr = pl.col(name).cast(dtype)
            if name in defaults:
                expr = expr.fill_null(defaults[name])
            cols.append(expr)
        else:
            cols.append(defaults.get(name, pl.lit(None, dtype)).cast(dtype).alias(name))
    if "claim_id" not in df.columns:
        cols[1] = pl.col("line_id").alias("claim_id")
    return df.select(cols)
