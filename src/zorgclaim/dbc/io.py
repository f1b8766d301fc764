"""Reading a clinic's files: the activity log, its patients, its contracts."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from zorgclaim.formats.tabular import InputError, RowError, cast_columns, read_table

ACTIVITY_SCHEMA = {"activity_id": pl.Int64, "patient": pl.String, "date": pl.Date, "discipline": pl.String,
                   "minutes": pl.Int64, "kind": pl.String, "diagnosis": pl.String, "care_demand": pl.String,
                   "specialist": pl.String, "notice_hours": pl.Int64}
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
    for c in ("diagnosis", "specialist", "notice_hours"):     # notice_hours: how long before a cancelled appointment
        if c not in df.columns:                                # the patient called it off (none: did not come)
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


MATERIAL_SCHEMA = {"material_id": pl.Int64, "patient": pl.String, "date": pl.Date, "kind": pl.String, "item": pl.String,
                   "amount": pl.Int64}


def read_materials(path: Path) -> tuple[pl.DataFrame, list[RowError]]:
    """Materials handed out (splints, braces, exercise material): patient, date, kind, item, amount
    in euros. A row that cannot be read is listed and left out; the others are kept."""
    from zorgclaim.dbc.materials import KINDS as MATERIAL_KINDS
    from zorgclaim.domain.money import MoneyError, to_cents
    path = Path(path)
    df = read_table(path)
    offset = 2 if path.suffix.lower() == ".csv" else 1
    missing = [c for c in ("patient", "date", "kind", "amount") if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    if "material_id" not in df.columns:
        df = df.with_row_index("material_id", offset=offset).with_columns(pl.col("material_id").cast(pl.Int64))
    if "item" not in df.columns:
        df = df.with_columns(pl.col("kind").alias("item"))
    errors: list[RowError] = []
    cents = []
    for r in df.select("material_id", pl.col("amount").cast(pl.String)).iter_rows(named=True):
        try:
            cents.append(to_cents(r["amount"]))
        except (MoneyError, ValueError, TypeError):
            errors.append(RowError(str(path), int(r["material_id"]), "amount", f"{r['amount']!r} is not an amount in euros"))
            cents.append(None)
    df = df.with_columns(pl.Series("amount", cents, dtype=pl.Int64))
    typed, cast_errors = cast_columns(df.filter(pl.col("amount").is_not_null()).with_columns(pl.col("amount").cast(pl.String)),
                                      MATERIAL_SCHEMA, str(path), offset)
    errors += cast_errors
    bad = typed.filter(~pl.col("kind").is_in(MATERIAL_KINDS))
    errors += [RowError(str(path), int(r["material_id"]), "kind", f"{r['kind']!r} is not one of {', '.join(MATERIAL_KINDS)}")
               for r in bad.iter_rows(named=True)]
    return typed.filter(pl.col("kind").is_in(MATERIAL_KINDS)).select(list(MATERIAL_SCHEMA)), errors
