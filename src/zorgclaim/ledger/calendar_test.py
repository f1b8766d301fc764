import datetime as dt

from zorgclaim.ledger.calendar import WorkingDays, add_working_days, is_working_day, next_working_day, working_days
from zorgclaim.policy import load_library

D = dt.date
CAL = working_days(load_library(), D(2026, 1, 1))   # as the parameters say


def test_the_parameters_give_5_may_and_good_friday():
    assert CAL == WorkingDays(extra=("05-05",), good_friday=True)


def test_plain_week():
    # Monday 2026-03-02 + 6 working days: Tue..Fri (4), Mon, Tue -> Tuesday 2026-03-10
    assert add_working_days(D(2026, 3, 2), 6, CAL) == D(2026, 3, 10)
    assert add_working_days(D(2026, 3, 6), 1, CAL) == D(2026, 3, 9)   # Friday -> Monday


def test_easter_2026():
    # Good Friday 3 April, Easter Monday 6 April 2026 are skipped
    assert not is_working_day(D(2026, 4, 3), CAL) and not is_working_day(D(2026, 4, 6), CAL)
    # Thursday 2 April + 6 working days: 7, 8, 9, 10, 13, 14 April
    assert add_working_days(D(2026, 4, 2), 6, CAL) == D(2026, 4, 14)
    # by post, 10 working days: ... 15, 16, 17, 20 April
    assert add_working_days(D(2026, 4, 2), 10, CAL) == D(2026, 4, 20)
    # were Good Friday a working day, the online deadline would be a day earlier
    assert add_working_days(D(2026, 4, 2), 6, WorkingDays(("05-05",), good_friday=False)) == D(2026, 4, 13)


def test_kings_day_and_liberation_day():
    assert not is_working_day(D(2026, 4, 27), CAL)  # King's Day, a Monday
    assert not is_working_day(D(2026, 5, 5), CAL)   # Bevrijdingsdag, every year (Algemene termijnenwet art. 3)
    assert is_working_day(D(2026, 5, 5), WorkingDays())  # the holidays package alone: only every fifth year
    # Friday 24 April 2026 + 6: 28, 29, 30 April, 1, 4, 6 May (27 April and 5 May skipped)
    assert add_working_days(D(2026, 4, 24), 6, CAL) == D(2026, 5, 6)


def test_next_working_day():
    assert next_working_day(D(2026, 12, 25), CAL) == D(2026, 12, 28)  # Christmas Friday -> Monday
    assert next_working_day(D(2026, 12, 28), CAL) == D(2026, 12, 28)
