"""The clinic's side as operations: group an activity log into DBC-zorgproducten and invoices,
route each invoice, write them out, and pre-check the closed invoices with the insurer's engine
(exporting the insurer-billed ones as ZH308)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from zorgclaim.app.context import library_and_reference
from zorgclaim.domain.money import cents_text


def group(activities: Path, patients: Path | None = None, contracts: Path | None = None,
          as_of: dt.date | None = None, prices: Path | None = None, materials: Path | None = None):
    """(billing, row errors): the DBCs, their products, invoices and routing; `prices`: the
    clinic's agreed prices per insurer, year and product."""
    from zorgclaim.dbc.billing import bill
    from zorgclaim.dbc.io import read_activities, read_materials, read_patients
    from zorgclaim.dbc.tables import load_clinic_contracts, load_clinic_prices, load_dbc_tables
    acts, errors = read_activities(activities)
    pats = None
    if patients:
        pats, perr = read_patients(patients)
        errors += perr
    cons = load_clinic_contracts(contracts) if contracts else None
    mats = None
    if materials:
        mats, merr = read_materials(materials)
        errors += merr
    return bill(acts, load_dbc_tables(), pats, cons, as_of, load_clinic_prices(prices) if prices else None,
                mats), errors


def write_billing(b, out: Path, html: bool = True) -> None:
    """dbcs.csv/json, invoice_lines.csv, no_show_invoices.csv and a printable invoice per closed DBC."""
    from zorgclaim.dbc.html import invoice_html
    out.mkdir(parents=True, exist_ok=True)
    b.table.with_columns(cents_text(pl.col("nza_tariff")).alias("nza_tariff"),
                         cents_text(pl.col("invoice_amount")).alias("invoice_amount")).write_csv(out / "dbcs.csv")
    b.table.write_json(out / "dbcs.json")
    b.lines.write_csv(out / "invoice_lines.csv")
    b.no_shows.with_columns(cents_text(pl.col("amount")).alias("amount")).write_csv(out / "no_show_invoices.csv")
    if b.materials is not None:
        b.materials.with_columns(cents_text(pl.col("amount")).alias("amount")).write_csv(out / "material_invoices.csv")
    if html:
        (out / "invoices").mkdir(exist_ok=True)
        for row in b.table.filter(~pl.col("open")).iter_rows(named=True):
            lines = b.lines.filter(pl.col("dbc_id") == row["dbc_id"])
            (out / "invoices" / f"{row['dbc_id']}.html").write_text(invoice_html(row, lines), encoding="utf-8")


@dataclass
class Precheck:
    decisions: pl.DataFrame
    skipped: int                         # DBCs of patients whose product is not in the policy library
    exported: Path
    zh308: dict = field(default_factory=dict)   # insurer -> (DBCs, file)
    errors: list = field(default_factory=list)


def precheck(activities: Path, patients: Path, contracts: Path, agb: str, out: Path, today: dt.date,
             prices: Path | None = None) -> Precheck:
    """Group, then run the closed invoices through the insurer's engine as the insurer would;
    write claim_lines.csv, one ZH308 file per insurer billed directly, and the decisions."""
    from zorgclaim.app.files import write_decisions
    from zorgclaim.dbc.io import read_patients
    from zorgclaim.dbc.precheck import claim_lines, precheck as run
    from zorgclaim.formats.vektis.zh308 import write_zh308
    b, errors = group(activities, patients, contracts, prices=prices)
    pats, _ = read_patients(patients)
    lib, ref = library_and_reference()
    known = pats.filter(pl.col("product").is_in(list(lib.products)))
    # a DBC is billed to the insurer of its start date: check it only when that insurer's products
    # are in the library (a patient who moved to a known insurer later is not checked against it)
    insurers = sorted({p.insurer for p in lib.products.values()})
    table = b.table.join(known.select("patient").unique(), on="patient", how="semi")
    checked = table.filter(pl.col("insurer").is_in(insurers))
    out.mkdir(parents=True, exist_ok=True)
    exported = claim_lines(table, pats, agb)
    exported.write_csv(out / "claim_lines.csv")
    direct = exported.filter(pl.col("submitted_by") == "provider").join(
        table.select(pl.col("dbc_id").alias("line_id"), "insurer"), on="line_id", how="left")
    members = pats.select("member_id", pl.lit(None, pl.String).alias("bsn"), "birth_date").unique("member_id")
    files = {}
    for (insurer,), part in direct.group_by(["insurer"]):
        path = out / f"declaratie-{insurer}.zh308"
        path.write_bytes(write_zh308(part.drop("insurer"), members, f"{agb}-{insurer}"[:12], today, agb,
                                     ref.uzovi(insurer)).encode("latin-1"))
        files[insurer] = (part.height, path)
    decisions = run(checked, pats, agb, lib, ref)
    write_decisions(decisions, out / "precheck")
    return Precheck(decisions, b.table.height - checked.height, out / "claim_lines.csv", files, errors)


def demo(patients: int, seed: int, out: Path):
    """A generated clinic's activity log, grouped and written out."""
    from zorgclaim.dbc.billing import bill
    from zorgclaim.dbc.demo import generate_clinic
    from zorgclaim.dbc.tables import DATA_DIR, load_clinic_contracts, load_dbc_tables
    acts, pats = generate_clinic(patients, seed)
    out.mkdir(parents=True, exist_ok=True)
    acts.write_csv(out / "activities.csv")
    pats.write_csv(out / "patients.csv")
    b = bill(acts, load_dbc_tables(), pats, load_clinic_contracts(DATA_DIR / "clinic_contracts_example.csv"))
    write_billing(b, out, html=True)
    return b
