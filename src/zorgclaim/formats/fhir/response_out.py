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


def _by_line(decisions: pl.DataFrame | None) -> dict:
    if decisions is None or decisions.height == 0:
        return {}
    by_line: dict = {}
    for r in decisions.iter_rows(named=True):     # the first row of a line id (a plain read: no polars query)
        by_line.setdefault(r["line_id"], r)
    return by_line


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
    in words, item by item (an item with errors counted once)."""
    words = DISPOSITION.get(lang, DISPOSITION["nl"])
    whole = [text for seq, _, text in errors if seq is None]
    if whole:
        return "error", words["error"] + ": " + "; ".join(t.split(": ", 1)[-1] for t in whole)
    counts: dict[str, int] = {}
    for _, d in rows:
        counts[d["status"]] = counts.get(d["status"], 0) + 1
    failed = {seq for seq, _, _ in errors}
    if failed:
        counts["error"] = len(failed)
    outcome = ("error" if not rows else "partial" if failed else "queued" if counts.get("pended") else "complete")
    text = ", ".join(f"{n} {words[s]}" for s, n in counts.items())
    n = len(rows) + len(failed)
    noun = ("regel" if n == 1 else "regels") if lang == "nl" else ("item" if n == 1 else "items")
    return outcome, f"{n} {noun}: {text}"


def _unanswered(claim, rows: list, errors: list) -> list:
    """An error (8002, not assessed) for each item of the Claim that has neither a decision nor an
    error - e.g. a line held, not decided: no item disappears from a response."""
    answered = {seq for seq, _ in rows} | {seq for seq, _, _ in errors}
    return [(i.sequence, "8002", f"item {i.sequence}: not assessed: no decision was made for it")
            for i in claim.item or [] if i.sequence not in answered]


def _request(claim, key: str, full_url: str | None) -> dict:
    """The Claim answered, as its sender knows it: by its identifier (else its Bundle entry's
    fullUrl as a URI identifier), and by an absolute fullUrl - never by a relative, contained or
    urn:uuid reference, which would not resolve where the response is read (the Claim is not kept
    here as a FHIR resource)."""
    ref = {"type": "Claim"}
    if full_url and full_url.startswith(("http://", "https://")):
        ref["reference"] = full_url
    if claim.identifier:
        ref["identifier"] = claim.identifier[0].model_dump(mode="json", exclude_none=True)
    elif full_url:
        ref["identifier"] = {"system": "urn:ietf:rfc:3986", "value": full_url}
    ref["display"] = f"Claim/{claim.id}" if claim.id else key
    return ref


def _resources(key: str, claim, rows: list, reference, today: dt.date, lang: str, errors: list | None = None,
               ids: tuple[str, str] | None = None, full_url: str | None = None,
               foreign: dict | None = None) -> tuple[dict, dict]:
    """The ClaimResponse and ExplanationOfBenefit of one Claim as plain dicts (not yet validated);
    `rows`: (item sequence, decision row) of its items; `errors`: (item sequence or None, code,
    text) of what could not be mapped; `ids`: the ClaimResponse's id and the reference the EOB
    uses for it (its fullUrl in a Bundle); `foreign`: the identifier of its provider abroad."""
    from zorgclaim.engine.explain import render_step
    errors = (errors or []) + _unanswered(claim, rows, errors or [])
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
              "use": claim.use, "patient": _patient(rows), "created": today.isoformat(), "outcome": outcome,
              "disposition": disposition, "item": items or None, "total": total,
              "insurer": _outside_ref(claim.insurer, "the insurer") if claim.insurer else {"display": "zorgclaim"}}
    request = _request(claim, key, full_url)
    cr_id, cr_ref = ids or (f"cr-{safe_id(key)}", f"ClaimResponse/cr-{safe_id(key)}")
    error = [({"itemSequence": seq} if seq is not None else {})
             | {"code": {"coding": [{"system": systems.RETURN_CODES, "code": code,
                                     "display": reference.return_code_meaning(code)}]}}
             for seq, code, _ in errors]
    cr = dict(common, resourceType="ClaimResponse", id=cr_id, request=request, processNote=notes or None,
              error=error or None)
    eob = dict(common, resourceType="ExplanationOfBenefit", id=f"eob-{cr_id.removeprefix('cr-')}",
               item=eob_items or None, provider=_provider(rows, foreign),
               insurance=[{"focal": True, "coverage": _outside_ref(claim.insurance[0].coverage, "the claim's coverage")}]
               if claim.insurance else [{"focal": True, "coverage": {"display": "unknown"}}],
               claim=request, claimResponse={"reference": cr_ref}, processNote=notes or None,
               payment={"amount": _money(sum(d["paid"] for _, d in decided))})
    return ({k: v for k, v in cr.items() if v is not None}, {k: v for k, v in eob.items() if v is not None})


def _provider(rows: list, foreign: dict | None = None) -> dict:
    """The provider by its AGB code, or abroad by its own identifier as the Claim gave it (a
    reference into the Claim's contained resources would dangle here)."""
    agb = next((d.get("provider") for _, d in rows if d.get("provider")), None)
    if foreign is not None and agb == foreign["value"]:
        return {"identifier": foreign}
    return {"identifier": {"system": systems.AGB, "value": agb}} if agb else {"display": "the claim's provider"}


def _outside_ref(ref, display: str) -> dict:
    """A reference of the Claim as it can stand in a response: only an absolute one is kept; a
    contained (#id), relative (Type/id), urn:uuid or conditional one would not resolve there, so
    its identifier and display stand instead."""
    d = ref.model_dump(mode="json", exclude_none=True)
    if not str(d.get("reference", "https://")).startswith(("http://", "https://")):
        d.pop("reference")
    return d if d.get("identifier") or d.get("display") else dict(d, display=display)


def _patient(rows: list) -> dict:
    """The patient by the insurer's member number - never the Claim's own reference, which may be
    a BSN identifier (a BSN is not sent back, nor kept in the stored answer)."""
    member = next((d.get("member_id") for _, d in rows if d.get("member_id")), None)
    return {"identifier": {"system": systems.MEMBER, "value": member}} if member else {"display": "the claim's patient"}


def _rows(inp: FhirInput, key: str, by_line: dict) -> list:
    return [(seq, by_line[lid]) for lid, (ck, seq) in inp.line_item.items() if ck == key and lid in by_line]


def responses(inp: FhirInput, decisions: pl.DataFrame | None, reference, today: dt.date, lang: str = "nl") -> dict:
    """A Bundle (collection) with a ClaimResponse and an ExplanationOfBenefit for every Claim (one
    that could not be mapped, or whose items could not, answered with its errors), every resource
    validated with fhir.resources' models, every entry with a fullUrl (`urn:uuid:`), each EOB's
    `claimResponse` the fullUrl of its ClaimResponse. `decisions` None: nothing was decided."""
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.claimresponse import ClaimResponse
    from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
    by_line = _by_line(decisions)
    entries, used = [], set()
    for key, claim in inp.claims:
        base, k = safe_id(key), 1
        while base in used:                         # two identifiers may map to the same safe id
            k += 1
            base = f"{safe_id(key)[:55]}-{k}"
        used.add(base)
        cr_url, eob_url = f"urn:uuid:{uuid.uuid4()}", f"urn:uuid:{uuid.uuid4()}"
        cr, eob = _resources(key, claim, _rows(inp, key, by_line), reference, today, lang, inp.errors.get(key, []),
                             (f"cr-{base}", cr_url), inp.full_urls.get(key), inp.foreign_providers.get(key))
        for res, model, url in ((cr, ClaimResponse, cr_url), (eob, ExplanationOfBenefit, eob_url)):
            entries.append({"fullUrl": url, "resource": model.model_validate(res).model_dump(mode="json", exclude_none=True)})
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
    cr, _ = _resources(key, claim, _rows(inp, key, _by_line(decisions)), reference, today, lang, inp.errors.get(key, []),
                       full_url=inp.full_urls.get(key), foreign=inp.foreign_providers.get(key))
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
