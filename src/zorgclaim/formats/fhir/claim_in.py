"""A FHIR Claim (or a Bundle of Claims) into claim lines.

Validated with fhir.resources' R4B models first; a bad resource gives an OperationOutcome whose
issues name the path (e.g. `Claim.item[0].net.value`). Patient, Coverage, Organization and
Practitioner may be contained (`#id`) or entries of the Bundle (`Type/id`).

Mapping: member number from the Patient identifier in `urn:zorgclaim:member-number` (else the
Coverage's subscriberId), BSN from `http://fhir.nl/fhir/NamingSystem/bsn`, the provider's AGB from
`http://fhir.nl/fhir/NamingSystem/agb-z`, each item a line: `<Claim.identifier or id>-<sequence>`,
productOrService in `urn:zorgclaim:service-code` (`fysio/1000`), servicedDate or servicedPeriod,
quantity, net (EUR; negative = credit), the diagnosis it points to (DCSPH), CSI from
supportingInfo with category `csi`, referral AGB from Claim.referral.identifier, authorization
from insurance[0].preAuthRef[0], received = Claim.created; a payee of type `subscriber` means
the member sent it in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

import polars as pl
from pydantic import ValidationError

from zorgclaim.domain.money import to_cents
from zorgclaim.domain.schema import LINE_SCHEMA
from zorgclaim.formats.fhir import systems


@dataclass
class FhirInput:
    claims: list                   # (key, validated Claim model): key unique within the input
    lines: pl.DataFrame
    line_item: dict[str, tuple[str, int]]   # line_id -> (claim key, item sequence)
    outcomes: list[dict]           # OperationOutcome resources for bad input
    # per claim key, what could not be mapped: (item sequence or None for the whole Claim, Vektis
    # return code, text); such a Claim or item is answered with an error, never left out
    errors: dict = None

    def __post_init__(self):
        if self.errors is None:
            self.errors = {}


def _outcome(path_prefix: str, err: ValidationError | str, code: str = "invalid") -> dict:
    """An OperationOutcome, one issue per problem, each with its IssueType code (`required`,
    `value`, `not-supported`, `duplicate`, ...)."""
    from fhir.resources.R4B.operationoutcome import OperationOutcome
    issues = []
    if isinstance(err, str):
        issues.append({"severity": "error", "code": code, "diagnostics": err, "expression": [path_prefix]})
    else:
        for e in err.errors()[:50]:
            path = path_prefix
            for p in e["loc"]:
                path += f"[{p}]" if isinstance(p, int) else f".{p}"
            kind = "required" if e.get("type") == "missing" else "value"
            issues.append({"severity": "error", "code": kind, "diagnostics": e["msg"], "expression": [path]})
    return OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": issues}).model_dump(mode="json", exclude_none=True)


def _ident(identifiers, system: str) -> str | None:
    for i in identifiers or []:
        if i.system == system and i.value:
            return i.value
    return None


def read_fhir(doc: dict, received: dt.date | None = None, uses: tuple[str, ...] = ("claim",)) -> FhirInput:
    """`uses`: the Claim.use values mapped to lines (a caller that answers a predetermination as an
    estimate passes it); any other use is answered with an error, never paid."""
    from fhir.resources.R4B.claim import Claim
    resources: dict[str, dict] = {}
    raw_claims: list[tuple[str, dict]] = []
    outcomes = []
    if doc.get("resourceType") == "Bundle":
        for n, entry in enumerate(doc.get("entry") or []):
            res = (entry or {}).get("resource") or {}
            if res.get("resourceType") == "Claim":
                raw_claims.append((f"Bundle.entry[{n}].resource", res))
            elif res.get("resourceType"):
                if res.get("id"):
                    resources[f"{res['resourceType']}/{res['id']}"] = res
                if (entry or {}).get("fullUrl"):          # urn:uuid:... or an absolute URL
                    resources[entry["fullUrl"]] = res
        if not raw_claims:
            outcomes.append(_outcome("Bundle.entry", "the Bundle holds no Claim: send Claim resources as its entries",
                                     "required"))
    elif doc.get("resourceType") == "Claim":
        raw_claims.append(("Claim", doc))
    else:
        outcomes.append(_outcome("resourceType", f"expected a Claim or a Bundle of Claims, found {doc.get('resourceType')!r}",
                                 "not-supported"))
    claims, rows, line_item, errors = [], [], {}, {}
    keys_seen: set[str] = set()
    for path, raw in raw_claims:
        try:
            claim = Claim.model_validate(raw)
        except ValidationError as e:
            outcomes.append(_outcome(path, e))
            continue
        contained = {f"#{c.id}": c for c in (claim.contained or [])}

        def resolve(ref):
            if ref is None:
                return None
            if ref.reference is None:          # a logical reference: the identifier stands for the resource
                return SimpleNamespace(identifier=[ref.identifier]) if ref.identifier else None
            if ref.reference in contained:
                return contained[ref.reference]
            hit = resources.get(ref.reference)
            if hit is None:
                return None
            from fhir.resources.R4B import get_fhir_model_class
            return get_fhir_model_class(hit["resourceType"]).model_validate(hit)

        patient = resolve(claim.patient)
        provider = resolve(claim.provider)
        coverage = resolve(claim.insurance[0].coverage) if claim.insurance else None
        member = _ident(getattr(patient, "identifier", None), systems.MEMBER) or getattr(coverage, "subscriberId", None)
        bsn = _ident(getattr(patient, "identifier", None), systems.BSN)
        agb = _ident(getattr(provider, "identifier", None), systems.AGB)
        client_key = _ident(claim.identifier, claim.identifier[0].system) if claim.identifier else None
        client_key = client_key or claim.id or path
        claim_key, n = client_key, 1
        while claim_key in keys_seen:           # the response key is unique; the line ids keep the client's
            n += 1
            claim_key = f"{client_key}#{n}"
        keys_seen.add(claim_key)
        claims.append((claim_key, claim))
        problems = []
        if member is None:
            problems.append((None, "0300", f"{path}.patient: no member number ({systems.MEMBER}) on the Patient or "
                                           "Coverage.subscriberId"))
        if agb is None:
            problems.append((None, "8011", f"{path}.provider: no AGB identifier ({systems.AGB}) on the provider"))
        if claim_key != client_key:
            problems.append((None, "8021", f"{path}.identifier: {client_key!r} is the identifier of an earlier Claim "
                                           "in this Bundle; send each Claim once"))
        if claim.use not in uses:
            # never paid as a claim: an authorization request goes to POST /api/v1/authorizations, an
            # estimate to POST /api/v1/estimate (not yet from a FHIR Claim: record not assessed)
            where = {"preauthorization": "ask it with POST /api/v1/authorizations",
                     "predetermination": "ask an estimate with POST /api/v1/estimate"}.get(claim.use, "")
            problems.append((None, "8002", f"{path}.use: a Claim with use {claim.use!r} is not a claim for payment and "
                                           f"is not decided here{'; ' + where if where else ''}"))
        if problems:
            errors[claim_key] = problems
            kinds = {"0300": "required", "8011": "required", "8021": "duplicate", "8002": "not-supported"}
            oo = _outcome(path, problems[0][2], kinds.get(problems[0][1], "invalid"))
            oo["issue"] += [_outcome(path, text, kinds.get(code, "invalid"))["issue"][0] for _, code, text in problems[1:]]
            outcomes.append(oo)
            continue
        # a diagnosis is read only from a system zorgclaim decides (DCSPH); another (ICD-10-CM, ...) is
        # answered as an error on the items that point to it, never read as if it were DCSPH
        diag, foreign = {}, {}
        for d in claim.diagnosis or []:
            codings = [c for c in ((d.diagnosisCodeableConcept.coding or []) if d.diagnosisCodeableConcept else []) if c.code]
            ours = next((c.code for c in codings if c.system in (None, systems.DCSPH)), None)
            if ours is not None:
                diag[d.sequence] = ours
            elif codings:
                foreign[d.sequence] = codings[0].system
        csi = None
        for s in claim.supportingInfo or []:
            if any(c.code == "csi" for c in (s.category.coding or [])):
                csi = s.valueString or (s.code.coding[0].code if s.code and s.code.coding else None)
        referral = claim.referral.identifier.value if claim.referral and claim.referral.identifier else None
        auth = claim.insurance[0].preAuthRef[0] if claim.insurance and claim.insurance[0].preAuthRef else None
        by_member = bool(claim.payee and claim.payee.type and any(c.code == "subscriber" for c in claim.payee.type.coding or []))
        created = claim.created.date() if isinstance(claim.created, dt.datetime) else claim.created
        for k, item in enumerate(claim.item or []):
            ipath = f"{path}.item[{k}]"
            code = next((c.code for c in (item.productOrService.coding or []) if c.system == systems.SERVICE_CODE), None)
            other = next((c.system for c in (item.productOrService.coding or []) if c.system != systems.SERVICE_CODE), None)
            points_to = (item.diagnosisSequence or [None])[0]
            if code is None and other:
                errors.setdefault(claim_key, []).append((item.sequence, "0582", f"{ipath}.productOrService: codes of "
                                                         f"{other} are not decided here; use {systems.SERVICE_CODE}"))
                outcomes.append(_outcome(f"{ipath}.productOrService", f"code system {other} is not supported",
                                         "not-supported"))
                continue
            if points_to in foreign:
                errors.setdefault(claim_key, []).append((item.sequence, "8009", f"{ipath}.diagnosisSequence: the "
                                                         f"diagnosis is coded in {foreign[points_to]}, not DCSPH "
                                                         f"({systems.DCSPH})"))
                outcomes.append(_outcome(f"{ipath}.diagnosisSequence", f"diagnosis code system {foreign[points_to]} "
                                         "is not supported", "not-supported"))
                continue
            start = item.servicedDate or (item.servicedPeriod.start if item.servicedPeriod else None)
            end = item.servicedPeriod.end if item.servicedPeriod else None
            money = item.net or item.unitPrice
            missing = [name for name, v in (("productOrService (urn:zorgclaim:service-code)", code),
                                            ("servicedDate", start), ("net", money)) if v is None]
            if missing:
                code_ = "0582" if code is None else "8007" if start is None else "0611"
                errors.setdefault(claim_key, []).append((item.sequence, code_, f"{ipath}: missing {', '.join(missing)}"))
                outcomes.append(_outcome(ipath, f"missing {', '.join(missing)}", "required"))
                continue
            if money.currency and money.currency != "EUR":
                errors.setdefault(claim_key, []).append((item.sequence, "0611", f"{ipath}.net.currency: expected EUR, "
                                                                                f"found {money.currency}"))
                outcomes.append(_outcome(f"{ipath}.net.currency", f"expected EUR, found {money.currency}", "value"))
                continue
            line_id = f"{client_key}-{item.sequence}"
            to_date = lambda v: v.date() if isinstance(v, dt.datetime) else v  # noqa: E731
            rows.append({
                "line_id": line_id, "claim_id": client_key, "member_id": member, "bsn": bsn, "provider": agb,
                "submitted_by": "member" if by_member else "provider", "channel": "online" if by_member else "vecozo",
                "received": received or created, "service_date": to_date(start), "end_date": to_date(end), "code": code,
                "quantity": int(item.quantity.value) if item.quantity and item.quantity.value is not None else 1,
                "declared": to_cents(money.value), "diagnosis": diag.get((item.diagnosisSequence or [None])[0]),
                "csi": csi, "referral_by": referral, "referral_date": None, "indication_by": None,
                "indication_kind": None, "authorization": auth, "credits": None})
            line_item[line_id] = (claim_key, item.sequence)
    return FhirInput(claims, pl.DataFrame(rows, schema=LINE_SCHEMA), line_item, outcomes, errors)
