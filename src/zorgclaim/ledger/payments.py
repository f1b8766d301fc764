"""A payment run, as a pure function: what each payee is paid on a date, and who is held back.

A payee is paid what has fallen due on its account by the run date - its balance over transfers due
on or before that date, earlier payments included - but never more than its whole balance, and
nothing when that is zero or negative: a credit is offset against later claims, never paid out, and
what was paid before is not paid again. A payee without a valid IBAN (checked with `schwifty`) is
held: nothing is paid and the amount stays due for the next run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from zorgclaim.ledger import accounts
from zorgclaim.ledger.postings import balances


@dataclass(frozen=True)
class Held:
    account: str
    amount: int
    reason: str


PAYMENT_SCHEMA = {"account": pl.String, "name": pl.String, "iban": pl.String, "bic": pl.String, "amount": pl.Int64}


def check_iban(value: str | None) -> tuple[str | None, str | None, str | None]:
    """(normalized IBAN, BIC or None, error or None)."""
    if value is None or not str(value).strip():
        return None, None, "no IBAN on file"
    try:
        iban = IBAN(str(value))
    except SchwiftyException as e:
        return None, None, f"IBAN {value!r} is not valid ({e})"
    bic = iban.bic
    return iban.compact, (str(bic) if bic else None), None


def owed(transfers: pl.DataFrame, run_date: dt.date) -> pl.DataFrame:
    """account -> due (balance over transfers due by `run_date`) and balance (over all), for the
    accounts a run pays out to. The store computes the same in SQL."""
    due = balances(transfers, due_by=run_date).rename({"balance": "due"})
    return (balances(transfers).join(due, on="account", how="left").with_columns(pl.col("due").fill_null(0))
            .filter(accounts.payable_expr("account"))
            .select("account", "due", "balance"))


def plan_payments(owed: pl.DataFrame, payees: pl.DataFrame) -> tuple[pl.DataFrame, list[Held]]:
    """`owed`: account, due, balance (see `owed`); `payees`: account, name, iban.
    Returns the payments (account, name, iban, bic, amount) and the held."""
    todo = (owed.with_columns(pl.min_horizontal("due", "balance").alias("amount"))
            .filter(pl.col("amount") > 0)
            .join(payees, on="account", how="left").sort("account"))
    rows, held = [], []
    for r in todo.iter_rows(named=True):
        iban, bic, error = check_iban(r["iban"])
        if error:
            held.append(Held(r["account"], r["amount"], error))
            continue
        rows.append({"account": r["account"], "name": r["name"] or r["account"], "iban": iban, "bic": bic,
                     "amount": r["amount"]})
    return pl.DataFrame(rows, schema=PAYMENT_SCHEMA, orient="row"), held
