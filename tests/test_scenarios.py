"""Every scenario file passes, names its source, and together they exercise every benefit in the
policy library and every return code the engine emits."""

from pathlib import Path

import pytest

from zorgclaim.engine.coverage import REQUIREMENTS
from zorgclaim.engine.formal import CHECKS
from zorgclaim.scenarios.runner import run_scenario

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def results(library, reference):
    return {p.name: run_scenario(p, library, reference) for p in SCENARIOS}


def test_there_are_many_scenarios():
    assert len(SCENARIOS) >= 60


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario(path, results):
    r = results[path.name]
    assert r.scenario.source, f"{path.name} names no source"
    assert r.scenario.expect, f"{path.name} expects nothing"
    assert r.differences == []


def test_every_benefit_is_exercised(results, library):
    seen = set()
    for r in results.values():
        for steps in r.decisions["steps"].to_list():
            for s in steps:
                if s["check"] == "benefit":
                    import json
                    p = json.loads(s["params"])
                    seen.add((p["product"], p["benefit"]))
    benefit_ids = {b.id for bs in library.benefits.values() for b in bs}
    missing = benefit_ids - {b for _, b in seen}
    assert not missing, f"benefits without a scenario: {sorted(missing)}"
    modules = {(pid, b.id) for pid, bs in library.benefits.items() for b in bs
               if library.products[pid].kind == "supplementary"}
    assert not modules - seen, f"module benefits without a scenario: {sorted(modules - seen)}"


def test_every_emitted_return_code_is_expected_somewhere(results, reference):
    expected = {c for r in results.values() for e in r.scenario.expect.values() for c in (e.codes or [])}
    engine_codes = {c.code for c in CHECKS} | {code for _, code in REQUIREMENTS} | {"0584", "0589", "0587", "0611", "8001", "0613"}
    assert engine_codes - expected == set(), f"codes the engine emits without a scenario: {sorted(engine_codes - expected)}"
    known = set(reference.return_codes["code"].to_list())
    assert expected <= known
