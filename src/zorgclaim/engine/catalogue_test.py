"""The catalogue is the one home of every check: whatever the engine decides, each step it writes
names a catalogue entry, shows a source a member can look up, and can be said in both languages."""

import re
from pathlib import Path

import polars as pl
import pytest

from zorgclaim.engine.catalogue import BY_NAME, CATALOGUE, STAGES

SCENARIOS = sorted((Path(__file__).parents[3] / "tests" / "scenarios").glob("*.yaml"))
# what a member cannot look up: a file of ours, an internal note
# DESIGN and RULES as written (our documents), not "designates" or "the rules"
PRIVATE = re.compile(r"seed \d|\.md\b|\.txt\b|\.yaml\b|\.csv\b|(?-i:\bDESIGN\b|\bRULES\b)", re.IGNORECASE)


def test_every_entry_is_complete():
    for c in CATALOGUE:
        assert c.stage in STAGES, c.name
        assert c.outcome in ("pass", "fail", "partial", "info", "pending"), c.name
        assert c.nl and c.en, c.name
        assert c.code is None or re.fullmatch(r"\d{4}", c.code), c.name
        assert c.source is None or not PRIVATE.search(c.source), (c.name, c.source)
        # the same placeholders in both languages
        assert set(re.findall(r"{(\w+)}", c.nl)) == set(re.findall(r"{(\w+)}", c.en)), c.name
    assert all(c.code for c in CATALOGUE if c.stage == "formal" and c.outcome == "fail")


@pytest.fixture(scope="module")
def all_steps():
    """The steps of every scenario's decisions and of a small generated book."""
    from zorgclaim.demo.generate import generate
    from zorgclaim.engine import adjudicate
    from zorgclaim.policy import load_library
    from zorgclaim.reference import load_reference
    from zorgclaim.scenarios.runner import run_scenario
    library, reference = load_library(), load_reference()
    frames = [run_scenario(p, library, reference).decisions for p in SCENARIOS]
    book = generate(library, reference, members=150, lines=3000, seed=3)
    frames.append(adjudicate(book.lines, book.world)[0])
    frames = [f.select("steps") for f in frames if f.height]
    return pl.concat(frames).explode("steps").unnest("steps")


def test_every_step_names_an_entry_of_its_stage(all_steps):
    named = all_steps.select("stage", "check").unique()
    for stage, check in named.iter_rows():
        assert check in BY_NAME, f"the engine wrote a step {check!r} that the catalogue does not have"
        assert BY_NAME[check].stage == stage, check


def test_every_step_shows_a_public_source(all_steps):
    sources = all_steps["source"]
    assert sources.null_count() == 0
    leaks = sorted(s for s in sources.unique().to_list() if PRIVATE.search(s))
    assert not leaks, leaks[:5]


def test_the_codes_a_step_shows_are_its_checks(all_steps):
    coded = all_steps.filter(pl.col("code").is_not_null()).select("check", "code").unique()
    for check, code in coded.iter_rows():
        assert BY_NAME[check].code == code, (check, code)
