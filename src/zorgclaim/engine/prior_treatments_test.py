import datetime as dt

import polars as pl

from zorgclaim.engine.prior_treatments import PRIOR_SCHEMA, with_prior_treatments
from zorgclaim.engine.state import COUNTERS_SCHEMA, State


def _prior(*rows):
    return pl.DataFrame(list(rows), schema=PRIOR_SCHEMA, orient="row")


def test_prior_treatments_open_a_counter_or_add_to_one():
    state = State(counters=pl.DataFrame([("M1|fysio-chronisch|4990", dt.date(2024, 3, 1), 5, None, 0, 0)],
                                        schema=COUNTERS_SCHEMA, orient="row"))
    out = with_prior_treatments(state, _prior(("M1", "fysio-chronisch", "4990", dt.date(2023, 9, 1), 14),
                                              ("M2", "fysio-chronisch", "OLD1", dt.date(2023, 10, 1), 20)),
                                successor={"OLD1": "NEW1"})
    got = {r["counter_key"]: (r["first"], r["total"]) for r in out.counters.iter_rows(named=True)}
    assert got == {"M1|fysio-chronisch|4990": (dt.date(2023, 9, 1), 19),
                   "M2|fysio-chronisch|NEW1": (dt.date(2023, 10, 1), 20)}


def test_no_prior_treatments_leaves_the_state_as_it_was():
    s = State()
    assert with_prior_treatments(s, _prior()) is s
