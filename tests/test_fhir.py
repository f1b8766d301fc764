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
    assert cr["outcome"] == "partial"
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
