"""The member's nota form: where and by whom the care was given, checked by the rule every input
uses (domain.provider_id), and refused in the page's own words, naming the field."""

import datetime as dt

import pytest

from zorgclaim.app.access import Invalid, Principal
from zorgclaim.web.routes_member import _form_line

MEMBER = Principal("member-a", "member", member_id="M1")


def _form(provider: str, country: str = "NL") -> dict:
    return {"amount": "45,00", "service_date": "2025-03-10", "quantity": "1", "code": "fysio/1000",
            "provider": provider, "country": country}


def test_care_at_home_is_named_by_an_agb_code_and_abroad_by_the_invoices_identifier():
    assert _form_line(_form("04100026"), MEMBER, "nl")["provider"] == "04100026"
    line = _form_line(_form("ES-MARBELLA-01", "es"), MEMBER, "en")
    assert (line["provider"], line["country"], line["service_date"]) == ("ES-MARBELLA-01", "ES", dt.date(2025, 3, 10))


@pytest.mark.parametrize("provider, country, words", [
    ("ES-MARBELLA-01", "NL", "een AGB-code is 8 cijfers"),
    ("4100026", "NL", "een AGB-code is 8 cijfers"),
    ("04100026", "ES", "niet alleen 8 cijfers"),
    ("a name far too long for it", "ES", "ten hoogste 16"),
])
def test_a_provider_that_does_not_fit_where_the_care_was_given_is_refused_on_its_field(provider, country, words):
    with pytest.raises(Invalid) as e:
        _form_line(_form(provider, country), MEMBER, "nl")
    assert e.value.field == "provider" and words in str(e.value)
