import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from zorgclaim.ledger.postings import balances, decision_transfers, due_dates
from zorgclaim.policy import load_library

D = dt.date
LIB = load_library()


def _frames(rows):
    decisions = pl.DataFrame(rows, schema={"line_id": pl.String, "member_id": pl.String, "provider": pl.String,
                                           "allowed": pl.Int64, "deductible": pl.Int64, "paid": pl.Int64,
                                           "payee": pl.String}, orient="row")
    lines = decisions.select("line_id", pl.lit(D(2026, 4, 2)).alias("received"))
    due = decisions.select("line_id", pl.lit(D(2026, 5, 2)).alias("due"))
    return decisions, lines, due


def test_provider_billed_line_with_deductible():
    t = decision_transfers(*_frames([("L1", "M1", "04100001", 10000, 3000, 10000, "provider")]))
    b = dict(balances(t).iter_rows())
    assert b == {"provider:04100001": 10000, "insurer:claims": -7000, "deductible:M1": -3000}


def test_member_billed_line_withholds_the_deductible():
    t = decision_transfers(*_frames([("L1", "M1", "04100001", 10000, 3000, 7000, "member")]))
    assert dict(balances(t).iter_rows()) == {"member:M1": 7000, "insurer:claims": -7000}


def test_a_credit_turns_round_and_is_due_at_once():
    t = decision_transfers(*_frames([("L1", "M1", "P", 10000, 3000, 10000, "provider"),
                                     ("L1c", "M1", "P", -10000, -3000, -10000, "provider")]))
    credit = t.filter(pl.col("line_id") == "L1c")
    assert set(credit["debit"]) == {"provider:P"} and (credit["amount"] > 0).all()
    assert set(credit["due"]) == {D(2026, 4, 2)}
    assert dict(balances(t).iter_rows()) == {"deductible:M1": 0, "insurer:claims": 0, "provider:P": 0}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-10**7, 10**7), st.integers(0, 38500), st.booleans()), max_size=30))
def test_every_transfer_balances_and_amounts_are_positive(rows):
    frame = [(f"L{i}", "M1", "P", a, min(d, abs(a)) * (1 if a >= 0 else -1), 0, "member" if m else "provider")
             for i, (a, d, m) in enumerate(rows)]
    t = decision_transfers(*_frames(frame))
    assert (t["amount"] > 0).all() and (t["debit"] != t["credit"]).all()
    assert balances(t)["balance"].sum() == 0


def test_due_dates_members_in_working_days_providers_by_contract():
    lines = pl.DataFrame({
        "line_id": ["online", "post", "contracted", "other"],
        "submitted_by": ["member", "member", "provider", "provider"],
        "channel": ["online", "post", "vecozo", "vecozo"],
        "received": [D(2026, 4, 2)] * 4, "provider": ["X", "X", "C", "N"], "service_date": [D(2026, 3, 1)] * 4})
    contracts = pl.DataFrame({"provider": ["C"], "from": [D(2026, 1, 1)], "to": [D(2026, 12, 31)],
                              "payment_term_days": [14]})
    due = dict(due_dates(lines, contracts, LIB).iter_rows())
    assert due["online"] == D(2026, 4, 14)      # 6 working days past Good Friday and Easter Monday
    assert due["post"] == D(2026, 4, 20)        # 10 working days
    assert due["contracted"] == D(2026, 4, 16)  # the contract's 14 days
    assert due["other"] == D(2026, 5, 2)        # the default 30 days
