from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from zorgclaim.domain.money import MoneyError, fmt_eur, to_cents, to_euros


def test_to_cents_exact():
    assert to_cents(38.5) == 3850
    assert to_cents("1914.70") == 191470
    assert to_cents("12,35") == 1235
    assert to_cents(385) == 38500
    assert to_cents(Decimal("-36.50")) == -3650


@pytest.mark.parametrize("bad", ["abc", "1.234", None, True, float("nan")])
def test_to_cents_rejects(bad):
    with pytest.raises(MoneyError):
        to_cents(bad)


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_round_trip(cents):
    assert to_cents(to_euros(cents)) == cents


def test_fmt():
    assert fmt_eur(191470) == "€ 1.914,70"
    assert fmt_eur(-3650) == "-€ 36,50"


def test_cents_text():
    import polars as pl

    from zorgclaim.domain.money import cents_text
    s = pl.select(cents_text(pl.lit(pl.Series([3650, -5, 0, 191470])))).to_series().to_list()
    assert s == ["36.50", "-0.05", "0.00", "1914.70"]
