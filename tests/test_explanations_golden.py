"""Every scenario's explanations, rendered in Dutch and English, word for word as recorded in
tests/golden/explanations.json (recorded before the explanations were stored in compact form, so a
change of storage or of the engine's step building that changes a sentence fails here).

A deliberate change of a sentence or a step: record again with
    python tests/test_explanations_golden.py
and review the difference in the commit.
"""

import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
GOLDEN = HERE / "golden" / "explanations.json"


def rendered() -> dict:
    from zorgclaim.engine.explain import explain
    from zorgclaim.policy import load_library
    from zorgclaim.reference import load_reference
    from zorgclaim.scenarios.runner import run_scenario
    lib, ref = load_library(), load_reference()
    out = {}
    for p in sorted((HERE / "scenarios").glob("*.yaml")):
        d = run_scenario(p, lib, ref).decisions.sort("line_id")
        out[p.stem] = {r["line_id"]: {"nl": explain(r, "nl"), "en": explain(r, "en")} for r in d.iter_rows(named=True)}
    return out


@pytest.fixture(scope="module")
def now() -> dict:
    return rendered()


def test_every_recorded_explanation_is_rendered_word_for_word(now):
    golden = json.loads(GOLDEN.read_text())
    assert len(golden) >= 100
    for scenario, lines in golden.items():
        assert scenario in now, f"scenario {scenario} is gone"
        for line_id, text in lines.items():
            assert now[scenario].get(line_id) == text, f"{scenario} {line_id}"


def test_every_scenario_is_recorded(now):
    golden = json.loads(GOLDEN.read_text())
    assert set(now) <= set(golden), f"not recorded: {sorted(set(now) - set(golden))} (record again, see the docstring)"


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(rendered(), ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    print(f"recorded {GOLDEN}", file=sys.stderr)
