"""Reading a clinic's files: the activity log, its patients, its contracts."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from zorgclaim.formats.tabular import InputError, RowError, cast_columns, read_table

ACTIVITY_SCHEMA = {"activity_id": pl.Int64, "patient": pl.String, "date": pl.Date, "discipline": pl.String,
                   "minutes": pl.Int64, "kind": pl.String, "diagnosis": pl.String, "care_demand": pl.String,
                   "specialist": pl.String}
KINDS = ("contact", "team", "dossier", "no_show")
PATIENT_SCHEMA = {"patient": pl.String, "insurer": pl.String, "from": pl.Date, "to": pl.Date,
                  "member_id": pl.String, "birth_date": pl.Date, "product": pl.String, "referral_by": pl.String}


def read_activities(path: Path) -> tuple[pl.DataFrame, list[RowError]]:
    path = Path(path)
    df = read_table(path)
    offset = 2 if path.suffix.lower() == ".csv" else 1
    missing = [c for c in ("patient", "date", "discipline", "minutes", "kind", "care_demand") if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    if "activity_id" not in df.columns:
        df = df.with_row_index("activity_id", offset=offset).with_columns(pl.col("activity_id").cast(pl.Int64))
    for c in ("diagnosis", "specialist"):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias(c))
    df = df.with_columns(pl.col("specialist").fill_null("-"))
    typed, errors = cast_columns(df, ACTIVITY_SCHEMA, str(path), offset)
    bad_kind = typed.filter(~pl.col("kind").is_in(KINDS))
    errors += [RowError(str(path), int(r["activity_id"]), "kind", f"{r['kind']!r} is not one of {', '.join(KINDS)}")
               for r in bad_kind.iter_rows(named=True)]
    bad_min = typed.filter(pl.col("minutes") < 0)
    errors += [RowError(str(path), int(r["activity_id"]), "minutes", "must not be negative") for r in bad_min.iter_rows(named=True)]
    good = typed.filter(pl.col("kind").is_in(KINDS) & (pl.col("minutes") >= 0))
    return good.select(list(ACTIVITY_SCHEMA)), errors


def read_patients(path: Path) -> tuple[pl.DataFrame, list[RowError]]:
    path = Path(path)
    df = read_table(path)
    offset = 2 if path.suffix.lower() == ".csv" else 1
    missing = [c for c in ("patient", "insurer", "from") if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    for c in PATIENT_SCHEMA:
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias(c))
    typed, errors = cast_columns(df, PATIENT_SCHEMA, str(path), offset)
    return typed.select(list(PATIENT_SCHEMA)), errors
