"""Money: integer eurocents inside, Decimal at the edges, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator


class MoneyError(ValueError):
    """An amount that is not a valid euro amount."""


def to_cents(value: object) -> int:
    """Euros (str, int, Decimal, or a YAML number) to integer cents.

    Floats from YAML are converted through their shortest repr, so 38.5 -> 3850 exactly.
    More than two decimals is an error: money is never silently rounded on input.
    """
    if isinstance(value, bool) or value is None:
        raise MoneyError(f"not an amount: {value!r}")
    if isinstance(value, int):
        return value * 100
    try:
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise MoneyError(f"not an amount: {value!r}") from None
    if not d.is_finite():
        raise MoneyError(f"not an amount: {value!r}")
    cents = d * 100
    if cents != cents.to_integral_value():
        raise MoneyError(f"more than two decimals: {value!r}")
    return int(cents)


def to_euros(cents: int) -> Decimal:
    """Integer cents to a Decimal with two places."""
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def fmt_eur(cents: int) -> str:
    """Cents as Dutch-style text: € 1.914,70."""
    d = to_euros(cents)
    sign = "-" if d < 0 else ""
    whole, frac = f"{abs(d):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}€ {'.'.join(groups)},{frac}"


def cents_text(expr):
    """A polars expression: integer cents as exact euro text ('-36.50'), for CSV and reports."""
    import polars as pl
    a = expr.abs()
    return pl.concat_str([pl.when(expr < 0).then(pl.lit("-")).otherwise(pl.lit("")), (a // 100).cast(pl.String),
                          pl.lit("."), (a % 100).cast(pl.String).str.zfill(2)])


def euros_to_cents_any(value):
    """Euros to cents for a scalar or a dated mapping {date: euros}; None stays None."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: to_cents(v) for k, v in value.items()}
    return to_cents(value)


# a pydantic field given in euros (YAML, CSV) and held as integer cents
Cents = Annotated[int, BeforeValidator(to_cents)]
