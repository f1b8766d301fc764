"""Public FHIR examples as real clients send them: six of the HL7 R4 Claim examples
(tests/fhir/hl7-r4: US claims - USD, US and example code systems, no Dutch identifiers) and a
Synthea patient Bundle (tests/fhir/synthea: urn:uuid references, conditional references, a
diagnosis as a Condition). Through the reader and responder `zorgclaim adjudicate` uses: each
Claim gets exactly one ClaimResponse whose `request` names it, every item is adjudicated or in
`error[]`, the output validates as R4B with no local reference dangling, and US codes are refused
with an issue naming their system, never read as ours (no claim line comes out of them)."""

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from fhir_support import assert_valid_and_resolved
from zorgclaim.formats.fhir import systems
from zorgclaim.formats.fhir.claim_in import read_fhir
from zorgclaim.formats.fhir.response_out import responses

HERE = Path(__file__).parent / "fhir"
HL7 = sorted((HERE / "hl7-r4").glob("Claim-*.json"))
SYNTHEA = HERE / "synthea" / "sample_complete_patient-trimmed.json"
TODAY = dt.date(2026, 11, 26)


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _of(bundle: dict, kind: str) -> list[dict]:
    return [e for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _answered(claim: dict, cr: dict) -> None:
    """No item disappears: each item of the Claim is adjudicated or has an error, and each error
    code is a Vektis return code of the CodeSystem the Bundle carries, with its meaning."""
    decided = {i["itemSequence"] for i in cr.get("item", [])}
    failed = {e["itemSequence"] for e in cr.get("error", []) if "itemSequence" in e}
    assert decided | failed == {i["sequence"] for i in claim.get("item", [])}
    for e in cr.get("error", []):
        coding = e["code"]["coding"][0]
        assert coding["system"] == systems.RETURN_CODES and coding["display"]


def test_the_examples_are_the_published_ones():
    """The six copied files are the R4 examples as published (identifier and use unchanged)."""
    kinds = {p.name: (_load(p)["type"]["coding"][0]["code"], _load(p)["use"]) for p in HL7}
    assert kinds == {"Claim-100152.json": ("oral", "claim"), "Claim-100153.json": ("oral", "preauthorization"),
                     "Claim-660150.json": ("vision", "claim"), "Claim-760150.json": ("pharmacy", "claim"),
                     "Claim-860150.json": ("professional", "claim"), "Claim-MED-00050.json": ("institutional", "claim")}


@pytest.mark.parametrize("path", HL7, ids=lambda p: p.stem)
def test_each_hl7_example_gets_one_claim_response_naming_every_problem(path, reference):
    claim = _load(path)
    inp = read_fhir(claim)
    assert inp.lines.height == 0                       # nothing of a US claim is read as a Dutch claim line
    out = responses(inp, None, reference, TODAY)
    assert_valid_and_resolved(out)
    (cr_entry,), (eob_entry,) = _of(out, "ClaimResponse"), _of(out, "ExplanationOfBenefit")
    cr = cr_entry["resource"]
    assert cr["request"]["identifier"] == claim["identifier"][0] and cr["request"]["display"] == f"Claim/{claim['id']}"
    assert cr["outcome"] == "error" and cr["use"] == claim["use"]
    assert eob_entry["resource"]["claimResponse"] == {"reference": cr_entry["fullUrl"]}
    _answered(claim, cr)
    whole = {e["code"]["coding"][0]["code"] for e in cr["error"] if "itemSequence" not in e}
    assert {"0300", "8011"} <= whole                   # no member number, no AGB code
    issues = [i for o in inp.outcomes for i in o["issue"]]
    for k, item in enumerate(claim["item"]):
        said = " ".join(i["diagnostics"] for i in issues if i["expression"][0].startswith(f"Claim.item[{k}]"))
        system = item["productOrService"]["coding"][0].get("system")
        assert (f"codes of {system}" if system else "a code without a system") in said
        assert "found USD" in said


def test_us_codes_are_refused_even_for_a_member_and_provider_we_know(reference):
    """MED-00050 with a Dutch member number and AGB code and without its USD total: the Claim is
    read, but its CPT service code, ICD-10 diagnoses and USD amount are each refused on the item
    (and HCPCS and ICD-10-CM likewise), never looked up as service codes or DCSPH."""
    claim = _load(HERE / "hl7-r4" / "Claim-MED-00050.json")
    claim["contained"][0]["identifier"] = [{"system": systems.MEMBER, "value": "M1"}]
    claim["provider"] = {"identifier": {"system": systems.AGB, "value": "04123456"}}
    claim.pop("total")
    hcpcs = copy.deepcopy(claim)
    hcpcs["item"][0]["productOrService"]["coding"][0].update(system="https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
                                                             code="G0283")
    for d in hcpcs["diagnosis"]:
        d["diagnosisCodeableConcept"]["coding"][0]["system"] = "http://hl7.org/fhir/sid/icd-10-cm"
    inp = read_fhir({"resourceType": "Bundle", "type": "collection",
                     "entry": [{"resource": claim}, {"resource": dict(hcpcs, id="MED-00050-b",
                                                                      identifier=[{"value": "MED-00050-b"}])}]})
    assert inp.lines.height == 0
    for key, (cpt, icd) in zip(("MED-00050", "MED-00050-b"), (("ama-assn.org/go/cpt", "sid/icd-10,"),
                                                              ("HCPCSReleaseCodeSets", "sid/icd-10-cm,"))):
        errors = inp.errors[key]
        assert all(seq == 1 for seq, _, _ in errors)   # the Claim itself is fine now: only its item is refused
        by_code = {code: text for _, code, text in errors}
        assert cpt in by_code["0582"] and icd in by_code["8009"] and "found USD" in by_code["0611"]
    cr = _of(responses(inp, None, reference, TODAY), "ClaimResponse")[0]["resource"]
    assert cr["outcome"] == "error" and "item" not in cr and cr["disposition"].startswith("1 regel: ")


def test_a_bundle_of_the_hl7_examples_answers_each_claim_once(reference):
    claims = [_load(p) for p in HL7]
    inp = read_fhir({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": c} for c in claims]})
    out = responses(inp, None, reference, TODAY)
    assert_valid_and_resolved(out)
    crs = [e["resource"] for e in _of(out, "ClaimResponse")]
    assert len(crs) == len(claims) == len({cr["id"] for cr in crs})
    for claim, cr in zip(claims, crs):
        assert cr["request"]["identifier"] == claim["identifier"][0]
        _answered(claim, cr)


def test_a_synthea_bundle_is_answered_claim_by_claim(reference):
    doc = _load(SYNTHEA)
    claims = [e for e in doc["entry"] if e["resource"]["resourceType"] == "Claim"]
    inp = read_fhir(doc)
    assert inp.lines.height == 0
    out = responses(inp, None, reference, TODAY)
    assert_valid_and_resolved(out)
    crs = [e["resource"] for e in _of(out, "ClaimResponse")]
    assert len(crs) == len(claims) == 3
    for entry, cr, (key, _) in zip(claims, crs, inp.claims):
        # the Claim has no identifier: its Bundle entry's fullUrl names it (urn:uuid, as a URI identifier)
        assert cr["request"]["identifier"] == {"system": "urn:ietf:rfc:3986", "value": entry["fullUrl"]}
        _answered(entry["resource"], cr)
        texts = {code: text for _, code, text in inp.errors[key]}
        # the Patient was found by its urn:uuid: what it lacks is said, not that it is missing
        assert "the patient has no member number" in texts["0300"] and "us-ssn" in texts["0300"]
        # the provider is a conditional reference: its identifier stands for it
        assert "https://github.com/synthetichealth/synthea" in texts["8011"]
    first = inp.errors[inp.claims[0][0]]
    # the diagnosis is a Condition in the Bundle, coded in SNOMED CT: refused on the item that points to it
    assert any(seq == 2 and code == "8009" and "snomed.info/sct" in text for seq, code, text in first)
    text = json.dumps(out)
    assert "999-34-2070" not in text and "Gerlach374" not in text      # nothing of the person is echoed


def test_synthea_references_resolve_to_a_dutch_claim_line():
    """The Synthea Bundle's first Claim as a Dutch client could send it: the Patient (an
    urn:uuid entry) with a member number, the provider a conditional reference by AGB code, the
    diagnosis a Condition (urn:uuid) coded in DCSPH - the second item becomes a claim line with
    each of them; the first (SNOMED CT) is still refused."""
    doc = _load(SYNTHEA)
    res = {e["fullUrl"]: e["resource"] for e in doc["entry"]}
    res["urn:uuid:d5582579-7193-4866-5560-a01e723b6552"]["identifier"].append({"system": systems.MEMBER, "value": "M1"})
    res["urn:uuid:9a01d04d-86de-75e6-5c07-a4ba74966e68"]["code"]["coding"] = [{"system": systems.DCSPH, "code": "7023"}]
    claim = res["urn:uuid:d0fbb53e-5571-bf4f-50fe-f4257ee5b6f7"]
    claim["provider"] = {"reference": f"Organization?identifier={systems.AGB}|04123456"}
    claim.pop("total")
    claim["item"][1].update(productOrService={"coding": [{"system": systems.SERVICE_CODE, "code": "fysio/1000"}]},
                            servicedDate="2025-03-03", net={"value": 38.5, "currency": "EUR"})
    doc["entry"] = [e for e in doc["entry"] if e["resource"]["resourceType"] != "Claim" or e["resource"] is claim]
    inp = read_fhir(doc)
    assert inp.lines.select("line_id", "member_id", "provider", "code", "diagnosis", "declared").rows() == [
        ("d0fbb53e-5571-bf4f-50fe-f4257ee5b6f7-2", "M1", "04123456", "fysio/1000", "7023", 3850)]
    assert {code for seq, code, _ in inp.errors[inp.claims[0][0]] if seq == 1} == {"0582", "8007", "0611"}


def test_zorgclaim_adjudicate_answers_a_file_without_one_claim_line(tmp_path):
    """The adjudicate command's path (app.files): a file none of whose items becomes a claim line
    still gets its ClaimResponses, not only OperationOutcomes, and its problems are listed."""
    from zorgclaim.app.context import open_context
    from zorgclaim.app.files import adjudicate_file
    ctx = open_context(None, url=f"sqlite:///{tmp_path / 'store.db'}", data_dir=tmp_path)
    run = adjudicate_file(ctx, SYNTHEA, tmp_path / "out")
    out = json.loads(run.answer.read_text())
    assert len(_of(out, "ClaimResponse")) == 3 and run.decisions is None
    assert any("snomed.info/sct" in p for p in run.input.problems)
    assert_valid_and_resolved(out)
    ctx.engine.dispose()
