import datetime as dt

from zorgclaim.web.format import day, euro


def test_money_in_the_dutch_way():
    assert euro(123456) == "€\u00a01.234,56"
    assert euro(-500) == "-€\u00a05,00"
    assert euro(None) == "-"


def test_dates_spelled_out():
    assert day(dt.date(2025, 4, 14)) == "14 april 2025"
    assert day(dt.date(2025, 4, 14), "en") == "14 April 2025"
    assert day("2025-12-01T10:00:00") == "1 december 2025"
    assert day(None) == "-"
