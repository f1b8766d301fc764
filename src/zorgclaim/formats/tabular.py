"""Claim lines and the world from CSV, Parquet or JSON files.

Bad rows are reported with file, line and field, and the good rows still go through: nothing
that was good is lost. Amounts in files are euros (`amount`, text or decimal) or cents
(`declared`, integers, as zorgclaim writes them itself).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from zorgclaim.domain.schema import LINE_SCHEMA
from zorgclaim.domain.world import WORLD_SCHEMAS, World
from zorgclaim.policy.library import PolicyLibrary
from zorgclaim.reference.tables import ReferenceData


class InputError(ValueError):
    """An input file that cannot be used at all."""


@dataclass(frozen=True)
class RowError:
    file: str
    line: int        # 1-based line in the file (CSV: header is line 1); row number for Parquet/JSON
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: field '{self.field}': {self.message}"


ALIASES = {"id": "line_id", "member": "member_id", "date": "service_date", "agb": "provider"}
AMOUNT_PATTERN = r"^-?\d{1,9}([.,]\d{1,2})?$"
MAX_LINE_CENTS = 10_000_000 * 100       # no line of care costs more than EUR 10,000,000: a typo or a wrong unit


TABULAR = (".csv", ".parquet", ".json", ".ndjson", ".jsonl")


def read_table(path: Path, data: bytes | None = None, problems: list | None = None) -> pl.DataFrame:
    """Any supported file as a frame of strings (CSV/JSON) or typed columns (Parquet). With `data`
    the file's bytes are given (an upload) and `path` only names it. With `problems`, a CSV row with
    more or fewer fields than the header is reported there (RowError) and the other rows are read;
    the frame then has a column `_line`, each row's line in the file."""
    path = Path(path)
    if data is None and not path.exists():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    source = io.BytesIO(data) if data is not None else path
    try:
        if suffix == ".parquet":
            return pl.read_parquet(source)
        if suffix == ".csv":
            raw = data if data is not None else _read_bytes(path)
            text, sep = csv_text(raw)
            try:
                return pl.read_csv(io.BytesIO(text.encode("utf-8")), infer_schema=False, null_values=[""], separator=sep)
            except (pl.exceptions.ComputeError, pl.exceptions.PolarsError):
                if problems is None:
                    raise
                return _csv_keeping_good_rows(text, sep, str(path), problems)
        if suffix in (".json", ".ndjson", ".jsonl"):
            if suffix == ".json":
                return pl.read_json(source, infer_schema_length=None)
            return pl.read_ndjson(source, infer_schema_length=None)
    except (pl.exceptions.ComputeError, pl.exceptions.PolarsError, OSError):
        # in our words: the reader's own message names its internals and may quote the file's values
        raise InputError(f"{path}: cannot be read as {suffix[1:].upper()}: {NOT_WELL_FORMED[suffix]}") from None
    raise InputError(f"{path}: unsupported file type '{suffix}' (use .csv, .parquet, .json or .ndjson)")


def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror})") from None


def csv_text(raw: bytes) -> tuple[str, str]:
    """A CSV file's text and separator: UTF-8 (with or without a byte-order mark), else Windows-1252
    (Latin-1 as Excel writes it in the Netherlands); the separator is the one of ',', ';' and tab
    that the header uses most (a Dutch Excel export uses ';')."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    header = text.split("\n", 1)[0]
    sep = max((",", ";", "\t"), key=lambda s: header.count(s))
    return text, sep if header.count(sep) else ","


def _csv_keeping_good_rows(text: str, sep: str, file: str, problems: list) -> pl.DataFrame:
    """A CSV whose rows do not all have the header's number of fields: each such row reported, the
    others kept (with `_line`, their line in the file)."""
    import csv
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{file}: the file is empty") from None
    rows, lines = [], []
    for row in reader:
        if not row:
            continue
        if len(row) != len(header):
            problems.append(RowError(file, reader.line_num, "-", f"{len(row)} fields where the header names "
                                     f"{len(header)} (check the separator '{sep}' and the quoting)"))
            continue
        rows.append([v if v != "" else None for v in row])
        lines.append(reader.line_num)
    cols = {h: [r[k] for r in rows] for k, h in enumerate(header)}
    return pl.DataFrame(cols, schema={h: pl.String for h in header}).with_columns(pl.Series("_line", lines, dtype=pl.Int64))


NOT_WELL_FORMED = {
    ".parquet": "it is not a Parquet file, or it is damaged",
    ".csv": "it is not well-formed CSV (check the separator is a comma, the quoting, and that every row has "
            "as many fields as the header)",
    ".json": "it is not a JSON array of objects, one per line of the claim",
    ".ndjson": "it is not one JSON object per line",
    ".jsonl": "it is not one JSON object per line",
}


def cast_columns(df: pl.DataFrame, schema: dict[str, pl.DataType], file: str, offset: int) -> tuple[pl.DataFrame, list[RowError]]:
    """Cast each column to its type; a value that does not fit becomes a RowError and drops its row."""
    errors: list[RowError] = []
    bad = pl.Series("bad", [False] * df.height, dtype=pl.Boolean)
    cols = {}
    for name, dtype in schema.items():
        if name not in df.columns:
            continue
        src = df[name]
        if src.dtype == dtype:
            cols[name] = src
            continue
        if dtype == pl.Date and src.dtype == pl.String:
            cast = src.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
        elif dtype == pl.Boolean and src.dtype == pl.String:
            low = src.str.strip_chars().str.to_lowercase()
            cast = low.replace_strict({"true": True, "1": True, "yes": True, "ja": True, "false": False, "0": False,
                                       "no": False, "nee": False}, default=None, return_dtype=pl.Boolean)
        elif isinstance(dtype, pl.List) and src.dtype == pl.String:
            cast = src.str.split(";").list.eval(pl.element().str.strip_chars()).list.eval(pl.element().filter(pl.element() != ""))
        else:
            cast = src.cast(dtype, strict=False)
        failed = src.is_not_null() & cast.is_null()
        expected = {pl.Date: "a date as YYYY-MM-DD", pl.Int64: "a whole number", pl.Boolean: "true or false"}.get(dtype, str(dtype))
        for idx in failed.arg_true().to_list():
            errors.append(RowError(file, idx + offset, name, f"expected {expected}, got {str(src[idx])[:30]!r}"))
        bad = bad | failed
        cols[name] = cast
    out = df.with_columns(*(s.alias(n) for n, s in cols.items()))
    return out.filter(~bad), errors


def _euros_to_cents(s: pl.Series, file: str, offset: int) -> tuple[pl.Series, list[RowError]]:
    txt = s.cast(pl.String).str.strip_chars().str.replace(",", ".")
    ok = txt.str.contains(AMOUNT_PATTERN)
    errors = [RowError(file, i + offset, "amount", f"not an amount in euros with at most two decimals "
                       f"(e.g. 39.00 or 39,00, no thousands separator): {str(s[i])[:20]!r}")
              for i in (s.is_not_null() & ~ok.fill_null(False)).arg_true().to_list()]
    cents = pl.select(pl.when(pl.lit(ok)).then(pl.lit(txt)).otherwise(None)
                      .str.to_decimal(scale=2).mul(100).cast(pl.Int64)).to_series()
    too_big = (cents.abs() > MAX_LINE_CENTS).fill_null(False)
    errors += [RowError(file, i + offset, "amount", "more than EUR 10,000,000 for one line: check the amount and "
                        "its unit (euros in 'amount', cents in 'declared')") for i in too_big.arg_true().to_list()]
    return cents.set(too_big, None), errors


def read_lines(path: Path, data: bytes | None = None,
               default_received: dt.date | None = None) -> tuple[pl.DataFrame, list[RowError]]:
    """Claim lines from a file (or its bytes, `data`, named by `path`), in the engine's schema, with
    the rows that could not be read."""
    path = Path(path)
    errors: list[RowError] = []
    df = read_table(path, data, errors)
    offset = 2 if path.suffix.lower() == ".csv" else 1
    df = df.rename({k: v for k, v in ALIASES.items() if k in df.columns and v not in df.columns})
    if "_line" in df.columns:       # rows were left out: keep each row's own line
        df = df.with_columns((pl.col("_line") - offset).alias("_row")).drop("_line")
    else:
        df = df.with_row_index("_row")
    if "declared" not in df.columns:
        if "amount" not in df.columns:
            raise InputError(f"{path}: no 'amount' (euros) or 'declared' (cents) column")
        cents, errs = _euros_to_cents(df["amount"], str(path), 0)     # lines as positions in df
        bad_rows = [int(df["_row"][e.line]) for e in errs]
        errors += [RowError(e.file, r + offset, e.field, e.message) for e, r in zip(errs, bad_rows)]
        df = df.with_columns(cents.alias("declared")).filter(~pl.col("_row").is_in(bad_rows))
    if "received" not in df.columns and default_received is not None:     # an upload: received today
        df = df.with_columns(pl.lit(default_received.isoformat()).alias("received"))
    required = ["line_id", "member_id", "provider", "received", "service_date", "code", "declared"]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    for c in required:
        for idx in df[c].is_null().arg_true().to_list():
            errors.append(RowError(str(path), int(df["_row"][idx]) + offset, c, "required value is empty"))
    df = df.filter(pl.all_horizontal(*(pl.col(c).is_not_null() for c in required)))
    rows = df["_row"]
    typed, errs = cast_columns(df.drop("_row"), LINE_SCHEMA, str(path), 0)
    # cast_columns reports positions within df; map them back to file lines
    errors += [RowError(e.file, int(rows[e.line]) + offset, e.field, e.message) for e in errs]
    dropped = {e.line for e in errs}          # positions in df of the rows cast_columns dropped
    typed_rows = rows.filter(pl.Series([k not in dropped for k in range(rows.len())], dtype=pl.Boolean))
    too_big = (typed["declared"].abs() > MAX_LINE_CENTS).fill_null(False)
    errors += [RowError(str(path), int(typed_rows[i]) + offset, "declared", "more than EUR 10,000,000 (in cents) for "
                        "one line: check the amount and its unit") for i in too_big.arg_true().to_list()]
    too_long = (typed["provider"].str.len_chars() > 16).fill_null(False) & ~too_big
    errors += [RowError(str(path), int(typed_rows[i]) + offset, "provider", "more than 16 characters: a provider is "
                        "named by its AGB code (8 digits), or abroad by its own identifier of at most 16")
               for i in too_long.arg_true().to_list()]
    typed_rows = typed_rows.filter(~(too_big | too_long))
    typed = typed.filter(~(too_big | too_long))
    if "country" in typed.columns:
        typed, errs = _countries(typed, typed_rows, str(path), offset)
        errors += errs
    errors.sort(key=lambda e: (e.line, e.field))
    return typed, errors


def _countries(typed: pl.DataFrame, rows: pl.Series, file: str, offset: int) -> tuple[pl.DataFrame, list[RowError]]:
    """The country codes upper-cased; a row whose code is no ISO 3166-1 country, or whose care abroad
    names its provider by something else than an identifier of its own, is left out (RowError)."""
    from zorgclaim.domain.countries import is_country
    from zorgclaim.domain.provider_id import checked_provider
    errors, bad = [], []
    # only the rows that name a country are looked at (most lines are care in the Netherlands)
    given = typed.with_row_index("_i").filter(pl.col("country").is_not_null()).select("_i", "country", "provider")
    for i, country, provider in given.iter_rows():
        if not is_country(country):
            errors.append(RowError(file, int(rows[i]) + offset, "country", f"{country[:20]!r} is not a country code "
                                   "(ISO 3166-1 alpha-2, e.g. BE, DE, ES; empty for the Netherlands)"))
            bad.append(i)
            continue
        try:
            checked_provider(provider, country.upper())
        except ValueError as e:
            errors.append(RowError(file, int(rows[i]) + offset, "provider", str(e)))
            bad.append(i)
    keep = ~pl.int_range(typed.height, eager=True).is_in(pl.Series(bad, dtype=pl.Int64))
    return typed.filter(keep).with_columns(pl.col("country").str.to_uppercase()), errors


WORLD_FILES = {"members": "members", "coverages": "coverages", "wlz": "wlz", "providers": "providers",
               "contracts": "contracts", "contract_tariffs": "contract_tariffs", "authorizations": "authorizations",
               "watch": "watch"}


# a member or provider given twice would make the engine's joins decide each of its lines twice
UNIQUE_KEYS = {"members": "member_id", "providers": "agb"}


def _first_of_each(df: pl.DataFrame, key: str, file: str, offset: int) -> tuple[pl.DataFrame, list[RowError]]:
    """Keep the first row of each key; every later row with the same key is a RowError."""
    if key not in df.columns:
        return df, []
    keep = df[key].is_null() | df[key].is_first_distinct()
    if keep.all():
        return df, []
    later = (df.select(key, pl.int_range(pl.len()).alias("row"), pl.int_range(pl.len()).min().over(key).alias("first"))
             .filter(~keep))
    errors = [RowError(file, row + offset, key, f"{v!r} given again (first on line {first + offset}); this row is left out")
              for v, row, first in later.iter_rows()]
    return df.filter(keep), errors


def read_world(folder: Path, library: PolicyLibrary, reference: ReferenceData) -> tuple[World, list[RowError]]:
    """A world folder: members, coverages, providers, contracts, contract_tariffs, authorizations, wlz,
    watch (each .csv or .parquet; all but members optional)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    frames, errors, unreadable = {}, [], frozenset()
    for name, stem in WORLD_FILES.items():
        found = [p for p in (folder / f"{stem}.parquet", folder / f"{stem}.csv") if p.exists()]
        if not found:
            if name == "members":
                raise InputError(f"{folder}: members.csv or members.parquet is required")
            continue
        path = found[0]
        ragged: list = []
        df = read_table(path, problems=ragged)
        errors += ragged
        offset = 2 if path.suffix == ".csv" else 1
        if "_line" in df.columns:     # a row with the wrong number of fields was left out (and reported)
            df = df.drop("_line")
        schema = dict(WORLD_SCHEMAS[name])
        if name == "members" and "voluntary_deductible" in df.columns and df["voluntary_deductible"].dtype == pl.String:
            cents, errs = _euros_to_cents(df["voluntary_deductible"], str(path), offset)
            errors += [RowError(e.file, e.line, "voluntary_deductible", e.message) for e in errs]
            df = df.with_columns(cents.alias("voluntary_deductible"))
        if name == "contract_tariffs" and "tariff" in df.columns and df["tariff"].dtype == pl.String:
            cents, errs = _euros_to_cents(df["tariff"], str(path), offset)
            errors += [RowError(e.file, e.line, "tariff", e.message) for e in errs]
            df = df.with_columns(cents.alias("tariff"))
        if name in UNIQUE_KEYS:
            df, errs = _first_of_each(df, UNIQUE_KEYS[name], str(path), offset)
            errors += errs
        typed, errs = cast_columns(df, schema, str(path), offset)
        errors += errs
        frames[name] = typed
        if name == "members" and "member_id" in df.columns:
            unreadable = frozenset(set(df["member_id"].drop_nulls().cast(pl.String).to_list())
                                   - set(typed["member_id"].drop_nulls().to_list()))
    if "coverages" in frames:
        unknown = sorted(set(frames["coverages"]["product"].drop_nulls().to_list()) - set(library.products))
        if unknown:
            raise InputError(f"{folder}/coverages: unknown product(s) {unknown}; known: {sorted(library.products)}")
    return World(library, reference, **frames, unreadable_members=unreadable), errors
