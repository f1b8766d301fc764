"""The explanation steps are the same whichever way their query is planned (with projection
pushdown for a large batch, as an eager operation for a small one)."""

from zorgclaim.demo.generate import generate
from zorgclaim.engine import adjudicate, steps
from zorgclaim.policy import load_library
from zorgclaim.reference import load_reference


def test_steps_do_not_depend_on_the_query_plan(monkeypatch):
    book = generate(load_library(), load_reference(), members=150, lines=2000, seed=11)
    monkeypatch.setattr(steps, "PUSHDOWN_FROM_LINES", 10**9)
    small, _ = adjudicate(book.lines, book.world)
    monkeypatch.setattr(steps, "PUSHDOWN_FROM_LINES", 0)
    large, _ = adjudicate(book.lines, book.world)
    assert small["steps"].list.len().sum() > 2000
    assert small.equals(large)
