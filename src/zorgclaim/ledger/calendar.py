"""Dutch working days: the deadlines for paying members count working days, not calendar days.

A working day is Monday to Friday and not a public holiday. The holidays come from the `holidays`
package's Dutch calendar (New Year, Good Friday, Easter Monday, King's Day, Ascension, Whit Monday,
Christmas) plus 5 May every year: the Algemene termijnenwet (art. 3 lid 1) lists "de vijfde mei"
among the days a deadline skips, while the `holidays` package has Liberation Day only every fifth year.
Whether Good Friday counts is not settled in our sources (`verified: false` in payments.yaml).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[dt.date]:
    days = set(holidays.country_holidays("NL", years=year))
    days.add(dt.date(year, 5, 5))
    return frozenset(days)


def holiday_name(day: dt.date) -> str | None:
    if day.month == 5 and day.day == 5:
        return "Bevrijdingsdag"
    return holidays.country_holidays("NL", years=day.year).get(day)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


@lru_cache(maxsize=4096)
def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (the day itself does not count)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    while n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day
