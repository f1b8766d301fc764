"""The ledger in the store: postings for decisions, account statements, payment runs, deductible invoices.

What is owed and paid is computed by the pure functions in `zorgclaim.ledger`; this module reads and
writes the rows. Every transfer has amount > 0 and two different accounts (CHECK constraints), so the
ledger balances to zero in the database whatever code writes to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, delete, func, insert, or_, select, text, union_all

from zorgclaim.domain.world import World
from zorgclaim.engine.frames import run
from zorgclaim.ledger import accounts
from zorgclaim.ledger.calendar import next_working_day, working_days
from zorgclaim.ledger.payments import Held, plan_payments
from zorgclaim.ledger.postings import decision_transfers, due_dates
from zorgclaim.ledger.sepa import pain001
from zorgclaim.store.bulk import bulk_add, bulk_insert
from zorgclaim.store.models import (AccountBalance, DeductibleInvoice, DeductibleInvoiceItem, DeductibleUninvoiced,
                                    LedgerTransaction, Payment, PaymentRun, Transfer)


def _transaction(conn, kind: str, booked: dt.date, memo: str, batch_id: int | None = None,
                 payment_run_id: int | None = None) -> int:
    return conn.execute(insert(LedgerTransaction).values(
        kind=kind, booked=booked, batch_id=batch_id, payment_run_id=payment_run_id, memo=memo[:200],
        created_at=dt.datetime.now()).returning(LedgerTransaction.id)).scalar_one()


_DEDUCTIBLE = "deductible:"


def insert_transfers(conn, transaction_id: int, transfers: pl.DataFrame) -> None:
    """Write transfers (line_id, debit, credit, amount, due) of one ledger transaction, and add
    them to the accounts' balances (`account_balance`): the one place transfers are written."""
    bulk_insert(conn, Transfer.__table__, transfers.with_columns(pl.lit(transaction_id, pl.Int64).alias("transaction_id")))
    legs = pl.concat([transfers.lazy().select(pl.col("credit").alias("account"), "amount"),
                      transfers.lazy().select(pl.col("debit").alias("account"), -pl.col("amount"))])
    delta = run(legs.group_by("account").agg(pl.col("amount").sum().alias("balance")))    # one polars query
    if delta["account"].str.starts_with(_DEDUCTIBLE).any():      # onto the invoice run's work queue
        conn.execute(insert(DeductibleUninvoiced).from_select(["transfer_id"], select(Transfer.id).where(
            (Transfer.transaction_id == transaction_id)
            & (_starts_with(Transfer.debit, _DEDUCTIBLE) | _starts_with(Transfer.credit, _DEDUCTIBLE)))))
    bulk_add(conn, AccountBalance.__table__, ["account"], "balance", delta)


def post_decisions(conn, decisions: pl.DataFrame, lines: pl.DataFrame, world: World, booked: dt.date, kind: str,
                   memo: str, batch_id: int | None = None) -> int:
    """Write the transfers for decided lines as one transaction; returns how many transfers."""
    due = due_dates(lines, world.contracts, world.library)
    transfers = decision_transfers(decisions, lines, due)
    tid = _transaction(conn, kind, booked, memo, batch_id=batch_id)
    insert_transfers(conn, tid, transfers)
    return transfers.height


def _legs(*prefixes: str):
    """Every transfer as two signed legs: (account, amount, due, transfer id); with `prefixes`, only
    the legs of accounts starting with one of them (as a range on the account's index, so a query
    for one kind of account does not read every transfer)."""
    def side(col, amount):
        q = select(col.label("account"), amount.label("amount"), Transfer.due, Transfer.id, Transfer.transaction_id,
                   Transfer.line_id)
        return q.where(or_(*(_starts_with(col, p) for p in prefixes))) if prefixes else q
    return union_all(side(Transfer.credit, Transfer.amount), side(Transfer.debit, -Transfer.amount)).subquery()


def _starts_with(col, prefix: str):
    """`col` starts with `prefix`, as a range an index serves (LIKE does not, on SQLite)."""
    return (col >= prefix) & (col < prefix[:-1] + chr(ord(prefix[-1]) + 1))


def trial_balance(engine: Engine) -> pl.DataFrame:
    """account -> balance over the whole ledger; the balances sum to zero."""
    legs = _legs()
    with engine.connect() as conn:
        rows = conn.execute(select(legs.c.account, func.sum(legs.c.amount)).group_by(legs.c.account)
                            .order_by(legs.c.account)).all()
    return pl.DataFrame([(a, int(b)) for a, b in rows], schema={"account": pl.String, "balance": pl.Int64}, orient="row")


def busiest_account(engine: Engine, prefix: str) -> str | None:
    """The account starting with `prefix` credited most often (ties: the first by name)."""
    with engine.connect() as conn:
        return conn.execute(select(Transfer.credit).where(Transfer.credit.like(f"{prefix}%")).group_by(Transfer.credit)
                            .order_by(func.count().desc(), Transfer.credit).limit(1)).scalar()


@dataclass(frozen=True)
class Statement:
    account: str
    start: dt.date
    end: dt.date
    opening: int
    entries: pl.DataFrame       # booked, line_id, kind, memo, amount (signed), due, balance (running)
    closing: int


def statement(engine: Engine, account: str, start: dt.date, end: dt.date) -> Statement:
    """The account's entries booked from `start` to `end` with the running balance."""
    legs = _legs()
    with engine.connect() as conn:
        opening = conn.execute(select(func.coalesce(func.sum(legs.c.amount), 0)).select_from(
            legs.join(LedgerTransaction, LedgerTransaction.id == legs.c.transaction_id)).where(
            (legs.c.account == account) & (LedgerTransaction.booked < start))).scalar_one()
        rows = conn.execute(select(LedgerTransaction.booked, legs.c.line_id, LedgerTransaction.kind,
                                   LedgerTransaction.memo, legs.c.amount, legs.c.due).select_from(
            legs.join(LedgerTransaction, LedgerTransaction.id == legs.c.transaction_id)).where(
            (legs.c.account == account) & (LedgerTransaction.booked >= start) & (LedgerTransaction.booked <= end))
            .order_by(LedgerTransaction.booked, legs.c.id)).all()
    entries = pl.DataFrame([tuple(r) for r in rows], orient="row", schema={
        "booked": pl.Date, "line_id": pl.String, "kind": pl.String, "memo": pl.String, "amount": pl.Int64,
        "due": pl.Date})
    entries = entries.with_columns((pl.col("amount").cum_sum() + int(opening)).alias("balance"))
    closing = int(opening) + int(entries["amount"].sum())
    return Statement(account, start, end, int(opening), entries, closing)


def owed_by_account(conn, run_date: dt.date) -> pl.DataFrame:
    """account, due, balance for every payable account as the books stood on `run_date`: its
    balance over every transfer (`account_balance`) less the legs booked after `run_date`, and its
    due amount that balance less the legs not yet due on `run_date` (a run never pays what was
    booked after its date, nor before it is due). Reads the balances and the recent legs only."""
    payable = or_(*(_starts_with(AccountBalance.account, prefix) for prefix in accounts.PAYABLE))
    now = pl.DataFrame(conn.execute(select(AccountBalance.account, AccountBalance.balance).where(payable)).all(),
                       schema={"account": pl.String, "balance": pl.Int64}, orient="row")
    later = select(LedgerTransaction.id).where(LedgerTransaction.booked > run_date)
    booked_later = _leg_sums(conn, Transfer.transaction_id.in_(later))
    not_yet_due = _leg_sums(conn, (Transfer.due > run_date) & Transfer.transaction_id.not_in(later))
    out = (now.join(booked_later.rename({"amount": "later"}), on="account", how="left")
           .join(not_yet_due.rename({"amount": "not_due"}), on="account", how="left")
           .with_columns(pl.col("later", "not_due").fill_null(0))
           .with_columns((pl.col("balance") - pl.col("later")).alias("balance")))
    return out.select("account", (pl.col("balance") - pl.col("not_due")).alias("due"), "balance").sort("account")


def _leg_sums(conn, where) -> pl.DataFrame:
    """account, amount: the payable accounts' legs (credit in, debit out) of the transfers `where` selects."""
    rows = conn.execute(select(Transfer.debit, Transfer.credit, Transfer.amount).where(where)).all()
    legs = pl.DataFrame(rows, schema={"debit": pl.String, "credit": pl.String, "amount": pl.Int64}, orient="row")
    both = pl.concat([legs.select(pl.col("credit").alias("account"), "amount"),
                      legs.select(pl.col("debit").alias("account"), -pl.col("amount"))])
    return (both.filter(accounts.payable_expr("account")).group_by("account").agg(pl.col("amount").sum()))


def payees(world: World) -> pl.DataFrame:
    """account, name, iban for every provider and member in the world."""
    p = world.providers.select(accounts.provider_expr("agb").alias("account"), "name", "iban")
    m = world.members.select(accounts.member_expr("member_id").alias("account"),
                             pl.coalesce("name", pl.lit("Verzekerde ") + pl.col("member_id")).alias("name"), "iban")
    return pl.concat([p, m]).unique("account", keep="first")


@dataclass(frozen=True)
class PaymentRunResult:
    run_id: int
    run_date: dt.date
    execution_date: dt.date
    payments: pl.DataFrame      # account, name, iban, bic, amount
    held: list[Held]
    file: Path | None


def pay(engine: Engine, world: World, run_date: dt.date, out_dir: Path) -> PaymentRunResult:
    """Pay what is due on `run_date` in one transaction: a payment transfer per payee, a payment run
    row, and a pain.001 file. Runs are serialized (an advisory lock on PostgreSQL; SQLite has one
    writer, taken first), so two runs never pay the same money."""
    execution = next_working_day(run_date, working_days(world.library, run_date))
    debtor = world.library.param("payer_account", run_date)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7305)"))
        run_id = conn.execute(insert(PaymentRun).values(
            run_date=run_date, execution_date=execution, payments=0, total=0, file=None,
            created_at=dt.datetime.now()).returning(PaymentRun.id)).scalar_one()   # takes SQLite's write lock first
        planned, held = plan_payments(owed_by_account(conn, run_date), payees(world))
        path = None
        if planned.height:
            tid = _transaction(conn, "payment", run_date, f"payment run {run_id}", payment_run_id=run_id)
            insert_transfers(conn, tid, planned.select(
                pl.lit(None, pl.String).alias("line_id"), pl.col("account").alias("debit"),
                pl.lit(accounts.BANK).alias("credit"), "amount", pl.lit(run_date).alias("due")))
            conn.execute(insert(Payment), [{
                "run_id": run_id, "account": p["account"], "name": p["name"], "iban": p["iban"], "amount": p["amount"],
                "end_to_end": f"ZC{run_id:06d}{k + 1:08d}"} for k, p in enumerate(planned.iter_rows(named=True))])
            out_dir.mkdir(parents=True, exist_ok=True)
            path = out_dir / f"pain001-run{run_id:06d}-{run_date}.xml"
            path.write_bytes(pain001(planned, debtor, execution, run_id))
        conn.execute(PaymentRun.__table__.update().where(PaymentRun.id == run_id).values(
            payments=planned.height, total=int(planned["amount"].sum()), file=str(path) if path else None))
    return PaymentRunResult(run_id, run_date, execution, planned, held, path)


@dataclass(frozen=True)
class Invoice:
    invoice_id: int
    member_id: str
    amount: int
    lines: list[tuple[str, int]]    # (line id, deductible charged; negative = given back)


def deductible_invoices(engine: Engine, invoice_date: dt.date) -> list[Invoice]:
    """Invoice each member for deductible charged on directly billed care booked up to `invoice_date`
    and not invoiced before. Credits given back reduce the invoice; when they outweigh the charges no
    invoice is made and they wait for the next run (refunding them is not built yet)."""
    with engine.begin() as conn:
        rows = conn.execute(select(Transfer.debit, Transfer.credit, Transfer.id, Transfer.line_id, Transfer.amount)
                            .join(DeductibleUninvoiced, DeductibleUninvoiced.transfer_id == Transfer.id)
                            .join(LedgerTransaction, LedgerTransaction.id == Transfer.transaction_id)
                            .where(LedgerTransaction.booked <= invoice_date)).all()
        # each transfer's deductible leg: the account, credit in and debit out
        rows = sorted((debit, tid, line_id, -amount) if debit.startswith(_DEDUCTIBLE) else (credit, tid, line_id, amount)
                      for debit, credit, tid, line_id, amount in rows)
        by_member: dict[str, list] = {}
        for account, tid, line_id, amount in rows:
            by_member.setdefault(accounts.holder(account), []).append((tid, line_id, -int(amount)))
        due = [(m, items, sum(a for _, _, a in items)) for m, items in by_member.items()]
        due = [d for d in due if d[2] > 0]
        if not due:
            return []
        # the invoices in one statement, their ids in the order given
        now = dt.datetime.now()
        ids = conn.execute(insert(DeductibleInvoice).returning(DeductibleInvoice.id, sort_by_parameter_order=True),
                           [{"member_id": m, "invoice_date": invoice_date, "amount": total, "created_at": now}
                            for m, _, total in due]).scalars().all()
        conn.execute(insert(DeductibleInvoiceItem), [{"transfer_id": t, "invoice_id": iid}
                                                     for iid, (_, items, _) in zip(ids, due) for t, _, _ in items])
        invoiced = [t for _, items, _ in due for t, _, _ in items]
        for chunk in range(0, len(invoiced), 10_000):
            conn.execute(delete(DeductibleUninvoiced).where(DeductibleUninvoiced.transfer_id.in_(invoiced[chunk:chunk + 10_000])))
    return [Invoice(iid, m, total, [(lid, a) for _, lid, a in items]) for iid, (m, items, total) in zip(ids, due)]


