import datetime as dt

import polars as pl
import pytest

from zorgclaim.dbc.lifecycle import build_dbcs, plus_years
from zorgclaim.dbc.tables import load_dbc_tables

T = load_dbc_tables()
D0 = dt.date(2024, 3, 1)


def acts(*days, demand="Z1", specialist="S", kind="contact", patient="P1"):
    return pl.DataFrame([{"activity_id": k + 1, "patient": patient, "date": D0 + dt.timedelta(days=d), "discipline": "fysiotherapeut",
                          "minutes": 25, "kind": kind, "diagnosis": "HAND-01", "care_demand": demand, "specialist": specialist}
                         for k, d in enumerate(days)])


def spans(dbcs):
    return [((d.start - D0).days, (d.end - D0).days, d.kind) for d in dbcs]


def test_activity_on_day_42_after_the_last_continues_day_43_opens_a_new_one():
    assert spans(build_dbcs(acts(0, 42), T)) == [(0, 84, "initial")]
    assert spans(build_dbcs(acts(0, 43), T)) == [(0, 42, "initial"), (43, 85, "follow-up")]


def test_each_activity_restarts_the_42_days():
    assert spans(build_dbcs(acts(0, 30, 60, 90), T)) == [(0, 119, "initial")]


def test_closes_on_day_120_counting_the_start_as_day_1():
    # day 120 = start + 119 is still in; day 121 = start + 120 opens a follow-up
    assert spans(build_dbcs(acts(0, 40, 80, 119), T)) == [(0, 119, "initial")]
    assert spans(build_dbcs(acts(0, 40, 80, 120), T)) == [(0, 119, "initial"), (120, 162, "follow-up")]


def test_follow_up_within_a_year_of_closing_otherwise_initial():
    end = D0 + dt.timedelta(days=42)
    within = (plus_years(end, 1) - D0).days
    assert spans(build_dbcs(acts(0, within), T))[1][2] == "follow-up"
    assert spans(build_dbcs(acts(0, within + 1), T))[1][2] == "initial"


def test_a_follow_up_starts_the_day_after_the_previous_closed():
    """Xpert Clinics Revalidatie - Vergoeding (2024): back for the same complaint within a year, a
    follow-up DBC opens with retroactive effect - from the day after the previous one closed; its
    120 days count from its first activity, and a new start more than a year later is the day itself."""
    first_end = 42
    (a, b) = build_dbcs(acts(0, 200, 230), T)
    assert (a.kind, (a.end - D0).days) == ("initial", first_end)
    assert (b.kind, (b.start - D0).days, (b.last_activity - D0).days, (b.end - D0).days) == ("follow-up", 43, 230, 272)
    late = (plus_years(D0 + dt.timedelta(days=first_end), 1) - D0).days + 1
    assert [(d.kind, (d.start - D0).days) for d in build_dbcs(acts(0, late), T)] == [("initial", 0), ("initial", late)]


def test_several_dbcs_run_at_once_per_care_demand_and_specialist():
    both = pl.concat([acts(0, 10), acts(5, 15, demand="Z2").with_columns(pl.col("activity_id") + 10),
                      acts(3, specialist="S2").with_columns(pl.col("activity_id") + 20)])
    got = sorted((d.care_demand, d.specialist, (d.start - D0).days) for d in build_dbcs(both, T))
    assert got == [("Z1", "S", 0), ("Z1", "S2", 3), ("Z2", "S", 5)]


def test_no_show_neither_opens_nor_extends():
    df = pl.concat([acts(0), acts(40, kind="no_show").with_columns(pl.lit(2, pl.Int64).alias("activity_id")),
                    acts(60).with_columns(pl.lit(3, pl.Int64).alias("activity_id"))])
    assert spans(build_dbcs(df, T)) == [(0, 42, "initial"), (43, 102, "follow-up")]


def test_as_of_shows_open_dbcs():
    dbcs = build_dbcs(acts(0, 10, 200), T, as_of=D0 + dt.timedelta(days=20))
    assert [(d.open, (d.end - D0).days) for d in dbcs] == [(True, 52)]


def test_seed_example_dates():
    # Xpert Clinics Revalidatie - Vergoeding (2024): a DBC that starts 2022-09-11 runs until 2023-01-08 at most
    df = acts(0).with_columns(pl.lit(dt.date(2022, 9, 11)).alias("date"))
    more = [df.with_columns(pl.lit(dt.date(2022, 9, 11) + dt.timedelta(days=d)).alias("date"), pl.lit(k + 2, pl.Int64).alias("activity_id"))
            for k, d in enumerate((30, 60, 90, 115))]
    (d,) = build_dbcs(pl.concat([df, *more]), T)
    assert (d.start, d.end) == (dt.date(2022, 9, 11), dt.date(2023, 1, 8))


@pytest.mark.parametrize("day", [dt.date(2024, 2, 29)])
def test_plus_years_leap_day(day):
    assert plus_years(day, 1) == dt.date(2025, 2, 28)
