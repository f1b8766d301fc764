"""zorgclaim dbc group | patient-share | precheck | demo: the clinic's side."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import polars as pl
import typer
from rich.table import Table

from zorgclaim.cli.common import HOME, _fail, console, dbc_app, err, parse_date
from zorgclaim.domain.money import fmt_eur


def _print_dbc_summary(table: pl.DataFrame, title: str) -> None:
    t = Table(title=f"{title}: DBCs per product")
    for col in ("product", "DBCs", "open", "tariff total"):
        t.add_column(col, justify="left" if col == "product" else "right")
    agg = table.group_by("code", "product_label").agg(pl.len().alias("n"), pl.col("open").sum().alias("o"),
                                                      pl.col("nza_tariff").sum().alias("amt")).sort("code")
    for r in agg.iter_rows(named=True):
        t.add_row(f"{r['code']} {r['product_label'] or ''}", f"{r['n']:,}", f"{r['o']:,}", fmt_eur(r["amt"] or 0))
    console.print(t)
    if table["billed_to"].drop_nulls().len():
        t2 = Table(title=f"{title}: who is billed")
        for col in ("insurer", "billed to", "DBCs", "amount"):
            t2.add_column(col, justify="left" if col in ("insurer", "billed to") else "right")
        agg = (table.filter(~pl.col("open")).group_by("insurer", "billed_to")
               .agg(pl.len().alias("n"), pl.col("nza_tariff").sum().alias("amt")).sort("insurer", "billed_to", nulls_last=True))
        for r in agg.iter_rows(named=True):
            t2.add_row(str(r["insurer"] or "-"), str(r["billed_to"]), f"{r['n']:,}", fmt_eur(r["amt"] or 0))
        console.print(t2)


@dbc_app.command("group")
def dbc_group(
    activities: Path = typer.Argument(..., help="Activity log: patient, date, discipline, minutes, kind (contact|team|dossier|no_show), diagnosis, care_demand, specialist"),
    patients: Optional[Path] = typer.Option(None, help="Patients: patient, insurer, from, to (and member_id, birth_date, product, referral_by)"),
    contracts: Optional[Path] = typer.Option(None, help="Clinic contracts: insurer, year, payment_agreement, source, verified"),
    prices: Optional[Path] = typer.Option(None, help="Prices agreed with insurers: insurer, year, code, amount, source, verified"),
    materials: Optional[Path] = typer.Option(None, help="Materials handed out: patient, date, kind (spalk|brace|oefenmateriaal), item, amount"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Only activities up to this date; lists the DBCs still open"),
    out: Path = typer.Option(HOME / "dbc", "--out", "-o", help="Folder for dbcs.csv/json, invoice_lines.csv, no_show_invoices.csv, invoices/*.html"),
    html: bool = typer.Option(True, help="Write a printable HTML invoice per closed DBC"),
):
    """Group activities into DBCs, products and invoices; route each invoice."""
    from zorgclaim.app.dbc import group, write_billing
    from zorgclaim.dbc.grouping import GroupingError
    day = parse_date(as_of, "--as-of")
    try:
        b, errors = group(activities, patients, contracts, day, prices, materials)
    except GroupingError as e:
        _fail(str(e))
    for e in errors[:50]:
        err.print(f"[yellow]skipped:[/] {e}", highlight=False)
    write_billing(b, out, html)
    _print_dbc_summary(b.table, "Clinic")
    if day is not None:
        still = b.table.filter(pl.col("open"))
        console.print(f"Open on {day}: {still.height:,} DBCs (closing dates in dbcs.csv, column 'end')")
    console.print(f"{len(b.dbcs):,} DBCs, {b.lines.height:,} invoice units, {b.no_shows.height:,} no-show invoices; written to {out}")
    if errors:
        raise typer.Exit(1)


@dbc_app.command("patient-share")
def dbc_patient_share(
    invoice: str = typer.Option(..., help="Invoice amount in euros"),
    reimbursed: str = typer.Option(..., help="What the insurer reimbursed, in euros (its statement)"),
    deductible: str = typer.Option("0", help="Deductible the insurer withheld, in euros"),
    insurer_paid_on: Optional[str] = typer.Option(None, help="When the insurer paid the patient (its statement), "
                                                  "YYYY-MM-DD; the patient pays within the payment term after that"),
):
    """What a patient without a payment agreement owes the clinic (Xpert Clinics Revalidatie - Vergoeding (2024))."""
    from zorgclaim.dbc.routing import patient_share
    from zorgclaim.dbc.tables import load_dbc_tables
    from zorgclaim.domain.money import MoneyError, to_cents
    import datetime as dt
    try:
        inv, reim, ded = to_cents(invoice), to_cents(reimbursed), to_cents(deductible)
        paid_on = parse_date(insurer_paid_on, "--insurer-paid-on") if insurer_paid_on else None
        tables = load_dbc_tables()
        day = paid_on or dt.date.today()
        r = patient_share(inv, reim, ded, tables.param("patient_minimum_share_pct", day), paid_on,
                          tables.param("payment_term_days", day))
    except (MoneyError, ValueError) as e:
        _fail(str(e))
    console.print(f"Invoice {fmt_eur(r['invoice'])}; insurer reimbursed {fmt_eur(r['reimbursed'])}; minimum "
                  f"{fmt_eur(r['minimum'])}; deductible withheld {fmt_eur(r['deductible_withheld'])}", highlight=False)
    console.print(f"Patient owes the clinic: [bold]{fmt_eur(r['owed'])}[/] (basis: {r['basis']} + deductible"
                  + ("; capped at the invoice" if r["capped"] else "") + ")", highlight=False)
    console.print(f"Due: {r['due']:%d-%m-%Y} (the payment term after the insurer paid)" if r["due"] else
                  "Not due yet: the patient pays after the insurer has paid (send us the insurer's statement)",
                  highlight=False)


@dbc_app.command("precheck")
def dbc_precheck(
    activities: Path = typer.Argument(..., help="Activity log"),
    patients: Path = typer.Option(..., help="Patients with member_id, birth_date, product, referral_by"),
    contracts: Path = typer.Option(..., help="Clinic contracts"),
    prices: Optional[Path] = typer.Option(None, help="Prices agreed with insurers (else the NZa tariff)"),
    agb: str = typer.Option("23999999", help="The clinic's AGB code"),
    out: Path = typer.Option(HOME / "dbc", "--out", "-o", help="Where claim_lines.csv, the ZH308 files and precheck/ go"),
):
    """Run the closed DBC invoices through the insurer's engine before sending; show refusals;
    export the insurer-billed invoices as one ZH308 file per insurer."""
    import datetime as dt

    from zorgclaim.app.dbc import precheck
    from zorgclaim.engine.explain import render_step
    r = precheck(activities, patients, contracts, agb, out, dt.date.today(), prices)
    for e in r.errors[:50]:
        err.print(f"[yellow]skipped:[/] {e}", highlight=False)
    for insurer, (n, path) in sorted(r.zh308.items()):
        console.print(f"ZH308 for {insurer}: {n:,} DBCs -> {path}")
    refused = r.decisions.filter(pl.col("status") != "accepted")
    console.print(f"{r.decisions.height:,} closed DBC invoices checked ({r.skipped:,} skipped: the insurer of the DBC's start, or the patient's product, is not in the "
                  f"policy library); {refused.height:,} would not be paid in full.")
    for d in refused.head(20).iter_rows(named=True):
        fails = [render_step(s, "en") for s in d["steps"] if s["outcome"] in ("fail", "partial")]
        console.print(f"- {d['line_id']}: {d['status']} {fmt_eur(d['allowed'])} of {fmt_eur(d['declared'])}; "
                      f"{', '.join(d['codes'])}: {'; '.join(fails[:3])}", highlight=False)


@dbc_app.command("demo")
def dbc_demo(
    patients: int = typer.Option(300, help="Patients to generate"),
    seed: int = typer.Option(2024, help="Random seed"),
    out: Path = typer.Option(HOME / "dbc-demo", "--out", "-o"),
):
    """Group a generated activity log and print DBCs per product and per insurer routing."""
    from zorgclaim.app.dbc import demo
    b = demo(patients, seed, out)
    _print_dbc_summary(b.table, f"Generated clinic ({patients} patients, seed {seed})")
    console.print(f"{len(b.dbcs):,} DBCs ({b.table.filter(pl.col('kind') == 'follow-up').height:,} follow-up), "
                  f"{b.lines.height:,} invoice units, {b.no_shows.height:,} no-show invoices; files in {out}")
