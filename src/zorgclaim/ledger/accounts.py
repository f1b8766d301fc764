"""Account names. A balance is credits minus debits: what the insurer owes the account's holder.

    insurer:claims    the insurer's cost of care (debited, so negative, as claims are allowed)
    insurer:bank      the insurer's bank account (credited, so positive, as payments leave)
    provider:<AGB>    the provider's current account (rekening courant): positive = owed to the provider,
                      negative = a credit the provider owes back, offset against its next payouts
    member:<id>       what is owed to a member who sent the claim himself
    deductible:<id>   deductible charged on care billed directly by a provider: negative = the member owes it
"""

from __future__ import annotations

import polars as pl

CLAIMS = "insurer:claims"
BANK = "insurer:bank"


def provider(agb: str) -> str:
    return f"provider:{agb}"


def member(member_id: str) -> str:
    return f"member:{member_id}"


def deductible(member_id: str) -> str:
    return f"deductible:{member_id}"


PAYABLE = ("provider:", "member:")   # prefixes of the accounts a payment run pays out to


def payable_expr(col: str) -> pl.Expr:
    return pl.any_horizontal(*(pl.col(col).str.starts_with(p) for p in PAYABLE))


def holder(account: str) -> str:
    return account.split(":", 1)[1]


def provider_expr(col: str) -> pl.Expr:
    return pl.lit("provider:") + pl.col(col)


def member_expr(col: str) -> pl.Expr:
    return pl.lit("member:") + pl.col(col)


def deductible_expr(col: str) -> pl.Expr:
    return pl.lit("deductible:") + pl.col(col)
