"""Money at the edges of the API: euros as decimal text ("36.50") out, a decimal number or text
with at most two decimals in; integer cents inside."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

from zorgclaim.domain.money import MoneyError, to_cents, to_euros  # noqa: F401


def eur(cents: int | None) -> str | None:
    return None if cents is None else str(to_euros(cents))


def _euros(v) -> Decimal:
    if isinstance(v, bool):
        raise ValueError("an amount in euros, e.g. 36.50")
    try:
        return to_euros(to_cents(v))
    except MoneyError:
        raise ValueError("not an amount in euros with at most two decimals (e.g. 36.50)") from None


# an amount in euros as the client sends it (checked: at most two decimals), kept as a Decimal
Euros = Annotated[Decimal, BeforeValidator(_euros), PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]


def cents(d: Decimal) -> int:
    return to_cents(d)
