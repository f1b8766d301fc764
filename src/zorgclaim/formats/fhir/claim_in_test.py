"""Care abroad in a FHIR Claim: where each item was given (item.location[x], else Claim.facility),
its country as ISO 3166-1 alpha-2 or alpha-3 (or a Dutch profile's name with its code), the
provider abroad by its own identifier; a bad country or identifier is that item's error, naming
the element, and the Claim's other items still become lines."""

import copy
import datetime as dt
from pathlib import Path

from zorgclaim.formats.fhir import systems
from zorgclaim.formats.fhir.claim_in import read_fhir

SCEN = Path(__file__).parents[4] / "tests" / "scenarios"
IK = "http://fhir.de/sid/arge-ik/iknr"        # the German base profiles' institution number (IK)


def _claim(provider_ids: list[dict], items: list[dict], **more) -> dict:
    """A Claim of member M1 with a contained provider of these identifiers and these items (each
    fysio/1000 on 2025-07-10 for 40.00 unless it says otherwise)."""
    base = {"productOrService": {"coding": [{"system": systems.SERVICE_CODE, "code": "fysio/1000"}]},
            "servicedDate": "2025-07-10", "net": {"value": 40.0, "currency": "EUR"}}
    return {"resourceType": "Claim", "id": "c1", "status": "active", "use": "claim",
            "identifier": [{"system": "urn:test", "value": "INV-1"}],
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
            "patient": {"reference": "#p"}, "created": "2025-08-20", "provider": {"reference": "#prov"},
            "priority": {"coding": [{"code": "normal"}]},
            "contained": [{"resourceType": "Patient", "id": "p", "identifier": [{"system": systems.MEMBER, "value": "M1"}]},
                          {"resourceType": "Organization", "id": "prov", "identifier": provider_ids}],
            "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "basis"}}],
            "item": [base | {"sequence": n + 1} | it for n, it in enumerate(items)]} | more


FOREIGN = [{"system": IK, "value": "269999990"}]
AGB = [{"system": systems.AGB, "value": "04123456"}]


def _at(country: str) -> dict:
    return {"locationAddress": {"city": "Aachen", "country": country}}


def _errors(inp) -> list[tuple]:
    return sorted(((seq, code) for errs in inp.errors.values() for seq, code, _ in errs), key=lambda e: (e[0] or 0, e[1]))


def _issues(inp) -> list[tuple[str, str]]:
    return [(i["expression"][0], i["diagnostics"]) for o in inp.outcomes for i in o["issue"]]


def test_an_item_abroad_carries_its_country_and_the_providers_own_identifier():
    inp = read_fhir(_claim(FOREIGN, [_at("DE"), _at("deu"), _at("BEL")]))
    assert inp.outcomes == [] and inp.errors == {}
    assert inp.lines.select("country", "provider").rows() == [("DE", "269999990"), ("DE", "269999990"),
                                                                ("BE", "269999990")]
    assert inp.foreign_providers["INV-1"] == {"system": IK, "value": "269999990"}


def test_an_item_without_a_place_is_care_in_the_netherlands_by_the_agb_code():
    # a place-of-service code of another system (the HL7 examples' CMS codes) says no country
    pos = {"locationCodeableConcept": {"coding": [
        {"system": "https://www.cms.gov/medicare/coding/place-of-service-codes/place_of_service_code_set.html",
         "code": "11"}]}}
    inp = read_fhir(_claim(AGB, [{}, pos, _at("NL"), _at("NLD")]))
    assert inp.outcomes == [] and inp.foreign_providers == {}
    assert inp.lines.select("country", "provider").rows() == [(None, "04123456"), (None, "04123456"),
                                                                ("NL", "04123456"), ("NL", "04123456")]


def test_the_claims_facility_says_where_unless_the_item_says_it_itself():
    location = {"resourceType": "Location", "id": "loc-1", "name": "Clínica del Mar",
                "address": {"city": "Marbella", "country": "ESP"}}
    claim = _claim(FOREIGN, [{}, _at("PT"), {"locationCodeableConcept": {"coding": [
        {"system": systems.ISO3166, "code": "FR"}]}}], facility={"reference": "Location/loc-1"})
    inp = read_fhir({"resourceType": "Bundle", "type": "collection",
                     "entry": [{"resource": claim}, {"resource": location}]})
    assert inp.outcomes == [] and inp.lines["country"].to_list() == ["ES", "PT", "FR"]
    # a Location contained in the Claim, by the item's locationReference (the other item is in the
    # Netherlands, where this provider has no AGB code)
    claim = _claim(FOREIGN, [{"locationReference": {"reference": "#loc"}}, {}])
    claim["contained"].append({"resourceType": "Location", "id": "loc", "address": {"country": "BE"}})
    inp = read_fhir(claim)
    assert inp.lines["country"].to_list() == ["BE"] and _errors(inp) == [(2, "8011")]


def test_a_dutch_profiles_country_name_is_read_by_its_iso_code():
    def named(name: str, system: str, code: str) -> dict:
        return {"locationAddress": {"country": name, "_country": {"extension": [{
            "url": systems.CODE_SPECIFICATION, "valueCodeableConcept": {"coding": [{"system": system, "code": code}]}}]}}}
    gba = "urn:oid:2.16.840.1.113883.2.4.4.16.34"      # the Dutch GBA country table: not ISO 3166
    inp = read_fhir(_claim(FOREIGN, [named("Duitsland", systems.ISO3166, "DE"), named("Allemagne", gba, "6029"),
                                     named("Duitsland", gba, "6029")]))
    # a code of another table says nothing: the name decides, when it is a Dutch or English one
    assert inp.lines["country"].to_list() == ["DE", "DE"] and _errors(inp) == [(2, "8002")]
    assert _issues(inp)[0][0] == "Claim.item[1].locationAddress.country"


def test_a_country_that_is_no_code_is_that_items_error_and_the_others_are_kept():
    inp = read_fhir(_claim(FOREIGN, [_at("DE"), _at("Espanha"), _at("XX"), _at("DE")]))
    assert inp.lines["line_id"].to_list() == ["INV-1-1", "INV-1-4"]
    assert _errors(inp) == [(2, "8002"), (3, "8002")]
    (where, text), (where3, _) = _issues(inp)
    assert where == "Claim.item[1].locationAddress.country" and where3 == "Claim.item[2].locationAddress.country"
    assert "'Espanha' is no ISO 3166-1 country code" in text and "alpha-3" in text
    assert all(i["code"] == "value" for o in inp.outcomes for i in o["issue"])


def test_a_bad_country_of_the_facility_names_the_location():
    claim = _claim(FOREIGN, [{}], facility={"reference": "#loc"})
    claim["contained"].append({"resourceType": "Location", "id": "loc", "address": {"country": "Allemagne"}})
    inp = read_fhir(claim)
    assert inp.lines.height == 0 and "Claim.facility.resolve().address.country" in dict(_issues(inp))


def test_a_provider_abroad_is_not_named_by_an_agb_code():
    """The rule every input follows (domain.provider_id): an AGB code names a Dutch provider, so an
    item abroad from a provider with one is refused; so is an identifier that is too long. An item
    in the Netherlands of that Claim is kept."""
    inp = read_fhir(_claim(AGB + FOREIGN, [_at("BE"), {}]))
    assert inp.lines.select("country", "provider").rows() == [(None, "04123456")]
    assert _errors(inp) == [(1, "8011")]
    where, text = _issues(inp)[0]
    assert where == "Claim.provider.identifier" and "AGB" in text
    inp = read_fhir(_claim([{"system": IK, "value": "a name far too long for it"}], [_at("BE")]))
    assert inp.lines.height == 0 and _errors(inp) == [(1, "8011")]
    inp = read_fhir(_claim([], [_at("BE")]))
    assert _issues(inp) == [("Claim.provider", "the provider abroad has no identifier; give the one on its invoice")]


def test_a_provider_without_an_agb_code_is_refused_for_care_in_the_netherlands():
    # every item at home: the Claim as a whole (as before), saying how care abroad is said
    inp = read_fhir(_claim(FOREIGN, [{}, {}]))
    assert _errors(inp) == [(None, "8011"), (1, "8002"), (2, "8002")]
    assert "locationAddress" in _issues(inp)[0][1]
    # one item abroad: only the item at home is refused
    inp = read_fhir(_claim(FOREIGN, [_at("DE"), {}]))
    assert inp.lines["line_id"].to_list() == ["INV-1-1"] and _errors(inp) == [(2, "8011")]


def test_an_item_abroad_is_held_for_a_person_and_its_provider_answered_as_given():
    from zorgclaim.engine import adjudicate
    from zorgclaim.formats.fhir.response_out import responses
    from zorgclaim.policy import load_library
    from zorgclaim.reference import load_reference
    from zorgclaim.scenarios.runner import load_scenario, scenario_world
    library, reference = load_library(), load_reference()
    world = scenario_world(load_scenario(SCEN / "review_care_abroad_held.yaml"), library, reference)
    claim = _claim(FOREIGN, [_at("DE") | {"productOrService": {"coding": [
        {"system": systems.SERVICE_CODE, "code": "ambulance/I010"}]}, "net": {"value": 1200.0, "currency": "EUR"}}])
    inp = read_fhir(claim)
    d, _ = adjudicate(inp.lines, world)
    assert d.select("status", "review").rows() == [("pended", "care-abroad")]
    out = responses(inp, d, reference, dt.date(2025, 8, 21))
    cr, eob = (e["resource"] for e in out["entry"][:2])
    assert cr["outcome"] == "queued" and "in behandeling" in cr["disposition"]
    assert eob["provider"] == {"identifier": {"system": IK, "value": "269999990"}}


def test_the_claim_of_a_dutch_provider_is_read_as_before():
    claim = _claim(AGB, [{}])
    before = copy.deepcopy(claim)
    inp = read_fhir(claim)
    assert claim == before and inp.errors == {} and inp.lines["provider"].to_list() == ["04123456"]


def test_a_country_written_out_in_dutch_or_english_is_read():
    inp = read_fhir(_claim(FOREIGN, [_at("Duitsland"), _at("Spain")]))
    assert inp.lines["country"].to_list() == ["DE", "ES"] and not _issues(inp)


def test_the_netherlands_written_out_is_care_at_home():
    inp = read_fhir(_claim(AGB, [_at("Nederland"), _at("Netherlands")]))
    assert inp.lines.select("country", "provider").rows() == [("NL", "04123456"), ("NL", "04123456")]
    assert not _issues(inp)
