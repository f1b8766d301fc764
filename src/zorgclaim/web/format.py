"""How the pages write money and dates: € 1.234,56 and 14 april 2025 (Dutch), 14 April 2025 (English)."""

from __future__ import annotations

import datetime as dt

from zorgclaim.domain.money import fmt_eur

MONTHS = {
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}


def euro(cents: int | None) -> str:
    """Integer cents as € 1.234,56 (the Dutch way, in both languages); nothing as a dash."""
    return "-" if cents is None else fmt_eur(int(cents)).replace(" ", "\u00a0")


def day(value: dt.date | dt.datetime | str | None, lang: str = "nl") -> str:
    """A date as 14 april 2025 (nl) or 14 April 2025 (en); nothing as a dash."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    return f"{value.day} {MONTHS.get(lang, MONTHS['nl'])[value.month - 1]} {value.year}"
