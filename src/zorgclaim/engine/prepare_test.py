import datetime as dt
import random

import polars as pl
import pytest

from zorgclaim.engine.prepare import ORDER, _in_processing_order


def _lines(rnd: random.Random, n: int, far: bool = False) -> pl.DataFrame:
    day = dt.date(2025, 1, 1)
    rows = []
    for k in range(n):
        s = day + dt.timedelta(days=rnd.randint(-3, 3))
        rows.append({"line_id": f"L{rnd.randint(0, 50):03d}-{k}" if rnd.random() < 0.5 else f"X{k}",
                     "member_id": f"M{rnd.randint(0, 9)}" if rnd.random() < 0.9 else f"M1{rnd.randint(0, 9)}",
                     "service_date": s, "received": s + dt.timedelta(days=rnd.choice([0, 0, 1, 30])),
                     "credits": rnd.choice([None, None, None, "L001-1"]), "declared": rnd.choice([100, 200, -100])})
    if far:
        rows[0]["service_date"] = dt.date(1700, 1, 1)
    return pl.DataFrame(rows)


@pytest.mark.parametrize("far", [False, True])
def test_processing_order_equals_the_plain_sort(far):
    rnd = random.Random(7)
    for _ in range(20):
        df = _lines(rnd, 300, far)
        plain = df.with_columns((pl.col("credits").is_not_null() | (pl.col("declared") < 0)).alias("_credit")).sort(ORDER).drop("_credit")
        ordered = _in_processing_order(df)
        assert ordered.drop("member_no").equals(plain)
        ranks = sorted(set(plain["member_id"].to_list()))
        assert ordered["member_no"].to_list() == [ranks.index(m) for m in plain["member_id"]]


def test_processing_order_of_no_lines():
    empty = _lines(random.Random(1), 3).head(0)
    assert _in_processing_order(empty).height == 0


def _age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def test_age_on_every_kind_of_date():
    """Whole years as a person counts them, for births and days spread over every month and day
    (the month times 100 once wrapped around in polars' 8-bit month: 31 July counted 17 years for
    someone born on 22 March 18 years before)."""
    from zorgclaim.engine.prepare import age_on
    rng = random.Random(18)
    births = [dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(90 * 365)) for _ in range(3000)]
    days = [b + dt.timedelta(days=rng.randrange(40 * 365)) for b in births]
    births += [dt.date(2006, 3, 22), dt.date(2008, 2, 29), dt.date(2008, 2, 29), dt.date(2000, 12, 31)]
    days += [dt.date(2024, 7, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 1), dt.date(2018, 12, 31)]
    got = pl.DataFrame({"b": births, "d": days}).select(age_on(pl.col("b"), pl.col("d")).alias("age"))["age"].to_list()
    assert got == [_age(b, d) for b, d in zip(births, days)]
