import datetime as dt

import polars as pl

from zorgclaim.engine.pro_rata import insured_days, pro_rata

D = dt.date


def _cov(*rows):
    return pl.DataFrame(list(rows), schema={"member_id": pl.String, "product": pl.String, "from": pl.Date,
                                            "to": pl.Date}, orient="row")


def test_a_year_partly_insured_pays_its_share_in_whole_euros():
    cov = _cov(("M1", "b", D(2024, 1, 1), D(2024, 1, 30)), ("M2", "b", D(2023, 6, 1), None),
               ("M3", "b", D(2025, 7, 1), None), ("M3", "module", D(2025, 1, 1), None))
    keys = pl.DataFrame({"member_id": ["M1", "M2", "M3", "M4"], "ded_year": [2024, 2024, 2025, 2025]})
    got = insured_days(cov, ["b"], keys).with_columns(pro_rata(pl.lit(38500)).alias("total"))
    rows = {r["member_id"]: (r["insured_days"], r["total"]) for r in got.iter_rows(named=True)}
    assert rows["M1"] == (30, 3200)        # 385 x 30 / 366 = 31.56 -> EUR 32 (Plus Gezond's example)
    assert rows["M2"] == (366, 38500)      # the whole year
    assert rows["M3"] == (184, 19400)      # 1 July - 31 December 2025: 385 x 184 / 365 = 194.08
    assert rows["M4"] == (0, 0)
