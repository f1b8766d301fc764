"""FHIR R4: a Bundle of Claims in, ClaimResponse and ExplanationOfBenefit out (validated by
fhir.resources), bad resources as OperationOutcome naming the path."""

import copy
import datetime as dt
import json
from pathlib import Path

from zorgclaim.engine import adjudicate
from zorgclaim.formats.fhir.claim_in import read_fhir
from zorgclaim.formats.fhir.response_out import responses, return_code_system
from zorgclaim.scenarios.runner import load_scenario, scenario_world

HERE = Path(__file__).parent
DOC = json.loads((HERE / "fhir" / "claim-bundle.json").read_text())


def test_claim_bundle_to_responses(library, reference):
    inp = read_fhir(DOC)
    assert inp.outcomes == []
    assert inp.lines.select("line_id", "member_id", "bsn", "provider", "code", "declared", "diagnosis", "csi").rows() == [
        ("F2025-7-1", "M1", "111222333", "04123456", "fysio/1000", 3850, "7023", "012"),
        ("F2025-7-2", "M1", "111222333", "04123456", "fysio/1000", 3650, "7023", "012")]
    world = scenario_world(load_scenario(HERE / "scenarios" / "design_example_artrose_tariff.yaml"), library, reference)
    d, _ = adjudicate(inp.lines, world)
    out = responses(inp, d, reference, dt.date(2025, 5, 3))
    kinds = [e["resource"]["resourceType"] for e in out["entry"]]
    assert kinds == ["ClaimResponse", "ExplanationOfBenefit", "CodeSystem"]
    cr = out["entry"][0]["resource"]
    # R4: outcome says processing finished; the payment result is in the disposition and the items
    assert cr["outcome"] == "complete" and "gedeeltelijk toegewezen" in cr["disposition"]
    first = {a["category"]["coding"][0]["code"]: a for a in cr["item"][0]["adjudication"]}
    assert first["submitted"]["amount"]["value"] == 38.5 and first["eligible"]["amount"]["value"] == 36.5
    assert first["deductible"]["amount"]["value"] == 36.5 and first["benefit"]["amount"]["value"] == 36.5
    assert first["eligible"]["reason"]["coding"][0]["code"] == "0611"
    assert any("gecontracteerd tarief" in n["text"] for n in cr["processNote"])
    eob = out["entry"][1]["resource"]
    assert eob["payment"]["amount"]["value"] == 73.0
    # the patient is named by member number: the BSN the Claim carried is not sent back
    assert cr["patient"] == {"identifier": {"system": "urn:zorgclaim:member-number", "value": "M1"}}
    assert "111222333" not in json.dumps(out)


def test_bad_resource_gives_operation_outcome_with_path():
    bad = copy.deepcopy(DOC)
    bad["entry"][0]["resource"]["item"][1]["net"]["value"] = "lots"
    inp = read_fhir(bad)
    assert inp.lines.height == 0 and len(inp.outcomes) == 1
    oo = inp.outcomes[0]
    assert oo["resourceType"] == "OperationOutcome"
    assert any("Bundle.entry[0].resource.item[1].net.value" in i["expression"][0] for i in oo["issue"])


def test_missing_identifiers_are_named():
    bad = copy.deepcopy(DOC)
    bad["entry"][0]["resource"]["contained"][1]["identifier"] = []
    inp = read_fhir(bad)
    assert "agb-z" in inp.outcomes[0]["issue"][0]["diagnostics"]


def test_return_code_system_validates(reference):
    cs = return_code_system(reference)
    assert cs["url"] == "urn:zorgclaim:CodeSystem:vektis-cod954" and any(c["code"] == "8983" for c in cs["concept"])


def test_referenced_resources_in_the_bundle(library, reference):
    doc = copy.deepcopy(DOC)
    claim = doc["entry"][0]["resource"]
    patient, provider = claim["contained"][0], claim["contained"][1]
    claim["contained"] = claim["contained"][2:]
    claim["patient"] = {"reference": "Patient/p1"}
    claim["provider"] = {"reference": "Organization/o1"}
    claim["contained"][1]["beneficiary"] = {"reference": "Patient/p1"}
    doc["entry"] += [{"resource": dict(patient, id="p1")}, {"resource": dict(provider, id="o1")}]
    inp = read_fhir(doc)
    assert inp.outcomes == [] and inp.lines["member_id"].to_list() == ["M1", "M1"]
    assert inp.lines["provider"].to_list() == ["04123456", "04123456"]


def _claims_bundle(*claims):
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": c} for c in claims]}


def _claim(identifier: str, amount: float, member: str | None = "M1") -> dict:
    c = copy.deepcopy(DOC["entry"][0]["resource"])
    c["identifier"] = [{"system": "urn:test", "value": identifier}]
    c.pop("id", None)
    for it in c["item"]:
        it["net"]["value"] = amount
    if member is None:
        c["contained"][0]["identifier"] = [i for i in c["contained"][0]["identifier"]
                                           if i["system"] != "urn:zorgclaim:member-number"]
        for r in c["contained"]:
            r.pop("subscriberId", None)
    return c


def test_every_claim_is_answered_by_its_own_response_whatever_its_identifier(library, reference):
    world = scenario_world(load_scenario(HERE / "scenarios" / "design_example_artrose_tariff.yaml"), library, reference)
    # two Claims with one identifier; an identifier with '_' and '/'; a Claim without a member number
    inp = read_fhir(_claims_bundle(_claim("C-7", 60.0), _claim("C-7", 90.0), _claim("INV_2025/0001", 38.5),
                                   _claim("NOMEMBER", 38.5, member=None)))
    d, _ = adjudicate(inp.lines, world)
    out = responses(inp, d, reference, dt.date(2025, 5, 3))
    crs = [e["resource"] for e in out["entry"] if e["resource"]["resourceType"] == "ClaimResponse"]
    assert len(crs) == 4 and len({c["id"] for c in crs}) == 4            # one per Claim, ids unique and valid
    first, second, odd, nomember = crs
    submitted = lambda cr: cr["total"][0]["amount"]["value"]  # noqa: E731
    assert submitted(first) == 120.0                                      # its own two items of 60.00
    assert second["outcome"] == "error" and second["error"][0]["code"]["coding"][0]["code"] == "8021"
    assert "item" not in second                                           # never the first Claim's data
    assert odd["id"].startswith("cr-INV-2025-0001") and odd["outcome"] == "complete"
    assert nomember["outcome"] == "error" and nomember["error"][0]["code"]["coding"][0]["code"] == "0300"
    eobs = [e["resource"] for e in out["entry"] if e["resource"]["resourceType"] == "ExplanationOfBenefit"]
    url_of = {e["resource"].get("id"): e["fullUrl"] for e in out["entry"]}  # in the Bundle: by fullUrl
    assert all(e["claimResponse"]["reference"] == url_of[c["id"]] for e, c in zip(eobs, crs))
    assert all("fullUrl" in e for e in out["entry"])
    text = json.dumps(out)
    assert '"#' not in text                                               # no reference to a contained resource dangles


def test_an_item_that_cannot_be_mapped_is_answered_not_dropped(library, reference):
    world = scenario_world(load_scenario(HERE / "scenarios" / "design_example_artrose_tariff.yaml"), library, reference)
    c = _claim("C-9", 38.5)
    c["item"][1]["productOrService"]["coding"][0]["system"] = "http://www.ama-assn.org/go/cpt"
    inp = read_fhir(_claims_bundle(c))
    d, _ = adjudicate(inp.lines, world)
    cr = responses(inp, d, reference, dt.date(2025, 5, 3))["entry"][0]["resource"]
    assert cr["outcome"] == "partial" and [i["itemSequence"] for i in cr["item"]] == [1]
    assert cr["error"][0]["itemSequence"] == 2 and cr["error"][0]["code"]["coding"][0]["code"] == "0582"


def test_a_bundle_without_claims_is_refused_with_a_message():
    inp = read_fhir({"resourceType": "Bundle", "type": "collection", "entry": []})
    assert inp.lines.height == 0 and "holds no Claim" in inp.outcomes[0]["issue"][0]["diagnostics"]


def test_codes_of_systems_not_decided_here_are_refused_not_misread(library, reference):
    c = _claim("C-11", 38.5)
    c["diagnosis"] = [{"sequence": 1, "diagnosisCodeableConcept": {"coding": [
        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M96.1"}]}}]
    inp = read_fhir(_claims_bundle(c))
    assert inp.lines.height == 0
    assert {(seq, code) for seq, code, _ in inp.errors["C-11"]} == {(1, "8009"), (2, "8009")}
    assert "icd-10-cm" in inp.errors["C-11"][0][2]


def test_references_by_full_url_and_by_identifier_are_resolved():
    c = _claim("C-12", 38.5)
    patient = c["contained"][0]
    c["contained"] = [r for r in c["contained"] if r["id"] not in ("p", "prov")]
    c["patient"] = {"reference": "urn:uuid:2d5e1b3a-0000-4000-8000-000000000001"}
    c["provider"] = {"identifier": {"system": "http://fhir.nl/fhir/NamingSystem/agb-z", "value": "04123456"}}
    for r in c["contained"]:
        if r["resourceType"] == "Coverage":
            r["beneficiary"] = {"reference": "urn:uuid:2d5e1b3a-0000-4000-8000-000000000001"}
    doc = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:2d5e1b3a-0000-4000-8000-000000000001", "resource": dict(patient, id="pat-1")},
        {"resource": c}]}
    inp = read_fhir(doc)
    assert inp.outcomes == [] and set(inp.lines["member_id"]) == {"M1"} and set(inp.lines["provider"]) == {"04123456"}


def test_a_preauthorization_or_predetermination_is_never_paid_as_a_claim(library, reference):
    for use in ("preauthorization", "predetermination"):
        c = _claim(f"C-{use}", 38.5)
        c["use"] = use
        inp = read_fhir(_claims_bundle(c))
        assert inp.lines.height == 0
        cr = responses(inp, inp.lines.head(0).with_columns(), reference, dt.date(2025, 5, 3))["entry"][0]["resource"]
        assert cr["outcome"] == "error" and cr["error"][0]["code"]["coding"][0]["code"] == "8002"
        assert "total" not in cr or all(t["amount"]["value"] == 0 for t in cr["total"])


def test_each_problem_is_an_issue_with_its_own_code():
    c = _claim("C-13", 38.5, member=None)
    c["contained"][1]["identifier"] = []                 # no AGB either
    inp = read_fhir(_claims_bundle(c, _claim("C-13", 38.5)))
    first = inp.outcomes[0]["issue"]
    assert [i["code"] for i in first] == ["required", "required"]
    assert inp.outcomes[1]["issue"][0]["code"] == "duplicate"
    assert read_fhir({"resourceType": "Patient"}).outcomes[0]["issue"][0]["code"] == "not-supported"


def test_a_reference_that_finds_nobody_is_named_without_a_bsn_in_it(library, reference):
    c = _claim("C-13", 38.5)
    c["contained"] = [r for r in c["contained"] if r["id"] != "p"]
    c["patient"] = {"reference": "Patient/999999990"}       # a client that uses the BSN as the resource id
    for r in c["contained"]:
        if r["resourceType"] == "Coverage":
            r.pop("subscriberId", None)
            r["beneficiary"] = {"display": "the patient"}
    inp = read_fhir({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": c}]})
    out = json.dumps(responses(inp, None, reference, dt.date(2025, 5, 3))) + json.dumps(inp.outcomes)
    assert "999999990" not in out and "Patient/... is not contained in the Claim nor an entry of the Bundle" in out
