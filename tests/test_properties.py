"""Property tests (hypothesis): invariants of the engine over generated books and lines.

- paid <= declared and 0 <= allowed <= declared on debit lines;
- the deductible charged per member-year never exceeds compulsory + voluntary, never negative;
- one batch = many batches (cut in processing order, state carried) = partitions by member;
- a credit reverses its debit exactly (money, deductible, shares);
- a line held for review takes nothing: the others are decided as if it were not there.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings, strategies as st

from zorgclaim.demo.generate import generate
from zorgclaim.engine import State, adjudicate
from zorgclaim.policy import load_library
from zorgclaim.reference import load_reference

# loaded here, not as fixtures: hypothesis prints a failing example's arguments, and these are big
LIBRARY, REFERENCE = load_library(), load_reference()

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])


def _books():
    """A generated book; drawn as (seed, members, lines) so a failure reports three numbers."""
    class _Draw:
        def __init__(self, seed, m, n):
            self.args = (seed, m, n)
            self.book = generate(LIBRARY, REFERENCE, members=m, lines=n, seed=seed)

        def __repr__(self):
            return f"generate(members={self.args[1]}, lines={self.args[2]}, seed={self.args[0]})"
    return st.builds(_Draw, st.integers(0, 10_000), st.integers(20, 120), st.integers(200, 1500)).map(lambda d: d.book)


def _canon(d: pl.DataFrame) -> pl.DataFrame:
    return d.sort("line_id", "status", "allowed", "paid", pl.col("codes").list.join(","))


def assert_same(a: pl.DataFrame, b: pl.DataFrame) -> None:
    """Equal decisions; on a difference, name the first line and field that differ."""
    a, b = _canon(a), _canon(b)
    assert a.height == b.height, f"{a.height} vs {b.height} decisions"
    for col in a.columns:
        if not a[col].equals(b[col]):
            i = (a[col].ne_missing(b[col])).arg_true()[0]
            raise AssertionError(f"line {a['line_id'][i]}: {col}: {a[col][i]!r} != {b[col][i]!r}")


def _in_order(lines: pl.DataFrame) -> pl.DataFrame:
    """Global processing order (per member, then service date and receipt, credits after debits on ties)."""
    return (lines.with_columns((pl.col("credits").is_not_null() | (pl.col("declared") < 0)).alias("_c"))
            .sort("service_date", "received", "_c", "line_id").drop("_c"))


@SETTINGS
@given(data=st.data())
def test_money_bounds(data):
    book = data.draw(_books())
    d, state = adjudicate(book.lines, book.world)
    debit = d.filter(pl.col("declared") > 0)
    assert (debit["paid"] <= debit["declared"]).all()
    assert (debit["allowed"] <= debit["declared"]).all()
    assert (debit["allowed"] >= 0).all() and (debit["paid"] >= 0).all()
    # rejected means nothing allowed; a line held for review may propose nothing too
    assert ((d["status"] == "rejected") <= (d["allowed"] == 0)).all()
    assert ((d["allowed"] == 0) <= d["status"].is_in(["rejected", "pended"])).all()
    # a held line takes nothing: it is not in the state
    assert not state.history["line_id"].is_in(d.filter(pl.col("status") == "pended")["line_id"].implode()).any()
    assert (d["codes"].list.len().is_between(1, 3)).all()
    shares_sum = d.select(pl.col("shares").list.eval(pl.element().struct.field("amount").sum()).list.first().fill_null(0))
    assert (shares_sum.to_series() == d["allowed"]).all()
    # deductible per member-year within compulsory + voluntary
    used = state.deductible_used().join(book.world.members.select("member_id", "voluntary_deductible"), on="member_id")
    assert (used["used"] >= 0).all()
    assert (used["used"] <= 38500 + used["voluntary_deductible"]).all()


@SETTINGS
@given(data=st.data(), cuts=st.integers(2, 6))
def test_one_batch_equals_many_batches(data, cuts):
    book = data.draw(_books())
    whole, whole_state = adjudicate(book.lines, book.world)
    ordered = _in_order(book.lines)
    bounds = sorted(data.draw(st.lists(st.integers(0, ordered.height), min_size=cuts - 1, max_size=cuts - 1)))
    state, parts, start = State(), [], 0
    for end in bounds + [ordered.height]:
        if end > start:
            part, state = adjudicate(ordered.slice(start, end - start), book.world, state)
            parts.append(part)
        start = max(start, end)
    assert_same(pl.concat(parts), whole)
    assert state.canonical().history.equals(whole_state.canonical().history)


@SETTINGS
@given(data=st.data(), k=st.integers(2, 4))
def test_partitions_by_member_equal_the_whole(data, k):
    book = data.draw(_books())
    whole, whole_state = adjudicate(book.lines, book.world)
    members = book.lines["member_id"].unique().sort()
    parts, states = [], []
    for p in range(k):
        ids = members.gather_every(k, offset=p)
        lines = book.lines.filter(pl.col("member_id").is_in(ids.implode()))
        d, s = adjudicate(lines, book.world.restrict_to_members(ids))
        parts.append(d)
        states.append(s)
    assert_same(pl.concat(parts), whole)
    merged = State.merge(states).canonical()
    w = whole_state.canonical()
    for f in ("history", "shares", "counters", "effects"):
        assert getattr(merged, f).equals(getattr(w, f)), f


@SETTINGS
@given(data=st.data())
def test_credit_reverses_debit_exactly(data):
    book = data.draw(_books())
    d, _ = adjudicate(book.lines, book.world)
    credits = book.lines.filter(pl.col("credits").is_not_null()).select("line_id", "credits")
    first = d.unique("line_id", keep="first")
    pairs = (credits.join(first, on="line_id").join(first, left_on="credits", right_on="line_id", suffix="_debit")
             .filter(~pl.col("codes").list.contains("8017") & ~pl.col("codes").list.contains("8084")))
    assert (pairs["allowed"] == -pairs["allowed_debit"]).all()
    assert (pairs["deductible"] == -pairs["deductible_debit"]).all()
    assert (pairs["paid"] == -pairs["paid_debit"]).all()
    neg = pairs.select(pl.col("shares_debit").list.eval(pl.element().struct.field("amount") * -1).alias("n"),
                       pl.col("shares").list.eval(pl.element().struct.field("amount")).alias("c"))
    assert (neg["n"] == neg["c"]).all()


SAMPLE = {"id": "sample", "kind": "sample", "reason_nl": "Steekproef", "reason_en": "Sample",
          "source": {"ref": "property test", "verified": False}}


@SETTINGS
@given(data=st.data(), percent=st.sampled_from([10, 30, 60]), seed=st.integers(0, 1000))
def test_a_held_line_is_as_if_it_were_not_there(data, percent, seed):
    """Holding a line for review takes nothing from the member: every other line is decided as it
    would be without the held line (its resends and credits aside, which refer to it)."""
    import dataclasses

    from zorgclaim.policy.review import ReviewRule
    book = data.draw(_books())
    rule = ReviewRule.model_validate(SAMPLE | {"percent": percent, "seed": seed})
    held_world = dataclasses.replace(book.world, review_rules=(rule,))
    d, _ = adjudicate(book.lines, held_world)
    held = d.filter(pl.col("status") == "pended")["line_id"].unique()
    refer = pl.col("line_id").is_in(held.implode()) | pl.col("credits").is_in(held.implode()).fill_null(False)
    rest = book.lines.filter(~refer)
    without, _ = adjudicate(rest, dataclasses.replace(book.world, review_rules=()))
    assert_same(d.filter(pl.col("line_id").is_in(rest["line_id"].implode())).drop("steps", "review"),
                without.drop("steps", "review"))


# hand-made lines against a small fixed world: random amounts, dates, codes and credits
CODES = ["fysio/1000", "huisarts/12011", "gr/GR-BEH", "msr/990027199", "zorghotel/ZH-DAG", "overig/VERBLIJF", "nope/1"]


@st.composite
def small_batches(draw, book):
    members = book.world.members["member_id"].head(5).to_list()
    n = draw(st.integers(1, 40))
    rows = []
    for k in range(n):
        day = dt.date(2025, 1, 1) + dt.timedelta(days=draw(st.integers(0, 300)))
        rows.append({"line_id": f"H{k}", "member_id": draw(st.sampled_from(members)),
                     "provider": draw(st.sampled_from(book.world.providers["agb"].to_list())),
                     "received": day + dt.timedelta(days=draw(st.integers(-2, 40))), "service_date": day,
                     "code": draw(st.sampled_from(CODES)), "quantity": draw(st.integers(1, 3)),
                     "declared": draw(st.integers(1, 400_000)),
                     "diagnosis": draw(st.sampled_from([None, "7023", "4605", "3432"])),
                     "csi": draw(st.sampled_from([None, "012"])),
                     "indication_kind": draw(st.sampled_from([None, "msr", "gr", "zorghotel"])),
                     "referral_by": draw(st.sampled_from([None, "01100001"]))})
    df = pl.DataFrame(rows)
    n_credits = draw(st.integers(0, min(5, n)))
    credits = df.head(n_credits).with_columns(pl.col("line_id").alias("credits"), ("X" + pl.col("line_id")).alias("line_id"),
                                              (-pl.col("declared")).alias("declared"))
    return pl.concat([df.with_columns(pl.lit(None, pl.String).alias("credits")), credits])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hand_made_lines(data):
    book = generate(LIBRARY, REFERENCE, members=30, lines=10, seed=7)
    lines = data.draw(small_batches(book))
    d, state = adjudicate(lines, book.world)
    assert d.height == lines.height
    debit = d.filter(pl.col("declared") > 0)
    assert (debit["paid"] <= debit["declared"]).all() and (debit["allowed"] >= 0).all()
    cut = data.draw(st.integers(0, lines.height))
    ordered = _in_order(lines)
    a, s1 = adjudicate(ordered.head(cut), book.world)
    b, _ = adjudicate(ordered.slice(cut), book.world, s1)
    assert_same(pl.concat([a, b]), d)


def test_a_credit_and_a_resend_of_its_debit_in_a_later_batch():
    """Found by test_one_batch_equals_many_batches: the resend of a decided line and a credit of it
    in one later batch - the credit reverses the decided line, as when all is one batch."""
    book = generate(LIBRARY, REFERENCE, members=87, lines=1499, seed=5774)
    whole, _ = adjudicate(book.lines, book.world)
    ordered = _in_order(book.lines)
    first, state = adjudicate(ordered.slice(0, 1474), book.world)
    second, _ = adjudicate(ordered.slice(1474), book.world, state)
    assert_same(pl.concat([first, second]), whole)
