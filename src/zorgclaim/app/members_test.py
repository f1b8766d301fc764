"""The member's remaining limits include a yearly maximum of what the member pays (the GVS
co-payments): counted from the engine's state, reset with the calendar year."""

import datetime as dt
from pathlib import Path

from zorgclaim.app.access import SYSTEM
from zorgclaim.app.context import Context, library_and_reference
from zorgclaim.app.members import remaining
from zorgclaim.scenarios.runner import load_scenario, run_batches, scenario_lines, scenario_world

SCENARIO = Path(__file__).parents[3] / "tests" / "scenarios" / "pricing_gvs_co_payment_year_maximum.yaml"


def _scenario_on(name: str, day: dt.date) -> tuple[Context, object]:
    """A scenario's world and the engine's state after its lines up to `day`, seen on `day`."""
    path = SCENARIO.parent / name
    library, reference = library_and_reference()
    sc = load_scenario(path)
    world = scenario_world(sc, library, reference, path)
    lines = scenario_lines(sc)
    _, state = run_batches(lines.filter(lines["service_date"] <= day), world, day)
    return Context(None, world, clock=lambda: day), state


def _gvs_maximum(day: dt.date) -> dict:
    ctx, state = _scenario_on(SCENARIO.name, day)
    found = [x for x in remaining(ctx, SYSTEM, "M1", state=state, check=False, day=day)
             if x["benefit"] == "farmacie-eigen-bijdrage-maximum"]
    assert len(found) == 1
    return found[0]


def test_the_gvs_maximum_shows_what_the_member_paid_above_the_limits_this_year():
    m = _gvs_maximum(dt.date(2025, 6, 30))
    # four times EUR 95,00 above the limit were counted: the member paid EUR 250 of them (nothing is
    # left to pay), the insurer the other EUR 130
    assert (m["kind"], m["money"], m["limit"], m["used"], m["left"]) == ("member_maximum", True, 25000, 25000, 0)
    assert m["paid_by_insurer"] == 13000
    assert m["resets_on"] == dt.date(2026, 1, 1)


def test_the_gvs_maximum_starts_again_in_a_new_year():
    m = _gvs_maximum(dt.date(2026, 3, 31))
    assert (m["limit"], m["used"], m["left"], m["paid_by_insurer"]) == (25000, 9500, 15500, 0)


def test_a_yearly_limit_that_needs_an_indication_is_shown_only_once_used():
    day = dt.date(2025, 6, 30)
    ctx, state = _scenario_on(SCENARIO.name, day)
    shown = {x["benefit"] for x in remaining(ctx, SYSTEM, "M1", state=state, check=False, day=day)}
    assert "farmacie-eigen-bijdrage-maximum" in shown and "dietetiek" in shown
    assert "zittend-ziekenvervoer" not in shown          # no indication, no ride this year


def test_a_provider_is_not_shown_what_the_member_paid_in_co_payments():
    from zorgclaim.app.access import Principal
    day = dt.date(2025, 6, 30)
    ctx, state = _scenario_on(SCENARIO.name, day)
    as_provider = {x["benefit"] for x in remaining(ctx, Principal("fysio", "provider", provider="04100001"), "M1",
                                                   state=state, check=False, day=day)}
    assert "farmacie-eigen-bijdrage-maximum" not in as_provider and "dietetiek" in as_provider


def test_the_deductible_meter_of_a_member_turning_18_and_of_a_child():
    from zorgclaim.app.members import deductible_meter
    ctx, state = _scenario_on("deductible_turning_18.yaml", dt.date(2025, 12, 31))
    adult = {y["year"]: y for y in deductible_meter(ctx, SYSTEM, "M1", state=state, check=False)}[2025]
    # from 1 July 2025 (18 on 10 June): 184 of 365 days of EUR 385 is EUR 194, as the engine took it
    assert (adult["total"], adult["used"], adult["left"]) == (19400, 19400, 0)
    child = {y["year"]: y for y in deductible_meter(ctx, SYSTEM, "M2", state=state, check=False)}[2025]
    assert (child["total"], child["used"], child["left"]) == (0, 0, 0)
    # the meter says from when: the month after the birthday (M1), a later year for the child (M2)
    assert adult["applies_from"] == dt.date(2025, 7, 1) and child["applies_from"] == dt.date(2026, 7, 1)
    assert (adult["none_because"], child["none_because"]) == (None, "under-18")


def test_the_hearing_aid_term_shows_what_is_left_until_five_years_after_the_first():
    day = dt.date(2023, 6, 30)
    ctx, state = _scenario_on("aids_hearing_aid_term_of_use.yaml", day)
    aid = {x["benefit"]: x for x in remaining(ctx, SYSTEM, "M2", state=state, check=False, day=day)}["hoortoestel"]
    # one aid on 2022-02-15, the other ear on 2023-05-10: both used until the 60 months end
    assert (aid["window"], aid["limit"], aid["used"], aid["left"]) == ("60_months", 2, 2, 0)
    assert (aid["period_start"], aid["resets_on"]) == (dt.date(2022, 2, 15), dt.date(2027, 2, 15))


def test_a_limit_counted_per_code_shows_each_code_by_its_label():
    """VGZ's full denture: one in 60 months per jaw (a counter per service code), so the upper and
    the lower jaw are two rows, each named by its code's label."""
    day = dt.date(2023, 1, 1)
    ctx, state = _scenario_on("coverage_dental_denture_replacement_authorization.yaml", day)
    rows = [x for x in remaining(ctx, SYSTEM, "M1", state=state, check=False, day=day) if x["benefit"] == "gebitsprothese"]
    by_code = {x["code"]: x for x in rows}
    assert set(by_code) == {"mondzorg/P020", "mondzorg/P021"}
    assert all(x["used"] == 1 and x["left"] == 0 for x in rows)
    labels = ctx.world.reference.service_codes.filter(ctx.world.reference.service_codes["key"].is_in(list(by_code)))
    assert {x["code_label"] for x in rows} == set(labels["label"].to_list())
