"""The review stage: a person's decision decides a held line (where no tariff is known, the
person's amount is the price); the sample's hash is stable; provider variance finds the outlier."""

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from zorgclaim.domain.world import WORLD_SCHEMAS
from zorgclaim.engine import adjudicate
from zorgclaim.engine.review import provider_variance, stable_hash
from zorgclaim.policy import load_library
from zorgclaim.policy.review import ReviewRule
from zorgclaim.reference import load_reference
from zorgclaim.scenarios.runner import load_scenario, scenario_lines, scenario_world

SCEN = Path(__file__).parents[3] / "tests" / "scenarios"


def _held(name: str):
    sc = load_scenario(SCEN / name)
    world = scenario_world(sc, load_library(), load_reference())
    return world, scenario_lines(sc)


def _person(world, line_id: str, action: str, allowed_max: int | None = None):
    reviews = pl.DataFrame([{"line_id": line_id, "action": action, "allowed_max": allowed_max, "by": "ann",
                             "role": "handler", "reason": "checked the invoice"}], schema=WORLD_SCHEMAS["reviews"])
    return dataclasses.replace(world, reviews=reviews)


def test_a_person_sets_the_price_where_no_tariff_is_known():
    world, lines = _held("review_unknown_tariff_held.yaml")
    held, _ = adjudicate(lines, world)
    assert held.filter(pl.col("line_id") == "L1")["status"][0] == "pended"
    d, state = adjudicate(lines, _person(world, "L1", "change", 6000))
    row = d.filter(pl.col("line_id") == "L1").row(0, named=True)
    assert (row["status"], row["allowed"], row["codes"]) == ("partial", 6000, ["0611"])
    checks = [s["check"] for s in row["steps"]]
    assert "price-person" in checks and checks[-1] == "review-changed"
    assert "L1" in state.history["line_id"].to_list()          # decided now: it takes its place in the state


def test_accept_without_a_price_still_pays_nothing_and_reject_refuses():
    world, lines = _held("review_unknown_tariff_held.yaml")
    for action in ("accept", "reject"):
        d, _ = adjudicate(lines, _person(world, "L1", action))
        row = d.filter(pl.col("line_id") == "L1").row(0, named=True)
        assert (row["status"], row["allowed"]) == ("rejected", 0), action
        assert row["steps"][-1]["check"] == f"review-{action}ed"


def test_a_person_caps_a_line_with_a_known_tariff():
    world, lines = _held("review_high_amount_held.yaml")
    d, _ = adjudicate(lines, _person(world, "L1", "change", 1_000_000))
    row = d.filter(pl.col("line_id") == "L1").row(0, named=True)
    assert (row["status"], row["allowed"], row["deductible"]) == ("partial", 1_000_000, 38500)


def test_the_sample_hash_is_stable():
    # FNV-1a 64 of b"a" (the published test vector), seed 0
    assert stable_hash(pl.Series(["a"]), 0)[0] == np.uint64(0xAF63DC4C8601EC8C)
    ids = pl.Series([f"L{i:07d}" for i in range(2000)])
    first, again = stable_hash(ids, 2025), stable_hash(ids.sample(fraction=1, shuffle=True, seed=1).sort(), 2025)
    assert (first == again).all()
    share = (first % np.uint64(10_000) < np.uint64(100)).mean()      # 1% of lines
    assert 0.003 < share < 0.02


def test_provider_variance_flags_the_outlier_only():
    rule = ReviewRule.model_validate({"id": "provider-variance", "kind": "provider_variance", "factor": 2.5,
                                      "min_patients": 5, "reason_nl": "afwijkend", "reason_en": "deviating",
                                      "source": {"ref": "test", "verified": False}})
    rows = []
    for p, per_visit in (("04000001", 40_00), ("04000002", 42_00), ("04000003", 38_00), ("04000004", 130_00)):
        for m in range(8):
            rows.append({"provider": p, "member_id": f"M{m}", "service_date": dt.date(2025, 3, 1), "declared": per_visit})
    providers = pl.DataFrame({"agb": ["04000001", "04000002", "04000003", "04000004"], "kind": ["fysiotherapie"] * 4})
    flagged = provider_variance(pl.DataFrame(rows), providers, rule)
    assert flagged["id"].to_list() == ["04000004"]
    assert flagged.row(0, named=True)["from"] == dt.date(2025, 1, 1) and "mediaan" in flagged["reason"][0]
