"""Decisions back out as FHIR: a ClaimResponse and an ExplanationOfBenefit per Claim, with
item.adjudication categories submitted / eligible / benefit / deductible, the Vektis return codes
as adjudication reasons (CodeSystem `urn:zorgclaim:CodeSystem:vektis-cod954`), and the
explanation steps as process notes. Every resource is validated with fhir.resources' models
before it is returned."""

from __future__ import annotations

import datetime as dt
import re
import uuid

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


def safe_id(key: str) -> str:
    """A FHIR id from a client's identifier (any characters): [A-Za-z0-9.-], at most 60."""
    return (re.sub(r"[^A-Za-z0-9.-]", "-", key).strip("-.") or "claim")[:60]


DISPOSITION = {"nl": {"accepted": "toegewezen", "partial": "gedeeltelijk toegewezen", "rejected": "afgewezen",
                      "pended": "in behandeling", "error": "niet te verwerken"},
               "en": {"accepted": "accepted", "partial": "partly accepted", "rejected": "rejected",
                      "pended": "held for review", "error": "could not be processed"}}


def _outcome_and_disposition(rows: list, errors: list, lang: str) -> tuple[str, str]:
    """R4: `outcome` says whether processing finished (complete), is waiting (queued), failed on
    errors in the Claim (error) or finished for part of it (partial); `disposition` says the result
    in words, item by item."""
    words = DISPOSITION.get(lang, DISPOSITION["nl"])
    counts: dict[str, int] = {}
    for _, d in rows:
        counts[d["status"]] = counts.get(d["status"], 0) + 1
    if errors:
        counts["error"] = len(errors)
    whole = any(seq is None for seq, _, _ in errors)
    outcome = ("error" if whole or not rows else "partial" if errors
               else "queued" if counts.get("pended") else "complete")
    text = ", ".join(f"{n} {words[s]}" for s, n in counts.items())
    return outcome, (f"{len(rows) + sum(1 for e in errors if e[0] is not None)} regels: {text}" if lang == "nl"
                     else f"{len(rows) + sum(1 for e in errors if e[0] is not None)} items: {text}") if not whole \
        else words["error"] + ": " + "; ".join(t.split(": ", 1)[-1] for _, _, t in errors)


def _resources(key: str, claim, rows: list, reference, today: dt.date, lang: str, errors: list | None = None,
               ids: tuple[str, str] | None = None) -> tuple[dict, dict]:
    """The ClaimResponse and ExplanationOfBenefit of one Claim as plain dicts (not yet validated);
    `rows`: (item sequence, decision row) of its items; `errors`: (item sequence or None, code,
    text) of what could not be mapped."""
    from zorgclaim.engine.explain import render_step
    errors = errors or []
    outcome, disposition = _outcome_and_disposition(rows, errors, lang)
    items, eob_items, notes, n = [], [], [], 0
    product_of = {i.sequence: i.productOrService.model_dump(mode="json", exclude_none=True) for i in claim.item or []}
    for seq, d in rows:
        adj = _adjudication(d, reference.return_code_meaning)
        items.append({"itemSequence": seq, "adjudication": adj})
        eob_items.append({"sequence": seq, "productOrService": product_of[seq], "adjudication": adj})
        for s in d["steps"] or []:
            n += 1
            notes.append({"number": n, "type": "display", "text": f"item {seq}: {render_step(s, lang)}"})
    for seq, code, text in errors:
        n += 1
        notes.append({"number": n, "type": "display", "text": text})
    decided = [(seq, d) for seq, d in rows if d["status"] != "pended"]
    total = [{"category": {"coding": [{"system": systems.ADJUDICATION, "code": cat}]},
              "amount": _money(sum(d[field] for _, d in (rows if cat == "submitted" else decided)))}
             for cat, field in (("submitted", "declared"), ("eligible", "allowed"), ("deductible", "deductible"),
                                ("benefit", "paid"))]
    common = {"status": "active", "type": claim.type.model_dump(mode="json", exclude_none=True),
              "use": claim.use if claim.use in ("claim", "predetermination") else "claim", "patient": _patient(rows),
              "created": today.isoformat(), "outcome": outcome, "disposition": disposition,
              "item": items or None, "total": total}
    if claim.insurer:
        common["insurer"] = _outside_ref(claim.insurer, "the insurer")
    else:
        common["insurer"] = {"display": "zorgclaim"}
    request = ({"reference": f"Claim/{claim.id}"} if claim.id else
               {"identifier": claim.identifier[0].model_dump(mode="json", exclude_none=True)} if claim.identifier
               else {"display": key})
    cr_id, eob_id = ids or (f"cr-{safe_id(key)}", f"eob-{safe_id(key)}")
    error = [{"itemSequence": seq, "code": {"coding": [{"system": systems.RETURN_CODES, "code": code,
                                                         "display": reference.return_code_meaning(code)}]}}
             if seq is not None else
             {"code": {"coding": [{"system": systems.RETURN_CODES, "code": code,
                                   "display": reference.return_code_meaning(code)}]}}
             for seq, code, _ in errors]
    cr = dict(common, resourceType="ClaimResponse", id=cr_id, request=request, processNote=notes or None,
              error=error or None)
    eob = dict(common, resourceType="ExplanationOfBenefit", id=eob_id, item=eob_items or None,
               provider=_provider(rows),
               insurance=[{"focal": True, "coverage": _outside_ref(claim.insurance[0].coverage, "the claim's coverage")}]
               if claim.insurance else [{"focal": True, "coverage": {"display": "unknown"}}],
               claim=request, claimResponse={"reference": f"ClaimResponse/{cr_id}"},
               processNote=notes or None,
               payment={"amount": _money(sum(d["paid"] for _, d in decided))})
    return ({k: v for k, v in cr.items() if v is not None}, {k: v for k, v in eob.items() if v is not None})


def _provider(rows: list) -> dict:
    """The provider by its AGB code (a reference into the Claim's contained resources would dangle here)."""
    agb = next((d.get("provider") for _, d in rows if d.get("provider")), None)
    return {"identifier": {"system": systems.AGB, "value": agb}} if agb else {"display": "the claim's provider"}


def _outside_ref(ref, display: str) -> dict:
    """A reference of the Claim as it can stand in a response: a contained one (#id) becomes a display."""
    d = ref.model_dump(mode="json", exclude_none=True)
    return {"display": d.get("display") or display} if str(d.get("reference", "")).startswith("#") else d


def _patient(rows: list) -> dict:
    """The patient by the insurer's member number - never the Claim's own reference, which may be
    a BSN identifier (a BSN is not sent back, nor kept in the stored answer)."""
    member = next((d.get("member_id") for _, d in rows if d.get("member_id")), None)
    return {"identifier": {"system": systems.MEMBER, "value": member}} if member else {"display": "the claim's patient"}


def _rows(inp: FhirInput, key: str, by_line: dict) -> list:
    return [(seq, by_line[lid]) for lid, (ck, seq) in inp.line_item.items() if ck == key and lid in by_line]


def responses(inp: FhirInput, decisions: pl.DataFrame, reference, today: dt.date, lang: str = "nl") -> dict:
    """A Bundle (collection) with a ClaimResponse and an ExplanationOfBenefit for every Claim (one
    that could not be mapped, or whose items could not, answered with its errors), every resource
    validated with fhir.resources' models, every entry with a fullUrl."""
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.claimresponse import ClaimResponse
    from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
    by_line = _by_line(decisions)
    entries, used = [], set()
    for key, claim in inp.claims:
        rows = _rows(inp, key, by_line)
        errors = inp.errors.get(key, [])
        if not rows and not errors:
            continue
        base, k = safe_id(key), 1
        while base in used:                         # two identifiers may map to the same safe id
            k += 1
            base = f"{safe_id(key)[:55]}-{k}"
        used.add(base)
        cr, eob = _resources(key, claim, rows, reference, today, lang, errors, (f"cr-{base}", f"eob-{base}"))
        for res, model in ((cr, ClaimResponse), (eob, ExplanationOfBenefit)):
            entries.append({"fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, res['resourceType'] + '/' + res['id'])}",
                            "resource": model.model_validate(res).model_dump(mode="json", exclude_none=True)})
    for o in inp.outcomes:
        entries.append({"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": o})
    cs = return_code_system(reference)              # so every reason code resolves
    entries.append({"fullUrl": systems.RETURN_CODES if systems.RETURN_CODES.startswith("http") else f"urn:uuid:{uuid.uuid4()}",
                    "resource": cs})
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
    errors = inp.errors.get(key, [])
    if not rows and not errors:
        return None
    cr, _ = _resources(key, claim, rows, reference, today, lang, errors)
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
