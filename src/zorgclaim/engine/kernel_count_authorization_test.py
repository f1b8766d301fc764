"""A count limit an authorization lifts (`limits.beyond_count_with_authorization`), on the kernel
itself: one member, one benefit (one counter), one candidate per line, at most 1 per 60 months."""

import datetime as dt

import numpy as np

from zorgclaim.engine import kernel

EPOCH = dt.date(1970, 1, 1)


def _day(d: dt.date) -> int:
    return (d - EPOCH).days


def _run(days: list[dt.date], auth_ok: list[bool], lift: int, max_count: int = 1, months: int = 60, credit_of=None):
    """Lines on `days` (each one unit of 100.00), the same counter; line k a credit of line
    credit_of[k] where given. Returns per line its outcome and amount, and the counter after."""
    n = len(days)
    credit_of = credit_of or {}
    i64 = lambda v: np.full(n, v, np.int64)  # noqa: E731
    mode = np.array([kernel.CREDIT if k in credit_of else kernel.DECIDE for k in range(n)], np.int8)
    date = np.array([_day(d) for d in days], np.int64)
    lines = kernel.Lines(mode, date, date.copy(), i64(1), i64(10000), i64(10000), i64(-1), i64(0),
                         np.zeros(n, np.bool_), np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64) + 1,
                         np.array([credit_of.get(k, -1) for k in range(n)], np.int64))
    reversed_ = kernel.Reversed(i64(0), i64(0), i64(0), i64(-1), i64(-1))
    cand = kernel.Candidates(
        np.ones(n, np.bool_), i64(10000), i64(0), i64(0), i64(max_count), i64(2), i64(months), i64(-1), i64(-1),
        i64(-1), np.array(auth_ok, np.bool_), np.zeros(n, np.bool_), np.zeros(n, np.bool_), i64(-1), i64(0),
        i64(kernel.NONE), i64(-1), np.full(n, lift, np.int8))
    counters = kernel.Counters(np.array([kernel.NONE]), np.zeros(1, np.int64), np.array([kernel.NONE]),
                               np.zeros(1, np.int64), np.zeros(1, np.int64))
    books = kernel.Books(np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(0, np.bool_))
    back = kernel.GivenBack(*(np.zeros(0, np.int64) for _ in range(7)))
    out = kernel.run(lines, reversed_, cand, counters, books, back)
    return out[4].tolist(), out[2].tolist(), counters


D0 = dt.date(2020, 3, 1)          # the first denture; its window ends on 2025-02-28


def test_without_the_option_a_second_within_the_window_is_the_count_limit_even_with_an_authorization():
    outcome, amount, _ = _run([D0, dt.date(2022, 5, 1)], [True, True], kernel.NO_LIFT)
    assert outcome == [kernel.PAID, kernel.COUNT_LIMIT] and amount == [10000, 0]


def test_beyond_the_count_without_an_authorization_is_refused_as_missing_authorization():
    outcome, amount, _ = _run([D0, dt.date(2022, 5, 1)], [False, False], kernel.NEW_WINDOW)
    assert outcome == [kernel.PAID, kernel.COUNT_AUTH] and amount == [10000, 0]


def test_beyond_the_count_with_an_authorization_is_paid_and_starts_a_new_window():
    second, third, fourth = dt.date(2022, 5, 1), dt.date(2025, 6, 1), dt.date(2027, 5, 1)
    # the third is after the first window but within 60 months of the second: it needs one again;
    # the fourth is after the second's window (2022-05-01 .. 2027-04-30): paid without one
    outcome, amount, counters = _run([D0, second, third, fourth], [False, True, False, False], kernel.NEW_WINDOW)
    assert outcome == [kernel.PAID, kernel.PAID, kernel.COUNT_AUTH, kernel.PAID]
    assert amount == [10000, 10000, 0, 10000]
    assert counters.pstart[0] == _day(fourth) and counters.pcount[0] == 1 and counters.total[0] == 3


def test_same_window_counts_the_authorized_line_in_the_current_window():
    second, third, fourth = dt.date(2022, 5, 1), dt.date(2023, 5, 1), dt.date(2025, 3, 1)
    outcome, _, counters = _run([D0, second, third, fourth], [False, True, False, False], kernel.SAME_WINDOW)
    # the third is still in the first window (count 2 of 1): refused; the fourth starts a new window
    assert outcome == [kernel.PAID, kernel.PAID, kernel.COUNT_AUTH, kernel.PAID]
    assert counters.pstart[0] == _day(dt.date(2025, 3, 1)) and counters.pcount[0] == 1


def test_after_the_window_no_authorization_is_needed():
    outcome, _, _ = _run([D0, dt.date(2025, 3, 1)], [False, False], kernel.NEW_WINDOW)
    assert outcome == [kernel.PAID, kernel.PAID]


def test_a_credit_of_the_authorized_line_brings_the_earlier_window_back():
    second = dt.date(2022, 5, 1)
    outcome, amount, counters = _run([D0, second, second], [False, True, False], kernel.NEW_WINDOW, credit_of={2: 1})
    assert outcome[:2] == [kernel.PAID, kernel.PAID]
    # the first denture's window (from D0) with its one, as before the second
    assert counters.pstart[0] == _day(D0) and counters.pcount[0] == 1 and counters.total[0] == 1


def test_after_that_credit_another_within_the_earlier_window_needs_an_authorization_again():
    second, third, fourth = dt.date(2022, 5, 1), dt.date(2023, 1, 2), dt.date(2025, 3, 1)
    outcome, amount, _ = _run([D0, second, second, third, fourth], [False, True, False, False, False],
                              kernel.NEW_WINDOW, credit_of={2: 1})
    # without the earlier window back the third would be paid: a count of 0 in the credited window
    assert outcome[3] == kernel.COUNT_AUTH and amount[3] == 0
    assert outcome[4] == kernel.PAID         # after D0's 60 months


def test_a_credit_of_an_authorized_line_whose_window_was_replaced_leaves_the_later_window():
    second, third = dt.date(2022, 5, 1), dt.date(2027, 6, 1)
    # the third starts a window of its own (after the second's); the second's credit comes after it
    outcome, _, counters = _run([D0, second, third, third], [False, True, False, False], kernel.NEW_WINDOW,
                                credit_of={3: 1})
    assert outcome[:3] == [kernel.PAID, kernel.PAID, kernel.PAID]
    assert counters.pstart[0] == _day(third) and counters.pcount[0] == 1
