"""A FHIR Claim (or a Bundle of Claims) into claim lines.

Validated with fhir.resources' R4B models first; a bad resource gives an OperationOutcome whose
issues name the path (e.g. `Claim.item[0].net.value`). Patient, Coverage, Organization,
Practitioner and Condition may be contained (`#id`), entries of the Bundle (`Type/id` or the
entry's `fullUrl`, e.g. `urn:uuid:...`), conditional references (`Organization?identifier=
system|value`) or logical references (`Reference.identifier`).

Mapping: member number from the Patient identifier in `urn:zorgclaim:member-number` (else the
Coverage's subscriberId), BSN from `http://fhir.nl/fhir/NamingSystem/bsn`, the provider's AGB from
`http://fhir.nl/fhir/NamingSystem/agb-z`, each item a line: `<Claim.identifier or id>-<sequence>`,
productOrService in `urn:zorgclaim:service-code` (`fysio/1000`), servicedDate or servicedPeriod,
quantity, net (EUR; negative = credit), the diagnosis it points to (DCSPH, coded or a Condition),
CSI from supportingInfo with category `csi`, referral AGB from Claim.referral.identifier,
authorization from insurance[0].preAuthRef[0], received = Claim.created; a payee of type
`subscriber` means the member sent it in.

Where the care was given (the line's `country`; none: the Netherlands) is FHIR's own element for it,
per item: `item.locationAddress.country`, a `locationCodeableConcept` coded in ISO 3166, or the
address of the Location in `locationReference`; else the Claim's `facility` (a Location). A country
is an ISO 3166-1 alpha-2 or alpha-3 code (FHIR's Address.country allows either), or a name with its
ISO 3166 code in the Dutch profiles' ext-CodeSpecification; anything else is that item's error. An
item abroad names its provider by the provider's own identifier (any system but the AGB register),
checked as every input checks it (`domain.provider_id`); a provider with an AGB code is a Dutch one.

Every Claim that validates is kept, with every problem found in it (the Claim's own and each
item's): such a Claim or item is answered with an error in its ClaimResponse, never left out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import parse_qs

import polars as pl
from pydantic import ValidationError

from zorgclaim.domain.countries import HOME, alpha_2, by_name
from zorgclaim.domain.money import to_cents
from zorgclaim.domain.provider_id import checked_provider
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
    errors: dict = field(default_factory=dict)
    full_urls: dict = field(default_factory=dict)   # claim key -> its Bundle entry's fullUrl
    # claim key -> the identifier ({system, value}) naming its provider abroad on its lines abroad
    foreign_providers: dict = field(default_factory=dict)


@dataclass
class Problem:
    seq: int | None        # item sequence; None: the whole Claim
    code: str              # Vektis return code (COD954)
    text: str              # where (a FHIRPath) and what is wrong; never a value of a person
    issue: str = "value"   # OperationOutcome IssueType: required, value, not-supported, duplicate, not-found
    shown: bool = True     # an issue of the input (False: only a consequence, e.g. an item not assessed)


def _issues(path_prefix: str, err: ValidationError) -> list[dict]:
    issues = []
    for e in err.errors()[:50]:
        path = path_prefix
        for p in e["loc"]:
            path += f"[{p}]" if isinstance(p, int) else f".{p}"
        kind = "required" if e.get("type") == "missing" else "value"
        issues.append({"severity": "error", "code": kind, "diagnostics": e["msg"], "expression": [path]})
    return issues


def _outcome(issues: list[dict]) -> dict:
    """An OperationOutcome, one issue per problem, each with its IssueType code."""
    from fhir.resources.R4B.operationoutcome import OperationOutcome
    return OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": issues}).model_dump(
        mode="json", exclude_none=True)


def _issue(path: str, text: str, code: str) -> dict:
    """One issue: `path` a FHIRPath (`Claim.item[1].net`), `text` what is wrong there."""
    return {"severity": "error", "code": code, "diagnostics": text, "expression": [path]}


def _ident(identifiers, system: str) -> str | None:
    for i in identifiers or []:
        if i.system == system and i.value:
            return i.value
    return None


def _entries(doc: dict) -> tuple[dict, list, list]:
    """The Bundle's resources by `Type/id` and by fullUrl, its Claims as (path, resource, fullUrl),
    and what is wrong with the document as a whole."""
    resources: dict[str, dict] = {}
    raw_claims: list[tuple[str, dict, str | None]] = []
    if doc.get("resourceType") == "Claim":
        return resources, [("Claim", doc, None)], []
    if doc.get("resourceType") != "Bundle":
        return resources, [], [_outcome([_issue("resourceType", "expected a Claim or a Bundle of Claims, found "
                                                f"{str(doc.get('resourceType'))[:40]!r}", "not-supported")])]
    for n, entry in enumerate(doc.get("entry") or []):
        entry = entry if isinstance(entry, dict) else {}
        res = entry.get("resource") if isinstance(entry.get("resource"), dict) else {}
        url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
        if res.get("resourceType") == "Claim":
            raw_claims.append((f"Bundle.entry[{n}].resource", res, url))
        elif res.get("resourceType"):
            if res.get("id"):
                resources[f"{res['resourceType']}/{res['id']}"] = res
            if url:                                      # urn:uuid:... or an absolute URL
                resources[url] = res
    if not raw_claims:
        return resources, [], [_outcome([_issue("Bundle.entry", "the Bundle holds no Claim: send Claim resources "
                                                "as its entries", "required")])]
    return resources, raw_claims, []


class _Refs:
    """Resolves the references of one Claim: contained (`#id`), Bundle entries (`Type/id`,
    fullUrl), conditional (`Type?identifier=system|value`) and logical (`Reference.identifier`).
    A resource that is found but is not valid R4B is `None`, with `invalid` naming it."""

    def __init__(self, claim, resources: dict):
        self.contained = {f"#{c.id}": c for c in (claim.contained or [])}
        self.resources = resources
        self.invalid: dict[str, str] = {}

    def __call__(self, ref):
        if ref is None:
            return None
        hit = self._literal(ref.reference) if ref.reference else None
        if hit is None and ref.identifier is not None:   # the identifier stands for the resource
            return SimpleNamespace(identifier=[ref.identifier])
        return hit

    def _literal(self, reference: str):
        if reference in self.contained:
            return self.contained[reference]
        if "?" in reference:
            return self._conditional(reference)
        return self._model(reference, self.resources.get(reference))

    def _conditional(self, reference: str):
        from fhir.resources.R4B.identifier import Identifier
        kind, _, query = reference.partition("?")
        wanted = (parse_qs(query).get("identifier") or [None])[0]
        if not wanted:
            return None
        system, _, value = wanted.rpartition("|")
        for res in self.resources.values():
            if res.get("resourceType") == kind and any(
                    i.get("value") == value and (not system or i.get("system") == system)
                    for i in res.get("identifier") or [] if isinstance(i, dict)):
                return self._model(reference, res)
        return SimpleNamespace(identifier=[Identifier(system=system or None, value=value)])

    def _model(self, reference: str, raw: dict | None):
        if raw is None:
            return None
        from fhir.resources.R4B import get_fhir_model_class
        try:
            return get_fhir_model_class(raw["resourceType"]).model_validate(raw)
        except (ValidationError, KeyError, ValueError):
            self.invalid[reference] = str(raw.get("resourceType"))[:40]
            return None


def _systems(resource) -> str:
    found = sorted({i.system for i in getattr(resource, "identifier", None) or [] if i.system})
    return ", ".join(found[:5]) or "none"


def _shown(literal: str | None) -> str | None:
    """A reference as a message may show it: without the values of a conditional one
    (`Patient?identifier=system|value`) and without any run of 8 or 9 digits (an id may be a BSN,
    which never appears in an error)."""
    if literal is None:
        return None
    if "?" in literal:
        kind, query = literal.split("?", 1)
        literal = kind + "?" + "&".join(p.split("|", 1)[0] + ("|..." if "|" in p else "") for p in query.split("&"))
    return re.sub(r"\d{8,9}", "...", literal)


def _party(path: str, ref, resource, refs: _Refs, what: str, wanted: str) -> str:
    """Why a party (the patient, the provider) could not be identified: the reference that does
    not resolve, or the identifier systems it has instead of the one wanted."""
    raw = ref.reference if ref is not None else None
    literal = _shown(raw)
    if raw in refs.invalid:
        return (f"{path}: {literal} is not a valid {refs.invalid[raw]} (FHIR R4B); the {what} is identified by "
                f"its {wanted}")
    if resource is None:
        where = f"{literal} is not contained in the Claim nor an entry of the Bundle" if literal else "no reference"
        return f"{path}: {where}; the {what} is identified by its {wanted}"
    return f"{path}: the {what} has no {wanted} (its identifiers are of: {_systems(resource)})"


def _parties(path: str, claim, refs: _Refs, abroad: bool) -> tuple[dict, list[Problem]]:
    """The member number, BSN, AGB code and (for care abroad) the provider's own identifier; a
    provider without an AGB code is the Claim's problem unless an item was given abroad (then each
    item in the Netherlands says it, and each item abroad is checked on its own identifier)."""
    patient, provider = refs(claim.patient), refs(claim.provider)
    coverage = refs(claim.insurance[0].coverage) if claim.insurance else None
    ids = {"member": _ident(getattr(patient, "identifier", None), systems.MEMBER)
           or getattr(coverage, "subscriberId", None),
           "bsn": _ident(getattr(patient, "identifier", None), systems.BSN),
           "agb": _ident(getattr(provider, "identifier", None), systems.AGB),
           "foreign": next((i for i in getattr(provider, "identifier", None) or []
                            if i.value and i.system != systems.AGB), None)}
    problems = []
    if ids["member"] is None:
        problems.append(Problem(None, "0300", _party(f"{path}.patient", claim.patient, patient, refs, "patient",
                                                     f"member number ({systems.MEMBER}, or Coverage.subscriberId)"),
                                "required"))
    if ids["agb"] is None:
        ids["no_agb"] = (_party(f"{path}.provider", claim.provider, provider, refs, "provider",
                                f"AGB code ({systems.AGB})")
                         + "; care given abroad says its country in item.locationAddress or Claim.facility")
        if not abroad:
            problems.append(Problem(None, "8011", ids["no_agb"], "required"))
    return ids, problems


def _iso_code(concept) -> str | None:
    """The code of a CodeableConcept's coding in ISO 3166 (None: it has none)."""
    return next((c.code for c in getattr(concept, "coding", None) or [] if c.system == systems.ISO3166 and c.code),
                None)


def _coded_country(where: str, coded: str, how: str = "") -> tuple[str | None, str | None]:
    """(the alpha-2 code, None) of a code given in ISO 3166, or (None, why it is none)."""
    code = alpha_2(coded)
    return (code, None) if code else (None, f"{where}: {coded[:12]!r}{how} is no ISO 3166-1 country code")


def _address_country(path: str, address) -> tuple[str | None, str | None]:
    """(the ISO 3166-1 alpha-2 code of an Address's country, None) or (None, why it is none): the
    country itself when it is an alpha-2 or alpha-3 code, else the ISO 3166 code of its
    ext-CodeSpecification (the Dutch profiles give the name with the code there), else the country
    named in Dutch or English. No country at all: (None, None), the Netherlands."""
    given = address.country
    code = alpha_2(given)
    if code is not None:
        return code, None
    ext = getattr(address, "country__ext", None)
    coded = next((c for c in (_iso_code(e.valueCodeableConcept) for e in (ext.extension or [] if ext else [])
                              if e.url == systems.CODE_SPECIFICATION) if c), None)
    if coded is not None:
        return _coded_country(f"{path}.country", coded, f" in its {systems.ISO3166} code")
    if given is None:
        return None, None
    code = by_name(given)               # written out, as addresses often give it: 'Nederland', 'Germany'
    if code is not None:
        return code, None
    return None, (f"{path}.country: {given[:20]!r} is no ISO 3166-1 country code (alpha-2 such as BE, DE, ES, or "
                  f"alpha-3 such as BEL, DEU, ESP) nor a country's name in Dutch or English; another name only "
                  f"with its {systems.ISO3166} code in the extension {systems.CODE_SPECIFICATION}")


def _place(path: str, ipath: str, item, claim, refs: _Refs) -> tuple[str | None, str | None]:
    """Where an item's care was given, as (ISO 3166-1 alpha-2 code or None for the Netherlands,
    why it cannot be read): the item's own location (locationAddress; a locationCodeableConcept
    coded in ISO 3166; the address of the Location in locationReference), else the address of the
    Claim's facility: the first of these that gives a country. A place-of-service code of another
    system, a Location that is not sent or has no address: no country said there."""
    if item.locationAddress is not None:
        found = _address_country(f"{ipath}.locationAddress", item.locationAddress)
        if found != (None, None):
            return found
    coded = _iso_code(item.locationCodeableConcept)
    if coded is not None:
        return _coded_country(f"{ipath}.locationCodeableConcept", coded)
    for where, ref in ((f"{ipath}.locationReference", item.locationReference), (f"{path}.facility", claim.facility)):
        if ref is None:
            continue
        location = refs(ref)
        if ref.reference in refs.invalid:
            return None, f"{where}: {_shown(ref.reference)} is not a valid {refs.invalid[ref.reference]} (FHIR R4B)"
        if getattr(location, "address", None) is not None:
            found = _address_country(f"{where}.resolve().address", location.address)
            if found != (None, None):
                return found
    return None, None


def _place_problems(path: str, item, place: tuple, ids: dict, abroad: bool) -> tuple[str | None, list[Problem]]:
    """The provider that names an item's line, or the item's problems with where and by whom: an
    item abroad by the provider's own identifier, checked as every input checks it (an AGB code
    names a Dutch provider: refused abroad); an item in the Netherlands by the AGB code."""
    country, why = place
    if why is not None:
        return None, [Problem(item.sequence, "8002", why)]
    if country in (None, HOME):
        missing = abroad and ids["agb"] is None
        return ids["agb"], [Problem(item.sequence, "8011", ids["no_agb"], "required")] if missing else []
    own = ids["agb"] or (ids["foreign"].value if ids["foreign"] is not None else None)
    if own is None:
        return None, [Problem(item.sequence, "8011", f"{path}.provider: the provider abroad has no identifier; "
                                                     "give the one on its invoice", "required")]
    try:
        return checked_provider(own, country), []
    except ValueError as e:
        return None, [Problem(item.sequence, "8011", f"{path}.provider.identifier: care in {country}: {e}")]


def _use_problem(path: str, use: str, uses: tuple[str, ...]) -> list[Problem]:
    """A Claim whose use is not decided here is never paid as a claim: an authorization request
    goes to POST /api/v1/authorizations, an estimate to POST /api/v1/estimate."""
    if use in uses:
        return []
    where = {"preauthorization": "ask it with POST /api/v1/authorizations or POST /fhir/Claim/$submit",
             "predetermination": "ask an estimate with POST /api/v1/estimate or POST /fhir/Claim/$submit"}.get(use, "")
    return [Problem(None, "8002", f"{path}.use: a Claim with use {use!r} is not a claim for payment and is not "
                                  f"decided here{'; ' + where if where else ''}", "not-supported")]


def _diagnoses(claim, refs: _Refs) -> tuple[dict, dict]:
    """Per diagnosis sequence: its DCSPH code, or why it is not one (another code system such as
    ICD-10-CM or SNOMED CT, a code without a system, a Condition that is not in the Bundle). A
    code is read only from the system zorgclaim decides, never as if it were DCSPH."""
    ours, other = {}, {}
    for d in claim.diagnosis or []:
        concept = d.diagnosisCodeableConcept
        if concept is None and d.diagnosisReference is not None:
            concept = getattr(refs(d.diagnosisReference), "code", None)
            if concept is None:
                other[d.sequence] = (f"a reference ({_shown(d.diagnosisReference.reference) or 'by identifier'}) "
                                     "to no Condition found")
                continue
        codings = [c for c in (getattr(concept, "coding", None) or []) if c.code]
        code = next((c.code for c in codings if c.system == systems.DCSPH), None)
        if code is not None:
            ours[d.sequence] = code
        elif codings:
            found = sorted({c.system for c in codings if c.system})
            other[d.sequence] = f"coded in {', '.join(found)}" if found else "coded without a system"
    return ours, other


def _item_problems(ipath: str, item, other_diag: dict) -> list[Problem]:
    """Every problem of one item, each its own: the service code's system, the diagnosis it
    points to, its date, its amount and currency."""
    seq, problems = item.sequence, []
    codings = [c for c in item.productOrService.coding or [] if c.code]
    if not any(c.system == systems.SERVICE_CODE for c in codings):
        found = sorted({c.system for c in codings if c.system})
        text, kind = ((f"codes of {', '.join(found)} are not decided here", "not-supported") if found else
                      ("a code without a system is not read", "value") if codings else ("no code", "required"))
        problems.append(Problem(seq, "0582", f"{ipath}.productOrService: {text}; use {systems.SERVICE_CODE}", kind))
    for d in item.diagnosisSequence or []:
        if d in other_diag:
            problems.append(Problem(seq, "8009", f"{ipath}.diagnosisSequence: diagnosis {d} is {other_diag[d]}, "
                                                 f"not DCSPH ({systems.DCSPH})", "not-supported"))
    if item.servicedDate is None and (item.servicedPeriod is None or item.servicedPeriod.start is None):
        problems.append(Problem(seq, "8007", f"{ipath}: no servicedDate or servicedPeriod.start", "required"))
    money = item.net or item.unitPrice
    if money is None or money.value is None:
        problems.append(Problem(seq, "0611", f"{ipath}.net: no amount (net or unitPrice in EUR)", "required"))
    elif money.currency and money.currency != "EUR":
        problems.append(Problem(seq, "0611", f"{ipath}.net.currency: amounts are in EUR, found "
                                             f"{str(money.currency)[:3]}", "value"))
    return problems


def _claim_key(claim, path: str, keys_seen: set) -> tuple[str, str]:
    """(the key unique within the input, the client's own key: Claim.identifier, else id)."""
    client_key = _ident(claim.identifier, claim.identifier[0].system) if claim.identifier else None
    client_key = client_key or claim.id or path
    key, n = client_key, 1
    while key in keys_seen:               # the response key is unique; the line ids keep the client's
        n += 1
        key = f"{client_key}#{n}"
    keys_seen.add(key)
    return key, client_key


def _to_date(v):
    return v.date() if isinstance(v, dt.datetime) else v


def _line(claim, item, line_id: str, client_key: str, ids: dict, diag: dict, received, country: str | None,
          provider: str) -> dict:
    csi = None
    for s in claim.supportingInfo or []:
        if any(c.code == "csi" for c in (s.category.coding or [])):
            csi = s.valueString or (s.code.coding[0].code if s.code and s.code.coding else None)
    by_member = bool(claim.payee and claim.payee.type and any(c.code == "subscriber" for c in claim.payee.type.coding or []))
    start = item.servicedDate or item.servicedPeriod.start
    money = item.net or item.unitPrice
    return {
        "line_id": line_id, "claim_id": client_key, "member_id": ids["member"], "bsn": ids["bsn"],
        "provider": provider, "country": country, "submitted_by": "member" if by_member else "provider",
        "channel": "online" if by_member else "vecozo", "received": received or _to_date(claim.created),
        "service_date": _to_date(start), "end_date": _to_date(item.servicedPeriod.end if item.servicedPeriod else None),
        "code": next(c.code for c in item.productOrService.coding if c.system == systems.SERVICE_CODE and c.code),
        "quantity": int(item.quantity.value) if item.quantity and item.quantity.value is not None else 1,
        "declared": to_cents(money.value), "diagnosis": diag.get((item.diagnosisSequence or [None])[0]),
        "csi": csi, "referral_by": claim.referral.identifier.value if claim.referral and claim.referral.identifier else None,
        "referral_date": None, "indication_by": None, "indication_kind": None,
        "authorization": claim.insurance[0].preAuthRef[0] if claim.insurance and claim.insurance[0].preAuthRef else None,
        "credits": None}


def _claim_problems(path: str, claim, refs: _Refs, key: str, client_key: str, uses: tuple[str, ...],
                    abroad: bool) -> tuple[dict, list[Problem]]:
    """The Claim's member number, BSN and AGB code, and every problem of the Claim as a whole."""
    ids, problems = _parties(path, claim, refs, abroad)
    if key != client_key:
        problems.append(Problem(None, "8021", f"{path}.identifier: {client_key!r} is the identifier of an earlier "
                                              "Claim in this Bundle; send each Claim once", "duplicate"))
    problems += _use_problem(path, claim.use, uses)
    if not claim.item:
        problems.append(Problem(None, "0582", f"{path}.item: the Claim has no items", "required"))
    if claim.total is not None and claim.total.currency not in (None, "EUR"):
        problems.append(Problem(None, "0611", f"{path}.total.currency: amounts are in EUR, found "
                                              f"{str(claim.total.currency)[:3]}"))
    return ids, problems


def read_fhir(doc: dict, received: dt.date | None = None, uses: tuple[str, ...] = ("claim",)) -> FhirInput:
    """`uses`: the Claim.use values mapped to lines (a caller that answers a predetermination as an
    estimate passes it); any other use is answered with an error, never paid."""
    from fhir.resources.R4B.claim import Claim
    resources, raw_claims, outcomes = _entries(doc)
    inp = FhirInput([], None, {}, outcomes)       # its lines are built once, at the end
    rows, keys_seen = [], set()
    for path, raw, url in raw_claims:
        try:
            claim = Claim.model_validate(raw)
        except ValidationError as e:
            outcomes.append(_outcome(_issues(path, e)))
            continue
        key, client_key = _claim_key(claim, path, keys_seen)
        inp.claims.append((key, claim))
        inp.full_urls[key] = url
        refs = _Refs(claim, resources)
        places = [_place(path, f"{path}.item[{k}]", item, claim, refs) for k, item in enumerate(claim.item or [])]
        abroad = any(country not in (None, HOME) for country, _ in places)
        ids, problems = _claim_problems(path, claim, refs, key, client_key, uses, abroad)
        diag, other_diag = _diagnoses(claim, refs)
        whole = bool(problems)
        for k, item in enumerate(claim.item or []):
            provider, own = _place_problems(path, item, places[k], ids, abroad)
            own = _item_problems(f"{path}.item[{k}]", item, other_diag) + own or (
                [Problem(item.sequence, "8002", f"{path}.item[{k}]: not assessed: the Claim could not be processed",
                         shown=False)] if whole else [])
            problems += own
            if not own:
                line_id = f"{client_key}-{item.sequence}"
                rows.append(_line(claim, item, line_id, client_key, ids, diag, received, places[k][0], provider))
                inp.line_item[line_id] = (key, item.sequence)
                if provider != ids["agb"]:
                    inp.foreign_providers[key] = ids["foreign"].model_dump(mode="json", exclude_none=True) | {
                        "value": provider}
        if problems:
            inp.errors[key] = [(p.seq, p.code, p.text) for p in problems]
            issues = [_issue(*p.text.split(": ", 1), p.issue) for p in problems if p.shown]
            outcomes += [_outcome(issues)] if issues else []
    inp.lines = pl.DataFrame(rows, schema=LINE_SCHEMA)
    return inp
