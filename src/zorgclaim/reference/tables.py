"""Load and validate the reference tables in `data/`.

Each CSV row is checked with a pydantic model; a bad row stops loading with the file, the line
number, the field and the reason (`ReferenceError`).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zorgclaim.domain.money import Cents

DATA_DIR = Path(__file__).parent / "data"


class ReferenceError(ValueError):
    """A reference file that cannot be used: names the file, line, field and reason."""


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    source: str
    verified: bool

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_none(cls, v):
        return None if v == "" else v


class ServiceCodeRow(_Row):
    key: str
    list: str
    code: str
    label: str
    care_kind: str
    unit: Literal["session", "day", "item", "product"]
    valid_from: dt.date
    valid_to: dt.date | None = None

    @field_validator("key")
    @classmethod
    def _key_shape(cls, v: str) -> str:
        if v.count("/") != 1:
            raise ValueError("key must look like '<list>/<code>'")
        return v


class TariffRow(_Row):
    code: str
    insurer: str
    kind: Literal["avg_contracted", "market", "reimbursement_limit"]
    from_: dt.date
    amount: Cents


class DcsphRow(_Row):
    code: str
    label: str
    valid_from: dt.date
    valid_to: dt.date | None = None
    successor: str | None = None     # the code that replaced a closed one: a treatment count carries over


class CsiRow(_Row):
    code: str
    label: str
    diagnoses: str  # ';'-separated DCSPH codes, or '*' for any
    valid_from: dt.date | None = None     # the list's Datum ingang (none: not known, taken as always)
    valid_to: dt.date | None = None       # the last day the code may be used (its expiry date less a day)


class Bijlage1Row(_Row):
    diagnosis: str
    label: str
    max_term_days: int | None = None


class ProviderKindRow(_Row):
    prefix: str
    kind: str
    label: str


class InsurerRow(_Row):
    insurer: str = Field(pattern=r"^[a-z0-9-]+$")
    uzovi: str = Field(pattern=r"^[0-9]{4}$")
    name: str


class ReturnCodeRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    level: str
    meaning: str
    note: str | None = None


def read_csv_rows(path: Path, model: type[BaseModel], rename: dict[str, str] | None = None) -> list[BaseModel]:
    """Read a CSV into validated rows; the first bad row raises ReferenceError with line and field."""
    rename = rename or {}
    rows = []
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as e:
        raise ReferenceError(f"{path}: cannot read ({e.strerror})") from None
    with handle:
        reader = csv.DictReader(handle)
        for line_no, raw in enumerate(reader, start=2):
            if None in raw:
                raise ReferenceError(f"{path}:{line_no}: more fields than the header names")
            data = {rename.get(k, k): v for k, v in raw.items()}
            try:
                rows.append(model.model_validate(data))
            except ValidationError as e:
                err = e.errors()[0]
                field = ".".join(str(p) for p in err["loc"]) or "?"
                field = {v: k for k, v in rename.items()}.get(field, field)
                raise ReferenceError(f"{path}:{line_no}: field '{field}': {err['msg']}") from None
    return rows


def _frame(rows: list[BaseModel], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame([r.model_dump() for r in rows], schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


@dataclass(frozen=True)
class ReferenceData:
    """The reference tables as polars frames (read-only)."""

    service_codes: pl.DataFrame
    tariffs: pl.DataFrame
    dcsph: pl.DataFrame
    csi: pl.DataFrame           # exploded: one row per (csi, diagnosis) pair; diagnosis '*' = any
    bijlage1: pl.DataFrame
    provider_kinds: pl.DataFrame
    return_codes: pl.DataFrame
    insurers: pl.DataFrame      # insurer key, UZOVI number, name

    def uzovi(self, insurer: str) -> str:
        """The insurer's UZOVI number ('0000' for one the table does not know)."""
        hit = self.insurers.filter(pl.col("insurer") == insurer)["uzovi"]
        return hit[0] if hit.len() else "0000"

    def __repr__(self) -> str:
        return f"ReferenceData({self.service_codes.height} service codes, {self.tariffs.height} tariffs)"

    def return_code_meaning(self, code: str) -> str:
        meanings = self.__dict__.get("_meanings")
        if meanings is None:      # built once: a dict look-up, not a frame filter per code
            meanings = dict(zip(self.return_codes["code"].to_list(), self.return_codes["meaning"].to_list()))
            object.__setattr__(self, "_meanings", meanings)
        return meanings.get(code, "?")


def load_reference(data_dir: Path = DATA_DIR) -> ReferenceData:
    s, d = pl.String, pl.Date
    codes = read_csv_rows(data_dir / "service_codes.csv", ServiceCodeRow)
    keys = [c.key for c in codes]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ReferenceError(f"{data_dir / 'service_codes.csv'}: duplicate key(s) {sorted(dup)}")
    service_codes = _frame(codes, {"source": s, "verified": pl.Boolean, "key": s, "list": s, "code": s, "label": s,
                                   "care_kind": s, "unit": s, "valid_from": d, "valid_to": d})
    tariffs = _frame(read_csv_rows(data_dir / "tariffs.csv", TariffRow, {"from": "from_"}),
                     {"source": s, "verified": pl.Boolean, "code": s, "insurer": s, "kind": s, "from_": d, "amount": pl.Int64})
    dcsph = _frame(read_csv_rows(data_dir / "dcsph.csv", DcsphRow),
                   {"source": s, "verified": pl.Boolean, "code": s, "label": s, "valid_from": d, "valid_to": d,
                    "successor": s})
    csi_rows = read_csv_rows(data_dir / "csi.csv", CsiRow)
    csi = _frame(csi_rows, {"source": s, "verified": pl.Boolean, "code": s, "label": s, "diagnoses": s,
                            "valid_from": d, "valid_to": d})
    csi = csi.with_columns(pl.col("diagnoses").str.split(";")).explode("diagnoses").rename({"diagnoses": "diagnosis"})
    bijlage1 = _frame(read_csv_rows(data_dir / "bijlage1.csv", Bijlage1Row),
                      {"source": s, "verified": pl.Boolean, "diagnosis": s, "label": s, "max_term_days": pl.Int64})
    kinds = _frame(read_csv_rows(data_dir / "provider_kinds.csv", ProviderKindRow),
                   {"source": s, "verified": pl.Boolean, "prefix": s, "kind": s, "label": s})
    rc = read_csv_rows(data_dir / "retourcodes.csv", ReturnCodeRow)
    return_codes = pl.DataFrame([r.model_dump() for r in rc])
    insurers = _frame(read_csv_rows(data_dir / "insurers.csv", InsurerRow),
                      {"source": s, "verified": pl.Boolean, "insurer": s, "uzovi": s, "name": s})
    return ReferenceData(service_codes, tariffs, dcsph, csi, bijlage1, kinds, return_codes, insurers)
