"""Decisions back out as FHIR: a ClaimResponse and an ExplanationOfBenefit per Claim, with
item.adjudication categories submitted / eligible / benefit / deductible, the Vektis return codes
as adjudication reasons (CodeSystem `urn:zorgclaim:CodeSystem:vektis-cod954`), and the
explanation steps as process notes. Every resource is validated with fhir.resources' models
before it is returned."""

from __future__ import annotations

import datetime as dt

import polars as pl

from zorgclaim.domain.money import to_euros
from zorgclaim.formats.fhir import systems
from zorgclaim.formats.fhir.claim_in import FhirInput


def _money(cents: int) -> dict:
    return {"value": float(to_euros(cents)), "currency": "EUR"}


def _adjudication(d: dict, reason_meaning) -> list[dict]:
    if d["status"] == "pended":   # held for a person: nothing is decided yet, only what was asked
        return [{"category": {"coding": [{"system": systems.ADJUDICATION, "code": "submitted"}]},
                 "amount": _money(d["declared"])}]
    reason = None
    if d["codes"]:
        c = d["codes"][0]
        reason = {"coding": [{"system": systems.RETURN_CODES, "code": c, "display": reason_meaning(c)}]}
    items = []
    for cat, cents in (("submitted", d["declared"]), ("eligible", d["allowed"]),
                       ("deductible", d["deductible"]), ("benefit", d["paid"])):
        a = {"category": {"coding": [{"system": systems.ADJUDICATION, "code": cat}]}, "amount": _money(cents)}
        if reason and cat == "eligible":
            a["reason"] = reason
        items.append(a)
    return items


def _by_line(decisions: pl.DataFrame) -> dict:
    return {r["line_id"]: r for r in decisions.unique("line_id", keep="first").iter_rows(named=True)} if decisions.height else {}


def _resources(key: str, claim, rows: list, reference, today: dt.date, lang: str) -> tuple[dict, dict]:
    """The ClaimResponse and ExplanationOfBenefit of one Claim as plain dicts (not yet validated);
    `rows`: (item sequence, decision row) of its items."""
    from zorgclaim.engine.explain import render_step
    statuses = {d["status"] for _, d in rows}
    outcome = ("queued" if "pended" in statuses else "complete" if statuses == {"accepted"}
               else ("error" if statuses == {"rejected"} else "partial"))
    items, eob_items, notes, n = [], [], [], 0
    product_of = {i.sequence: i.productOrService.model_dump(mode="json", exclude_none=True) for i in claim.item or []}
    for seq, d in rows:
        adj = _adjudication(d, reference.return_code_meaning)
        items.append({"itemSequence": seq, "adjudication": adj})
        eob_items.append({"sequence": seq, "productOrService": product_of[seq], "adjudication": adj})
        for s in d["steps"] or []:
            n += 1
            notes.append({"number": n, "type": "display", "text": f"item {seq}: {render_step(s, lang)}"})
    decided = [(seq, d) for seq, d in rows if d["status"] != "pended"]
    total = [{"category": {"coding": [{"system": systems.ADJUDICATION, "code": cat}]},
              "amount": _money(sum(d[field] for _, d in (rows if cat == "submitted" else decided)))}
             for cat, field in (("submitted", "declared"), ("eligible", "allowed"), ("deductible", "deductible"),
                                ("benefit", "paid"))]
    common = {"status": "active", "type": claim.type.model_dump(mode="json", exclude_none=True),
              "use": "claim", "patient": _patient(rows),
              "created": today.isoformat(), "outcome": outcome, "item": items, "total": total}
    if claim.insurer:
        common["insurer"] = claim.insurer.model_dump(mode="json", exclude_none=True)
    else:
        common["insurer"] = {"display": "zorgclaim"}
    cr = dict(common, resourceType="ClaimResponse", id=f"cr-{key}",
              request={"reference": f"Claim/{claim.id}"} if claim.id else {"display": key},
              processNote=notes or None)
    eob = dict(common, resourceType="ExplanationOfBenefit", id=f"eob-{key}", item=eob_items,
               provider=claim.provider.model_dump(mode="json", exclude_none=True),
               insurance=[{"focal": True, "coverage": claim.insurance[0].coverage.model_dump(mode="json", exclude_none=True)}]
               if claim.insurance else [{"focal": True, "coverage": {"display": "unknown"}}],
               claim={"reference": f"Claim/{claim.id}"} if claim.id else {"display": key},
               processNote=notes or None,
               payment={"amount": _money(sum(d["paid"] for _, d in decided))})
    return ({k: v for k, v in cr.items() if v is not None}, {k: v for k, v in eob.items() if v is not None})


def _patient(rows: list) -> dict:
    """The patient by the insurer's member number - never the Claim's own reference, which may be
    a BSN identifier (a BSN is not sent back, nor kept in the stored answer)."""
    member = next((d.get("member_id") for _, d in rows if d.get("member_id")), None)
    return {"identifier": {"system": systems.MEMBER, "value": member}} if member else {"display": "the claim's patient"}


def _rows(inp: FhirInput, key: str, by_line: dict) -> list:
    return [(seq, by_line[lid]) for lid, (ck, seq) in inp.line_item.items() if ck == key and lid in by_line]


def responses(inp: FhirInput, decisions: pl.DataFrame, reference, today: dt.date, lang: str = "nl") -> dict:
    """A Bundle (collection) with a ClaimResponse and an ExplanationOfBenefit per Claim, every
    resource validated with fhir.resources' models."""
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.claimresponse import ClaimResponse
    from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
    by_line = _by_line(decisions)
    entries = []
    for key, claim in inp.claims:
        rows = _rows(inp, key, by_line)
        if not rows:
            continue
        cr, eob = _resources(key, claim, rows, reference, today, lang)
        entries += [{"resource": ClaimResponse.model_validate(cr).model_dump(mode="json", exclude_none=True)},
                    {"resource": ExplanationOfBenefit.model_validate(eob).model_dump(mode="json", exclude_none=True)}]
    for o in inp.outcomes:
        entries.append({"resource": o})
    entries.append({"resource": return_code_system(reference)})  # so every reason code resolves
    bundle = Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "entry": entries})
    return bundle.model_dump(mode="json", exclude_none=True)


def claim_response(inp: FhirInput, decisions: pl.DataFrame, reference, today: dt.date, lang: str = "nl",
                   validate: bool = False) -> dict | None:
    """The ClaimResponse of the (first) Claim alone, for an answer in real time: built as
    `responses` builds it (tests validate that output), validated here only when asked."""
    if not inp.claims:
        return None
    key, claim = inp.claims[0]
    rows = _rows(inp, key, _by_line(decisions))
    if not rows:
        return None
    cr, _ = _resources(key, claim, rows, reference, today, lang)
    if validate:
        from fhir.resources.R4B.claimresponse import ClaimResponse
        cr = ClaimResponse.model_validate(cr).model_dump(mode="json", exclude_none=True)
    return cr


def return_code_system(reference) -> dict:
    """The Vektis return codes (COD954, as far as this project knows them) as a FHIR CodeSystem."""
    from fhir.resources.R4B.codesystem import CodeSystem
    concepts = [{"code": r["code"], "display": r["meaning"]} for r in reference.return_codes.iter_rows(named=True)]
    cs = CodeSystem.model_validate({"resourceType": "CodeSystem", "id": "vektis-cod954", "url": systems.RETURN_CODES,
                                    "name": "VektisRetourcodes", "status": "draft", "content": "fragment",
                                    "concept": concepts})
    return cs.model_dump(mode="json", exclude_none=True)
