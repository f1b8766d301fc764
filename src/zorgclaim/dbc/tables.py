"""The DBC data files: parameters, discipline weights, product bands, tariffs, clinic contracts.

Same validation as the insurer's reference tables: a bad row stops with file, line and field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml
from pydantic import ValidationError

from zorgclaim.domain.money import Cents
from zorgclaim.policy.library import Parameter, PolicyError
from zorgclaim.reference.tables import ReferenceError, _Row, read_csv_rows

DATA_DIR = Path(__file__).parent / "data"


class WeightRow(_Row):
    discipline: str
    from_: dt.date
    weight: float


class DiagnosisGroupRow(_Row):
    prefix: str
    group: str
    label: str


class ProductRow(_Row):
    group: str
    hours_from: float
    hours_to: float
    code: str
    label: str


class TariffRow(_Row):
    code: str
    from_: dt.date
    amount: Cents


class InsurerLabelRow(_Row):
    label: str
    insurer: str


class ClinicPriceRow(_Row):
    insurer: str
    year: int
    code: str
    amount: Cents


class ClinicContractRow(_Row):
    insurer: str
    year: int
    payment_agreement: bool


@dataclass(frozen=True)
class DbcTables:
    parameters: dict[str, Parameter]
    weights: pl.DataFrame
    products: pl.DataFrame
    tariffs: pl.DataFrame
    labels: pl.DataFrame        # an insurer's brand or label (as patients name it) -> the contracting insurer
    diagnosis_groups: pl.DataFrame   # a diagnosis code's prefix -> its diagnosis group (the product's first key)

    def param(self, name: str, day: dt.date):
        return self.parameters[name].dated().at(day)

    def __repr__(self) -> str:
        return f"DbcTables({self.products.height} product bands, {self.weights.height} weights)"


def load_clinic_contracts(path: Path) -> pl.DataFrame:
    rows = read_csv_rows(Path(path), ClinicContractRow)
    return pl.DataFrame([r.model_dump() for r in rows],
                        schema={"source": pl.String, "verified": pl.Boolean, "insurer": pl.String, "year": pl.Int64,
                                "payment_agreement": pl.Boolean}) if rows else pl.DataFrame(
        schema={"insurer": pl.String, "year": pl.Int64, "payment_agreement": pl.Boolean})


def load_clinic_prices(path: Path) -> pl.DataFrame:
    """The prices a clinic agreed with insurers, per year and product (in place of the NZa tariff)."""
    rows = read_csv_rows(Path(path), ClinicPriceRow)
    return pl.DataFrame([r.model_dump() for r in rows], schema={
        "source": pl.String, "verified": pl.Boolean, "insurer": pl.String, "year": pl.Int64, "code": pl.String,
        "amount": pl.Int64}).select("insurer", "year", "code", "amount")


def load_dbc_tables(data_dir: Path = DATA_DIR) -> DbcTables:
    path = data_dir / "parameters.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise PolicyError(f"{path}: cannot be read: {e}") from None
    params = {}
    for name, body in raw.items():
        try:
            params[name] = Parameter.model_validate(body)
        except ValidationError as e:
            err = e.errors()[0]
            raise PolicyError(f"{path}#{name}: field '{'.'.join(map(str, err['loc']))}': {err['msg']}") from None
    s, d = pl.String, pl.Date
    weights = pl.DataFrame([r.model_dump() for r in read_csv_rows(data_dir / "weights.csv", WeightRow, {"from": "from_"})],
                           schema={"source": s, "verified": pl.Boolean, "discipline": s, "from_": d, "weight": pl.Float64})
    products = pl.DataFrame([r.model_dump() for r in read_csv_rows(data_dir / "products.csv", ProductRow)],
                            schema={"source": s, "verified": pl.Boolean, "group": s, "hours_from": pl.Float64,
                                    "hours_to": pl.Float64, "code": s, "label": s})
    tariffs = pl.DataFrame([r.model_dump() for r in read_csv_rows(data_dir / "tariffs.csv", TariffRow, {"from": "from_"})],
                           schema={"source": s, "verified": pl.Boolean, "code": s, "from_": d, "amount": pl.Int64})
    if products.filter(pl.col("hours_to") <= pl.col("hours_from")).height:
        raise ReferenceError(f"{data_dir / 'products.csv'}: a band with hours_to <= hours_from")
    labels = pl.DataFrame([r.model_dump() for r in read_csv_rows(data_dir / "insurer_labels.csv", InsurerLabelRow)],
                          schema={"source": s, "verified": pl.Boolean, "label": s, "insurer": s})
    labels = labels.with_columns(insurer_key(pl.col("label")).alias("key"))
    twice = labels.filter(pl.col("key").is_duplicated())["label"].to_list()
    if twice:
        raise ReferenceError(f"{data_dir / 'insurer_labels.csv'}: a label given twice: {', '.join(twice)}")
    groups = pl.DataFrame([r.model_dump() for r in read_csv_rows(data_dir / "diagnosis_groups.csv", DiagnosisGroupRow)],
                          schema={"source": s, "verified": pl.Boolean, "prefix": s, "group": s, "label": s})
    missing = sorted(set(groups["group"]) - set(products["group"]))
    if missing:
        raise ReferenceError(f"{data_dir / 'diagnosis_groups.csv'}: group(s) without products: {', '.join(missing)}")
    if "*" not in set(products["group"]):
        raise ReferenceError(f"{data_dir / 'products.csv'}: no products of group '*' (other diagnoses)")
    return DbcTables(params, weights, products, tariffs, labels, groups)


def insurer_key(name: pl.Expr) -> pl.Expr:
    """An insurer's or label's name as a key: lower case, letters and digits only ('ZEKUR .nl' and
    'Zekur' differ; 'Zilveren Kruis' and 'zilveren-kruis' do not)."""
    return name.str.to_lowercase().str.replace_all(r"[^0-9a-zà-ÿ]+", "")
