import datetime as dt

from zorgclaim.ledger.calendar import add_working_days, holiday_name, is_working_day, next_working_day

D = dt.date


def test_plain_week():
    # Monday 2026-03-02 + 6 working days: Tue..Fri (4), Mon, Tue -> Tuesday 2026-03-10
    assert add_working_days(D(2026, 3, 2), 6) == D(2026, 3, 10)
    assert add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)   # Friday -> Monday


def test_easter_2026():
    # Good Friday 3 April, Easter Monday 6 April 2026 are skipped
    assert not is_working_day(D(2026, 4, 3)) and not is_working_day(D(2026, 4, 6))
    # Thursday 2 April + 6 working days: 7, 8, 9, 10, 13, 14 April
    assert add_working_days(D(2026, 4, 2), 6) == D(2026, 4, 14)
    # by post, 10 working days: ... 15, 16, 17, 20 April
    assert add_working_days(D(2026, 4, 2), 10) == D(2026, 4, 20)


def test_kings_day_and_liberation_day():
    assert holiday_name(D(2026, 4, 27)) is not None and not is_working_day(D(2026, 4, 27))  # a Monday
    assert not is_working_day(D(2026, 5, 5))  # Bevrijdingsdag, every year (Algemene termijnenwet art. 3)
    # Friday 24 April 2026 + 6: 28, 29, 30 April, 1, 4, 6 May (27 April and 5 May skipped)
    assert add_working_days(D(2026, 4, 24), 6) == D(2026, 5, 6)
    # King's Day on a Sunday is moved to Saturday 26 April 2025 by law; the 27th then is a Sunday anyway
    assert next_working_day(D(2025, 4, 26)) == D(2025, 4, 28)


def test_next_working_day():
    assert next_working_day(D(2026, 12, 25)) == D(2026, 12, 28)  # Christmas Friday -> Monday
    assert next_working_day(D(2026, 12, 28)) == D(2026, 12, 28)
