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
