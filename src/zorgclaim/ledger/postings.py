"""Decisions -> transfers: the double entry for every decided line.

A transfer moves `amount` (> 0, cents) from its `debit` account to its `credit` account, so every
transfer - and hence every transaction made of transfers - balances to zero by construction; the
database enforces the same with CHECK constraints (amount > 0, debit <> credit). A negative movement
(a credit line) becomes a transfer in the other direction.

Per decided line with allowed A, deductible D, paid P:
- billed by the provider (payee provider, P = A): insurer:claims -> provider (A - D) and
  deductible:member -> provider (D): the provider gets the whole allowed amount, the member owes D;
- sent by the member (payee member, P = A - D): insurer:claims -> member (P); the deductible is
  withheld from the payout, so nothing is owed.

`due` is when the money is to be paid: a provider's contract term (calendar days after receipt,
default `provider_payment_term_days`), a member's 6 working days (online) or 10 (post) after
receipt (VGZ - Declareren - pagina voor zorgverleners). A movement against the payee (a credit) is due at once, so it is offset against
the next payout.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from zorgclaim.engine.frames import run
from zorgclaim.ledger import accounts
from zorgclaim.ledger.calendar import add_working_days, working_days
from zorgclaim.policy.library import PolicyLibrary

TRANSFER_SCHEMA = {"line_id": pl.String, "debit": pl.String, "credit": pl.String, "amount": pl.Int64, "due": pl.Date}


def due_dates(lines: pl.DataFrame, contracts: pl.DataFrame, library: PolicyLibrary) -> pl.DataFrame:
    """line_id -> due for a payout on each line (columns: line_id, submitted_by, channel, received,
    provider, service_date). Contracts may carry `payment_term_days`."""
    def working(day: dt.date, channel: str) -> dt.date:
        name = "member_payment_working_days_post" if channel == "post" else "member_payment_working_days_online"
        return add_working_days(day, int(library.param(name, day)), working_days(library, day))

    # The dates and terms per distinct day of receipt (a handful) are worked out in Python, not in a
    # polars query: a Python function called inside a query needs the interpreter lock on polars'
    # pool thread, and in the server another thread can hold that lock while it waits for the same
    # pool (pickling a frame for a planner) - a deadlock, seen under load. The rest is one query
    # (`run`): a batch in real time is a few lines, where each query's fixed cost is what it pays most.
    by_member = lines.filter(pl.col("submitted_by") == "member").select("received", "channel").unique().rows()
    member_due = pl.LazyFrame({"received": [r for r, _ in by_member], "channel": [c for _, c in by_member],
                               "m_due": [working(r, c) for r, c in by_member]},
                              schema={"received": pl.Date, "channel": lines.schema["channel"], "m_due": pl.Date})
    days = [d for d in lines["received"].unique().to_list() if d is not None]
    default = pl.LazyFrame({"received": days, "default_term": [int(library.param("provider_payment_term_days", d))
                                                               for d in days]},
                           schema={"received": pl.Date, "default_term": pl.Int64})
    lazy = lines.lazy()
    terms = contracts.lazy().select("provider", "from", "to", pl.col("payment_term_days").cast(pl.Int64))
    with_term = (lazy.select("line_id", "provider", "service_date")
                 .join(terms.filter(pl.col("payment_term_days").is_not_null()), on="provider", how="inner")
                 .filter((pl.col("service_date") >= pl.col("from"))
                         & (pl.col("to").is_null() | (pl.col("service_date") <= pl.col("to"))))
                 .group_by("line_id").agg(pl.col("payment_term_days").min()))
    out = (lazy.select("line_id", "submitted_by", "channel", "received")
           .join(member_due, on=["received", "channel"], how="left")
           .join(with_term, on="line_id", how="left").join(default, on="received", how="left"))
    term = pl.coalesce("payment_term_days", "default_term")
    return run(out.select("line_id", pl.when(pl.col("submitted_by") == "member").then(pl.col("m_due"))
                          .otherwise(pl.col("received") + pl.duration(days=term)).alias("due")))


def decision_transfers(decisions: pl.DataFrame, lines: pl.DataFrame, due: pl.DataFrame) -> pl.DataFrame:
    """The transfers for decided lines. `decisions`: line_id, member_id, provider, allowed, deductible,
    paid, payee; `lines`: line_id, received; `due`: line_id, due."""
    d = decisions.lazy().select("line_id", "member_id", "provider", "allowed", "deductible", "paid", "payee").join(
        lines.lazy().select("line_id", "received"), on="line_id", how="left").join(due.lazy(), on="line_id", how="left")
    payee = pl.when(pl.col("payee") == "member").then(accounts.member_expr("member_id")) \
              .otherwise(accounts.provider_expr("provider"))
    legs = [
        # the insurer's cost: allowed minus deductible, to whoever is paid
        d.select("line_id", pl.lit(accounts.CLAIMS).alias("from_"), payee.alias("to"),
                 (pl.col("allowed") - pl.col("deductible")).alias("signed"), "due", "received"),
        # the deductible on directly billed care: the member owes it, the provider is paid it
        d.filter(pl.col("payee") != "member").select(
            "line_id", accounts.deductible_expr("member_id").alias("from_"), accounts.provider_expr("provider").alias("to"),
            pl.col("deductible").alias("signed"), "due", "received"),
    ]
    return run(_normalize(pl.concat(legs)))       # one polars query


def _normalize(legs: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    """Signed movements from_ -> to become transfers with amount > 0 (a negative one turns round and is
    due at once, on receipt); zero movements are dropped."""
    legs = legs.filter(pl.col("signed") != 0)
    neg = pl.col("signed") < 0
    return legs.select(
        "line_id",
        pl.when(neg).then(pl.col("to")).otherwise(pl.col("from_")).alias("debit"),
        pl.when(neg).then(pl.col("from_")).otherwise(pl.col("to")).alias("credit"),
        pl.col("signed").abs().alias("amount"),
        pl.when(neg).then(pl.col("received")).otherwise(pl.col("due")).alias("due"),
    ).cast(TRANSFER_SCHEMA)


def balances(transfers: pl.DataFrame, due_by: dt.date | None = None) -> pl.DataFrame:
    """account -> balance (credits minus debits), optionally over transfers due on or before `due_by`."""
    t = transfers if due_by is None else transfers.filter(pl.col("due") <= due_by)
    return (pl.concat([t.select(pl.col("credit").alias("account"), pl.col("amount")),
                       t.select(pl.col("debit").alias("account"), -pl.col("amount"))])
            .group_by("account").agg(pl.col("amount").sum().alias("balance")).sort("account"))
