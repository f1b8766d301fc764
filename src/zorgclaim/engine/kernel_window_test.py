"""window_end (the kernel's period of N months) agrees with polars' calendar arithmetic: the same
day N months on (clamped to the month's end), less one day."""

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from zorgclaim.engine.kernel import window_end

EPOCH = dt.date(1970, 1, 1)


@settings(max_examples=300, deadline=None)
@given(st.dates(dt.date(1950, 1, 1), dt.date(2150, 12, 31)), st.integers(1, 120))
def test_window_end_is_the_day_before_the_same_day_months_on(day, months):
    expected = pl.select(pl.lit(day).dt.offset_by(f"{months}mo").dt.offset_by("-1d")).item()
    assert window_end((day - EPOCH).days, months) == (expected - EPOCH).days


def test_window_end_known_days():
    def end(day, months):
        return EPOCH + dt.timedelta(days=int(window_end((day - EPOCH).days, months)))
    assert end(dt.date(2024, 3, 15), 12) == dt.date(2025, 3, 14)
    assert end(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 27)     # no 29 February in 2025
    assert end(dt.date(2021, 1, 31), 1) == dt.date(2021, 2, 27)
    assert end(dt.date(2020, 6, 1), 60) == dt.date(2025, 5, 31)
