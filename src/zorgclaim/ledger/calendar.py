"""Dutch working days: the deadlines for paying members count working days, not calendar days.

A working day is Monday to Friday and not a public holiday. The holidays are the `holidays`
package's Dutch calendar (New Year, Good Friday, Easter, King's Day, Ascension, Whitsun,
Christmas), adjusted by two parameters in `policy/data/parameters/payments.yaml`:
`working_day_extra_holidays` (5 May every year: Algemene termijnenwet art. 3 lid 1 names "de vijfde
mei", the package has Liberation Day only every fifth year) and `working_day_good_friday` (whether
Good Friday counts; the package has it, and Algemene termijnenwet art. 3 lid 2 puts it on a par
with the holidays of lid 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

from zorgclaim.policy.library import PolicyLibrary

GOOD_FRIDAY = "Good Friday"


@dataclass(frozen=True)
class WorkingDays:
    """Which days are not working days, besides weekends: the package's Dutch holidays, plus
    `extra` (MM-DD, every year), minus Good Friday unless `good_friday`."""
    extra: tuple[str, ...] = ()
    good_friday: bool = True


def working_days(library: PolicyLibrary, day: dt.date) -> WorkingDays:
    """The calendar the parameters give on `day`."""
    return WorkingDays(tuple(library.param("working_day_extra_holidays", day) or ()),
                       bool(library.param("working_day_good_friday", day)))


@lru_cache(maxsize=256)
def _holidays(year: int, cal: WorkingDays) -> frozenset[dt.date]:
    package = holidays.country_holidays("NL", years=year)
    days = {d for d, name in package.items() if cal.good_friday or name != GOOD_FRIDAY}
    days.update(dt.date(year, int(md[:2]), int(md[3:])) for md in cal.extra)
    return frozenset(days)


def is_working_day(day: dt.date, cal: WorkingDays) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year, cal)


@lru_cache(maxsize=4096)
def add_working_days(day: dt.date, n: int, cal: WorkingDays) -> dt.date:
    """The n-th working day after `day` (the day itself does not count)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    while n:
        day += dt.timedelta(days=1)
        if is_working_day(day, cal):
            n -= 1
    return day


def next_working_day(day: dt.date, cal: WorkingDays) -> dt.date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, cal):
        day += dt.timedelta(days=1)
    return day
