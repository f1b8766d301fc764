from zorgclaim.domain.countries import alpha_2, by_name, choices, country_name, is_country


def test_iso_codes_are_countries_and_other_text_is_not():
    assert is_country("ES") and is_country("be")
    assert not is_country("XX") and not is_country("Spanje") and not is_country("") and not is_country(None)


def test_alpha_3_codes_are_mapped_to_alpha_2_and_nothing_else_is():
    assert alpha_2("DE") == "DE" and alpha_2("be") == "BE" and alpha_2(" ESP ") == "ES" and alpha_2("nld") == "NL"
    for other in ("XX", "XXX", "Duitsland", "276", "D", "", None):
        assert alpha_2(other) is None, other


def test_choices_start_with_the_netherlands_and_are_named_in_the_language():
    nl, en = dict(choices("nl")), dict(choices("en"))
    assert choices("nl")[0] == ("NL", "Nederland")
    assert nl["ES"] == "Spanje" and en["ES"] == "Spain"
    assert len(nl) == len(en) > 240


def test_a_country_is_named_in_the_language_and_anything_else_shown_as_given():
    assert country_name("es", "nl") == "Spanje" and country_name("ES", "en") == "Spain"
    assert country_name("XX") == "XX" and country_name(None) == ""


def test_care_abroad_names_its_provider_by_an_identifier_that_is_no_agb_code():
    import pytest

    from zorgclaim.domain.provider_id import checked_country, checked_provider
    assert checked_provider("04100026", None) == "04100026" and checked_provider("ES-MARBELLA-01", "ES")
    for provider, country in (("ES-MARBELLA-01", None), ("12345678", "ES"), ("a name far too long for it", "ES")):
        with pytest.raises(ValueError):
            checked_provider(provider, country)
    with pytest.raises(ValueError):
        checked_country("XX")


def test_a_country_written_out_in_dutch_or_english_is_found_and_other_text_is_not():
    assert by_name("Nederland") == "NL" and by_name(" nederland ") == "NL" and by_name("Netherlands") == "NL"
    assert by_name("Duitsland") == "DE" and by_name("Germany") == "DE" and by_name("Spanje") == "ES"
    for other in ("Belgique", "Deutschland-Nord", "XX", "", None):
        assert by_name(other) is None, other
