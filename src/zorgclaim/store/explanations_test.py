import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import create_engine

from zorgclaim.engine.explain import explain
from zorgclaim.policy import load_library
from zorgclaim.reference import load_reference
from zorgclaim.scenarios.runner import run_scenario
from zorgclaim.store import explanations
from zorgclaim.store.models import Base

SCENARIOS = sorted((Path(__file__).parents[3] / "tests" / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def decisions() -> pl.DataFrame:
    lib, ref = load_library(), load_reference()
    return pl.concat([run_scenario(p, lib, ref).decisions.select("line_id", "steps") for p in SCENARIOS])


def test_every_scenario_step_comes_back_as_the_engine_gave_it(decisions, tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 's.db'}")
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        numbers = explanations.source_numbers(conn, decisions)
        stored = decisions.select(explanations.compact(pl.col("steps"), numbers)).to_series().to_list()
        texts = explanations.source_texts(conn)
    assert len(numbers) >= 40                 # the sources are many; each is stored once
    back = [explanations.expand(s, texts) for s in stored]
    given = decisions["steps"].to_list()
    assert back == given
    for b, g in zip(back, given):
        for lang in ("nl", "en"):
            assert explain({"steps": b}, lang) == explain({"steps": g}, lang)
    # compact: no source is spelled out per step
    assert sum(len(s) for s in stored) < 0.5 * sum(len(json.dumps(g)) for g in given)


def test_a_second_batch_reuses_the_numbers(decisions, tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 's.db'}")
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        first = explanations.source_numbers(conn, decisions.head(50))
        second = explanations.source_numbers(conn, decisions)
    assert first.items() <= second.items()


def test_rows_stored_before_the_compact_form_are_read():
    old = [{"stage": "formal", "check": "formal-ok", "outcome": "pass", "code": None, "source": "x", "params": "{}"}]
    assert explanations.expand(json.dumps(old), {}) == old
    assert explanations.expand(None, {}) == [] and explanations.expand("[]", {}) == []
