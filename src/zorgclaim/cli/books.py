"""zorgclaim statement | pay | deductible-invoices | ledger | reconsider | line: the books."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from zorgclaim.cli.common import HOME, _fail, app, console, err, parse_date, print_json, store_context, store_said
from zorgclaim.domain.money import fmt_eur


@app.command()
def statement(
    account: str = typer.Argument(..., help="A provider's AGB code, or an account name (member:M1, deductible:M1, insurer:claims)"),
    start: Optional[str] = typer.Option(None, "--from", help="First booking date (YYYY-MM-DD); default 1 January this year"),
    end: Optional[str] = typer.Option(None, "--to", help="Last booking date; default today"),
    as_json: bool = typer.Option(False, "--json", help="The statement as JSON (amounts in cents)"),
):
    """A provider's current account (rekening courant), or any account: opening balance, every
    movement with its line and due date, running balance, closing balance."""
    from zorgclaim.app.access import SYSTEM
    from zorgclaim.app.books import statement as account_statement
    ctx = store_context(None)
    today = ctx.today()
    first = parse_date(start, "--from") or dt.date(today.year, 1, 1)
    last = parse_date(end, "--to") or today
    if last < first:
        _fail(f"--to {last} is before --from {first}")
    name = account if ":" in account else f"provider:{account}"
    st = account_statement(ctx, SYSTEM, name, first, last)
    if as_json:
        return print_json({"account": name, "from": first, "to": last, "opening": st.opening, "closing": st.closing,
                           "entries": st.entries.to_dicts()})
    if st.entries.height == 0 and st.opening == 0:
        err.print(f"no movements on {name} in the store ({store_said(ctx)}); after `make demo` the demo book's store "
                  f"is filled by `zorgclaim books-demo`", highlight=False)
    t = Table(title=f"Statement {name}, {first} to {last}")
    for col, just in (("booked", "left"), ("line", "left"), ("what", "left"), ("due", "left"),
                      ("amount", "right"), ("balance", "right")):
        t.add_column(col, justify=just)
    t.add_row(str(first), "", "opening balance", "", "", fmt_eur(st.opening))
    for e in st.entries.iter_rows(named=True):
        t.add_row(str(e["booked"]), e["line_id"] or "", e["memo"], str(e["due"]), fmt_eur(e["amount"]), fmt_eur(e["balance"]))
    t.add_row(str(last), "", "closing balance", "", "", fmt_eur(st.closing))
    console.print(t)
    if st.closing < 0:
        console.print(f"The balance is negative: {fmt_eur(-st.closing)} is offset against the next payouts.")


@app.command()
def pay(
    date: str = typer.Option(..., "--date", help="Run date (YYYY-MM-DD): pays what is due on or before it"),
    world: Path = typer.Option(..., "--world", "-w", help="World folder (payees' names and IBANs)"),
    out: Path = typer.Option(HOME / "payments", help="Folder for the pain.001 file"),
):
    """Pay what is due: providers per their contract's term, members within 6 (online) or 10 (post)
    working days of receipt. Credits are offset, nothing is paid twice, a negative balance is never
    paid out. Writes a SEPA pain.001 file."""
    import polars as pl

    from zorgclaim.app.access import SYSTEM
    from zorgclaim.app.books import pay as run
    day = parse_date(date, "--date")
    r = run(store_context(world), SYSTEM, day, out)
    if r.execution_date != day:
        console.print(f"{day} is not a working day: execution date {r.execution_date}")
    if r.payments.height:
        t = Table(title=f"Payment run {r.run_id} on {day}")
        for col in ("payee", "name", "IBAN", "amount"):
            t.add_column(col, justify="right" if col == "amount" else "left")
        shown = 25
        for p in r.payments.head(shown).iter_rows(named=True):
            t.add_row(p["account"], p["name"], p["iban"], fmt_eur(p["amount"]))
        if r.payments.height > shown:
            t.add_row(f"... {r.payments.height - shown:,} more (all in the SEPA file)", "", "", "")
        console.print(t)
        kinds = r.payments.group_by(pl.col("account").str.split(":").list.first().alias("kind")).agg(
            pl.len(), pl.col("amount").sum()).sort("kind")
        console.print("; ".join(f"{k}s: {n:,} payments, {fmt_eur(a)}" for k, n, a in kinds.iter_rows()), highlight=False)
        console.print(f"{r.payments.height:,} payments, {fmt_eur(int(r.payments['amount'].sum()))}; SEPA file: {r.file}")
    else:
        console.print(f"Payment run {r.run_id} on {day}: nothing due")
    for h in r.held[:25]:
        err.print(f"[yellow]held:[/] {h.account} {fmt_eur(h.amount)}: {h.reason}", highlight=False)
    if len(r.held) > 25:
        err.print(f"[yellow]held:[/] ... {len(r.held) - 25:,} more, {fmt_eur(sum(h.amount for h in r.held))} in all",
                  highlight=False)


@app.command("deductible-invoices")
def deductible_invoices(
    date: str = typer.Option(..., "--date", help="Invoice date: deductible booked up to this date"),
    out: Optional[Path] = typer.Option(None, help="Also write the invoices as CSV (one row per line)"),
):
    """Invoice members for deductible charged on care their provider billed directly (once per charge)."""
    import polars as pl

    from zorgclaim.app.access import SYSTEM
    from zorgclaim.app.books import deductible_invoices as make
    invoices = make(store_context(None), SYSTEM, parse_date(date, "--date"))
    for i in invoices:
        console.print(f"invoice {i.invoice_id} to {i.member_id}: {fmt_eur(i.amount)} "
                      f"({len(i.lines)} line{'s' if len(i.lines) != 1 else ''})", highlight=False)
    console.print(f"{len(invoices):,} invoices, {fmt_eur(sum(i.amount for i in invoices))}")
    if out:
        rows = [(i.invoice_id, i.member_id, lid, a) for i in invoices for lid, a in i.lines]
        frame = pl.DataFrame(rows, schema={"invoice": pl.Int64, "member_id": pl.String, "line_id": pl.String,
                                           "deductible_cents": pl.Int64}, orient="row")
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.write_csv(out)
        console.print(f"written: {out}")


@app.command()
def ledger(as_json: bool = typer.Option(False, "--json", help="Every account's balance as JSON (cents)")):
    """The trial balance: every account's balance; they sum to zero."""
    import polars as pl

    from zorgclaim.app.access import SYSTEM
    from zorgclaim.app.books import trial_balance
    ctx = store_context(None)
    tb = trial_balance(ctx, SYSTEM)
    if as_json:
        return print_json({"store": store_said(ctx), "accounts": tb.to_dicts(), "total": int(tb["balance"].sum())})
    err.print(f"store: {store_said(ctx)}", highlight=False)
    if tb.height == 0:
        err.print("the store has no transfers yet: `zorgclaim intake` and `zorgclaim process` book claims, "
                  "`zorgclaim books-demo` books the demo book", highlight=False)
    kinds = (tb.with_columns(pl.col("account").str.split(":").list.first().alias("kind"))
             .group_by("kind").agg(pl.len().alias("accounts"), pl.col("balance").sum()).sort("kind"))
    t = Table(title="Trial balance")
    for col in ("accounts", "count", "balance"):
        t.add_column(col, justify="left" if col == "accounts" else "right")
    for k in kinds.iter_rows(named=True):
        t.add_row(k["kind"], f"{k['accounts']:,}", fmt_eur(k["balance"]))
    total = int(tb["balance"].sum())
    t.add_row("total", "", fmt_eur(total))
    console.print(t)
    if total != 0:
        _fail(f"the ledger does not balance: {fmt_eur(total)}", 1)


@app.command()
def reconsider(
    line_id: str = typer.Argument(..., help="The line to decide again"),
    world: Path = typer.Option(..., "--world", "-w", help="World folder"),
    by: str = typer.Option(..., help="Who asks (member, provider or staff member)"),
    reason: str = typer.Option(..., help="Why"),
    add_authorization: Optional[str] = typer.Option(
        None, help="An authorization to add: ID:BENEFIT:FROM[:TO], e.g. A-7:msr:2025-01-01:2025-12-31"),
    code: Optional[str] = typer.Option(None, help="Corrected service code"),
    diagnosis: Optional[str] = typer.Option(None, help="Corrected diagnosis code"),
    csi: Optional[str] = typer.Option(None, help="Corrected CSI"),
    referral_by: Optional[str] = typer.Option(None, help="Referrer's AGB (with --referral-date)"),
    referral_date: Optional[str] = typer.Option(None, help="Referral date"),
    indication_by: Optional[str] = typer.Option(None, help="AGB of whoever set the indication"),
    indication_kind: Optional[str] = typer.Option(None, help="What the indication is for"),
    booked: Optional[str] = typer.Option(None, help="Booking date of the money difference (default today)"),
):
    """Decide a line again with added facts. The old decision stays, linked to the new one; the money
    difference is posted; every step goes to the audit trail."""
    from zorgclaim.app.access import Principal
    from zorgclaim.app.books import reconsider as run
    from zorgclaim.store.reconsider import NewAuthorization
    auth = None
    if add_authorization:
        parts = add_authorization.split(":")
        if len(parts) not in (3, 4) or not parts[0] or not parts[1]:
            _fail(f"--add-authorization {add_authorization!r}: expected ID:BENEFIT:FROM[:TO]")
        auth = NewAuthorization(parts[0], parts[1], parse_date(parts[2], "--add-authorization FROM"),
                                parse_date(parts[3], "--add-authorization TO") if len(parts) == 4 and parts[3] else None)
    changes = {k: v for k, v in {"code": code, "diagnosis": diagnosis, "csi": csi, "referral_by": referral_by,
                                 "referral_date": parse_date(referral_date, "--referral-date"),
                                 "indication_by": indication_by, "indication_kind": indication_kind}.items()
               if v is not None}
    ctx = store_context(world)
    day = parse_date(booked, "--booked")
    if day:
        ctx.clock = lambda: day
    r = _app_call(lambda: run(ctx, Principal(by, "handler"), line_id, reason=reason, changes=changes, authorization=auth))
    for field, (old, new) in r.changes.items():
        console.print(f"{field}: {old} -> {new}", highlight=False)
    if r.credit_line_id:
        console.print(f"credit line {r.credit_line_id} reverses the old decision")
    o, n = r.old, r.new
    console.print(f"{line_id}: {o['status']} {'/'.join(o['codes'])}, paid {fmt_eur(o['paid'])}  ->  "
                  f"{r.new_line_id}: {n['status']} {'/'.join(n['codes'])}, paid {fmt_eur(n['paid'])}", highlight=False)
    console.print(f"difference posted: {fmt_eur(r.difference)}")


@app.command()
def line(line_id: str = typer.Argument(..., help="A line in the store"),
         lang: str = typer.Option("nl", "--lang", help="Language of the explanation: nl or en"),
         as_json: bool = typer.Option(False, "--json", help="The line's decisions, review and audit as JSON")):
    """A line's decisions through its reconsiderations, why each was made, and its audit trail."""
    from zorgclaim.app.access import SYSTEM
    from zorgclaim.app.lines import view
    if lang not in ("nl", "en"):
        _fail("--lang must be nl or en")
    v = _app_call(lambda: view(store_context(None), SYSTEM, line_id, lang))
    if as_json:
        return print_json(v)
    if not v["decisions"]:
        _fail(f"line {line_id!r} is in the store but not decided yet; run `zorgclaim process`")
    t = Table(title=f"Line {line_id}")
    for col in ("line", "status", "codes", "allowed", "deductible", "paid", "replaced by"):
        t.add_column(col)
    for d in v["decisions"]:
        t.add_row(d["line_id"], d["status_text"], " ".join(f"{c} {d['code_meanings'][c]}" for c in d["codes"]),
                  fmt_eur(d["allowed"]), fmt_eur(d["deductible"]), fmt_eur(d["paid"]), d["replaced_by"] or "")
    console.print(t)
    if v["review"]:
        r = v["review"]
        console.print(f"Review: {r['rule']} ({r['queue']}), {r['state']}" + (f" by {r['decided_by']}: {r['action']} - "
                      f"{r['reason']}" if r["decided_by"] else ""), highlight=False)
    for d in v["decisions"]:
        if d["explanation"]:
            console.print(f"[bold]{d['line_id']}[/]")
            for sentence in d["explanation"]:
                console.print(f"  {sentence}", highlight=False)
    for event in v["audit"]:
        console.print(event, highlight=False)


def _app_call(fn):
    """An application-layer call; its refusals become one clear message (exit 2)."""
    from zorgclaim.app.access import Conflict, Forbidden, Invalid, NotFound
    try:
        return fn()
    except (Forbidden, NotFound, Invalid, Conflict) as e:
        _fail(str(e))


@app.command("books-demo")
def books_demo(
    folder: Path = typer.Option(HOME / "books-demo", help="Where the demo store and payment files go (replaced)"),
):
    """The demo book through the store, month by month: intake, process (lines the review rules
    select are held for a person), a payment run and deductible invoices at each month's end; then
    the trial balance, the first-pass rate, a provider's statement and a reconsideration. Uses the
    book `zorgclaim demo` wrote (generates it when missing)."""
    import shutil
    import time

    import polars as pl
    from rich.progress import Progress

    from zorgclaim.app.access import SYSTEM, Principal
    from zorgclaim.app.books import reconsider, statement, trial_balance
    from zorgclaim.app.context import Context, clock_from_env, read_world_folder
    from zorgclaim.app.demo import ensure_book, run_book
    from zorgclaim.app.review import first_pass
    from zorgclaim.store.db import connect
    from zorgclaim.store.ledger import busiest_account
    from zorgclaim.store.reconsider import NewAuthorization, line_history
    from zorgclaim.store.repository import first_decided_with_code

    book = ensure_book(HOME / "demo")
    world, errors = read_world_folder(book / "world")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    url = f"sqlite:///{folder / 'zorgclaim.db'}"
    ctx = Context(connect(url), world, folder, clock_from_env(), errors)
    lines = pl.read_parquet(book / "lines.parquet", columns=["received"])
    t0 = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Month by month: intake, process, pay, invoice", total=None)
        totals = run_book(ctx, book, on_month=lambda m, t: progress.update(
            task, description=f"{m:%Y-%m}: {t.lines:,} lines decided"))
    console.print(f"{totals.months} months in {time.perf_counter() - t0:.1f}s: {totals.lines:,} lines decided "
                  f"({totals.repeats:,} resent lines refused, 8021); {totals.payments:,} payments, "
                  f"{fmt_eur(totals.paid)}, {totals.held_payees:,} held for want of an IBAN; {totals.invoices:,} "
                  f"deductible invoices, {fmt_eur(totals.invoiced)}")
    tb = trial_balance(ctx, SYSTEM)
    by_kind = tb.with_columns(pl.col("account").str.split(":").list.first().alias("kind")).group_by("kind").agg(
        pl.col("balance").sum()).sort("kind")
    console.print("Trial balance: " + ", ".join(f"{k} {fmt_eur(b)}" for k, b in by_kind.iter_rows())
                  + f"; total {fmt_eur(int(tb['balance'].sum()))}")
    rates = first_pass(ctx, SYSTEM)
    overall = rates["all"].row(0, named=True)
    console.print(f"First-pass rate: {overall['first_pass_rate']:.2%} ({overall['held']:,} of {overall['lines']:,} lines "
                  "held for a person: " + ", ".join(f"{r} {n:,}" for r, n in rates["rule"].select("rule", "held").iter_rows())
                  + ")", highlight=False)
    last = lines["received"].max().replace(day=1)
    last = (last + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    # the statement of the provider with the most movements, over the busiest year of receipt
    year = lines["received"].dt.year().mode().sort()[0]
    provider = busiest_account(ctx.engine, "provider:")
    st = statement(ctx, SYSTEM, provider, dt.date(year, 1, 1), dt.date(year, 12, 31))
    console.print(f"{provider}: opening {fmt_eur(st.opening)} on {st.start}, {st.entries.height:,} movements, "
                  f"closing {fmt_eur(st.closing)} on {st.end}")
    # a reconsideration: a line refused for want of an authorization (0551), the authorization added
    row = first_decided_with_code(ctx.engine, "0551")
    if row:
        line_id, service_date, steps = row
        benefit = next(json.loads(s["params"])["benefit"] for s in steps if s["code"] == "0551")
        ctx.clock = lambda: last
        r = reconsider(ctx, Principal("demo: medisch adviseur", "medical_adviser"), line_id,
                       reason="machtiging alsnog afgegeven",
                       authorization=NewAuthorization(f"A-{line_id}", benefit, service_date,
                                                      dt.date(service_date.year, 12, 31)))
        console.print(f"Reconsidered {line_id} ({benefit}): {r.old['status']} {'/'.join(r.old['codes'])} -> "
                      f"{r.new_line_id} {r.new['status']} {'/'.join(r.new['codes'])}, difference {fmt_eur(r.difference)}; "
                      f"{len(line_history(ctx.engine, line_id)['audit'])} audit events")
    console.print(f"Store: {url}; SEPA files in {folder / 'payments'}. Try:\n"
                  f"  ZORGCLAIM_DATABASE_URL={url} zorgclaim statement {provider.split(':')[1]} --from {year}-01-01 --to {year}-12-31\n"
                  f"  ZORGCLAIM_DATABASE_URL={url} zorgclaim ledger\n"
                  f"  ZORGCLAIM_DATABASE_URL={url} zorgclaim review queue"
                  + (f"\n  ZORGCLAIM_DATABASE_URL={url} zorgclaim line {row[0]}" if row else ""),
                  highlight=False, soft_wrap=True)
