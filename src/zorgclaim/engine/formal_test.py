import polars as pl
from hypothesis import given, settings, strategies as st
from stdnum.nl import bsn as stdnum_bsn

from zorgclaim.engine.formal import CHECKS, bsn_ok


@settings(max_examples=2000, deadline=None)  # a correctness check: no time limit (a loaded machine took 500 ms)
@given(st.one_of(st.text(alphabet="0123456789", min_size=8, max_size=9),
                 st.text(alphabet="0123456789 x-", min_size=0, max_size=11)))
def test_vectorized_11_proof_agrees_with_stdnum(value):
    ours = bsn_ok(pl.Series([value])).item()
    assert bool(ours) == stdnum_bsn.is_valid(value), value


def test_known_numbers():
    s = pl.Series(["111222333", "111222334", "000000000", None])
    assert bsn_ok(s).to_list() == [True, False, False, None]


def test_every_check_has_a_distinct_name_and_a_source():
    assert len({c.name for c in CHECKS}) == len(CHECKS)
    assert all(c.source and len(c.code) == 4 for c in CHECKS)


def test_repeated_marks_every_later_occurrence():
    from zorgclaim.engine.formal import _repeated
    ids = pl.Series(["a", "b", "a", "c", "b", "a", None, None])
    assert _repeated(ids).tolist() == [False, False, True, False, True, True, False, True]
    assert _repeated(pl.Series(["x", "y"], dtype=pl.String)).tolist() == [False, False]
