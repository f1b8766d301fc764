"""Claims in: lines as JSON decided now; a file (CSV, Parquet, JSON, NDJSON, PM304, ZH308, FHIR
Bundle) taken in as a background job; one FHIR Claim decided now (`$submit`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Literal

import polars as pl
from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zorgclaim.api.care_place import CarePlaceChecks
from zorgclaim.api.deps import caller, ctx
from zorgclaim.api.money import Euros, cents, eur
from zorgclaim.api.problems import MEDIA, problem
from zorgclaim.app import claims as app_claims
from zorgclaim.app import jobs as app_jobs
from zorgclaim.app.access import Forbidden, Invalid, NotFound, Principal
from zorgclaim.app.batcher import INLINE_LINES
from zorgclaim.app.context import Context
from zorgclaim.domain.provider_id import PROVIDER_ID
from zorgclaim.domain.schema import LINE_SCHEMA

router = APIRouter(tags=["claims"])
MAX_UPLOAD = 200 * 1024 * 1024


class LineIn(CarePlaceChecks):
    model_config = ConfigDict(extra="forbid")
    line_id: str = Field(min_length=1, max_length=64, description="Unique per line, as the sender numbers it")
    claim_id: str | None = Field(None, max_length=64)
    member_id: str = Field(min_length=1, max_length=64)
    bsn: str | None = Field(None, max_length=16, description="Optional; checked, never shown back")
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$", description="Where the care was given, ISO 3166-1 "
                                "alpha-2 (e.g. BE, DE, ES); empty: the Netherlands. Care abroad is paid up to the Dutch "
                                "tariff and held for a claims handler")
    provider: str = Field(pattern=PROVIDER_ID, description="AGB code of the provider that gave the care; for care "
                                                          "abroad (`country`), the foreign provider's identifier as on "
                                                          "its invoice (at most 16 characters)")
    provider_name: str | None = Field(None, max_length=200, description="The practice's name as the nota gives it "
                                      "(a member's nota: it must be the name in the AGB register)")
    submitted_by: Literal["provider", "member"] | None = None
    channel: Literal["vecozo", "online", "post"] | None = None
    received: dt.date | None = Field(None, description="The date of receipt: today (claims staff may give the "
                                                       "day a claim came in by post)")
    service_date: dt.date
    end_date: dt.date | None = None
    code: str = Field(min_length=3, max_length=64, description='Service code "<list>/<code>", e.g. fysio/1000')
    quantity: int = 1
    amount: Euros = Field(description="Declared amount in euros; negative for a credit")
    diagnosis: str | None = Field(None, max_length=16)
    csi: str | None = Field(None, max_length=8)
    referral_by: str | None = Field(None, max_length=16)
    referral_date: dt.date | None = None
    onset_date: dt.date | None = Field(None, description="When the condition began (the CVA, the diagnosis), where "
                                                         "a rule counts from it (lange zitting)")
    indication_by: str | None = Field(None, max_length=16)
    indication_kind: str | None = Field(None, max_length=32)
    authorization: str | None = Field(None, max_length=64)
    credits: str | None = Field(None, max_length=64, description="The line this credit reverses")



class LinesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[LineIn] = Field(min_length=1, max_length=10_000)


class Reason(BaseModel):
    code: str
    meaning: str


class DecisionOut(BaseModel):
    line_id: str
    status: str
    declared: str
    allowed: str
    deductible: str
    paid: str
    payee: str
    payer: str | None
    codes: list[str]
    reasons: list[Reason]
    review: str | None = Field(None, description="The review rule holding a pended line")
    payment_due: dt.date | None = None
    href: str


class SubmissionOut(BaseModel):
    decided: list[DecisionOut]
    sent_before: list[str] = Field(description="Line ids sent before (8021): not decided again")


def frame(p: Principal, lines: list[LineIn], today: dt.date) -> pl.DataFrame:
    member = p.role == "member"
    rows = []
    for ln in lines:
        d = ln.model_dump(exclude={"amount"})
        d.update(declared=cents(ln.amount), received=ln.received or today, claim_id=ln.claim_id or ln.line_id,
                 submitted_by=ln.submitted_by or ("member" if member else "provider"),
                 channel=ln.channel or ("online" if member or ln.submitted_by == "member" else "vecozo"))
        rows.append(d)
    return pl.DataFrame(rows, schema=LINE_SCHEMA)


def decision_rows(c: Context, decisions: pl.DataFrame, lines: pl.DataFrame) -> list[dict]:
    if decisions.height == 0:
        return []
    from zorgclaim.ledger.postings import due_dates
    due = dict(due_dates(lines, c.world.contracts, c.library).iter_rows())
    out = []
    for d in decisions.iter_rows(named=True):
        moves = d["status"] != "pended" and d["paid"] != 0
        out.append(DecisionOut(
            line_id=d["line_id"], status=d["status"], declared=eur(d["declared"]), allowed=eur(d["allowed"]),
            deductible=eur(d["deductible"]), paid=eur(d["paid"]), payee=d["payee"], payer=d["payer"],
            codes=list(d["codes"]), reasons=[Reason(code=k, meaning=c.reference.return_code_meaning(k)) for k in d["codes"]],
            review=d.get("review"), payment_due=due.get(d["line_id"]) if moves else None,
            href=f"/api/v1/lines/{d['line_id']}").model_dump(mode="json"))
    return out


async def _submit(request: Request, c: Context, p: Principal, lines: pl.DataFrame, name: str, body: bytes,
                  key: str | None, render) -> app_claims.Answer:
    """Hand the lines to the micro-batcher and wait for their batch (the checks before are a few
    vectorized filters: no I/O, so they run here rather than on a worker thread)."""
    app_claims.own_lines(p, lines)
    app_claims.check_receipt(c, p, lines)
    sub = app_claims.Submission(p, lines, name, render, key=key, request_hash=app_claims.request_hash(body))
    return await request.app.state.batcher.submit_async(sub)


@router.post("/api/v1/claims", summary="Lines as JSON (decided now) or a file upload (a background job)",
             responses={201: {"model": SubmissionOut, "description": "JSON lines: decided and booked"},
                        202: {"description": "A file: taken in; follow the job"}},
             openapi_extra={"requestBody": {"content": {
                 "application/json": {"schema": LinesIn.model_json_schema(ref_template="#/components/schemas/{model}")},
                 "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                     "file": {"type": "string", "format": "binary",
                              "description": "CSV, Parquet, JSON, NDJSON, PM304, ZH308 or a FHIR Bundle"},
                     "received": {"type": "string", "format": "date"}}}}}, "required": True}})
async def post_claims(request: Request, c: Context = Depends(ctx), p: Principal = Depends(caller),
                      idempotency_key: str | None = Header(None, max_length=200)):
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        try:
            form = await request.form()
        except Exception:  # noqa: BLE001 - the parser's own message is not for the client
            return problem(400, "the multipart/form-data body could not be read: send one field 'file' with the "
                           "claims file (and optionally 'received')", request, [{"field": "file", "message": "unreadable"}])
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            return problem(422, "file: a multipart field 'file' with the claims file is needed", request,
                           [{"field": "file", "message": "missing"}])
        data = await upload.read()
        if len(data) > MAX_UPLOAD:
            return problem(413, f"file: at most {MAX_UPLOAD // 2**20} MiB", request)
        received = None
        if form.get("received"):
            try:
                received = dt.date.fromisoformat(str(form.get("received")))
            except ValueError:
                return problem(422, "received: a date YYYY-MM-DD", request, [{"field": "received", "message": "not a date"}])
        job_id = await run_in_threadpool(app_jobs.start, c, p, data, upload.filename or "upload", received)
        return JSONResponse({"job_id": job_id, "status": "queued", "href": f"/api/v1/jobs/{job_id}"}, status_code=202,
                            headers={"Location": f"/api/v1/jobs/{job_id}"})
    if not kind.startswith("application/json"):
        return problem(415, "send application/json lines or a multipart/form-data file", request)
    body = await request.body()
    try:
        parsed = LinesIn.model_validate_json(body)
    except ValidationError as e:
        errors = [{"field": ".".join(str(x) for x in er["loc"]) or "body", "message": er["msg"]} for er in e.errors()[:50]]
        return problem(422, f"{errors[0]['field']}: {errors[0]['message']}", request, errors)
    lines = frame(p, parsed.lines, c.today())

    def render(decisions: pl.DataFrame, repeats: list[str]) -> tuple[int, dict]:
        return 201, {"decided": decision_rows(c, decisions, lines), "sent_before": repeats}
    answer = await _submit(request, c, p, lines, "api:lines", body, idempotency_key, render)
    return JSONResponse(answer.body, status_code=answer.status_code, media_type=MEDIA if answer.status_code >= 400
                        else None, headers={"Idempotent-Replay": "true"} if answer.replayed else None)


class JobOut(BaseModel):
    id: str
    kind: str
    name: str
    status: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    result: dict | None
    return_file: str | None = Field(None, description="Where to fetch the return message (PM305, FHIR responses)")


@router.get("/api/v1/jobs/{job_id}", response_model=JobOut, tags=["claims"], summary="A file job's status and result")
def get_job(job_id: str, c: Context = Depends(ctx), p: Principal = Depends(caller)) -> JobOut:
    j = app_jobs.get(c, p, job_id)
    return JobOut(id=j["id"], kind=j["kind"], name=j["name"], status=j["status"], created_at=j["created_at"],
                  finished_at=j["finished_at"], result=j["result"],
                  return_file=f"/api/v1/jobs/{job_id}/return" if j["return_name"] else None)


@router.get("/api/v1/jobs/{job_id}/return", tags=["claims"], summary="The return message: a PM305, or FHIR responses",
            response_class=Response)
def get_job_return(job_id: str, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    j = app_jobs.get(c, p, job_id, with_file=True)
    if not j["return_name"]:
        return problem(404, "this job has no return message (yet)")
    name = j["return_name"]
    if name.endswith(".pm305"):
        return Response(j["return_file"].encode("latin-1"), media_type="text/plain; charset=iso-8859-1",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(j["return_file"], media_type="application/fhir+json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


FHIR = "application/fhir+json"


def _outcome(status: int, code: str, text: str, where: str | None = None) -> Response:
    issue = {"severity": "error", "code": code, "diagnostics": text}
    if where:
        issue["expression"] = [where]
    return Response(json.dumps({"resourceType": "OperationOutcome", "issue": [issue]}), status_code=status,
                    media_type=FHIR)


def _estimated(c: Context, p: Principal, inp, answer) -> Response:
    """Each line of a Claim decided as the engine would decide it now, nothing booked, handed as
    (line, estimate) pairs to `answer`: claims staff for any provider, a provider for its own AGB."""
    from zorgclaim.app.estimate import estimate

    def each():
        for line in inp.lines.iter_rows(named=True):
            if p.role == "provider" and line["provider"] != p.provider:
                raise Forbidden("a provider sends claims for its own AGB code only")
            yield line, estimate(c, p, line)
    if p.role not in ("provider", "handler", "system"):
        return _outcome(403, "forbidden", "claims are sent by a provider or by claims staff")
    try:
        return answer(each())
    except Forbidden as e:
        return _outcome(403, "forbidden", str(e))
    except (Invalid, NotFound) as e:
        return _outcome(422, "invalid", str(e))


def _row(line: dict, r: dict, **changed) -> dict:
    """An estimated line as the ClaimResponse reads a decision."""
    return {"line_id": line["line_id"], "status": r["status"], "declared": r["declared"], "allowed": r["allowed"],
            "deductible": r["deductible"], "paid": r["paid"], "member_id": line["member_id"],
            "provider": line["provider"], "codes": r["codes"], "steps": r["steps"]} | changed


def _predetermination(c: Context, p: Principal, inp, today: dt.date) -> Response:
    """A Claim with use `predetermination`: each item estimated as the engine would decide it now;
    nothing is booked, nothing is paid (the ClaimResponse says `use: predetermination`)."""
    from zorgclaim.formats.fhir.response_out import claim_response

    def answer(estimated) -> Response:
        rows = [_row(line, r) for line, r in estimated]
        cr = claim_response(inp, pl.DataFrame(rows), c.reference, today, validate=True)
        return Response(json.dumps(cr), status_code=200, media_type=FHIR)
    return _estimated(c, p, inp, answer)


def _preauthorization(c: Context, p: Principal, inp, today: dt.date) -> Response:
    """A Claim with use `preauthorization`: each item that needs prior authorization (as the engine
    decides it now) becomes an authorization request for the medical adviser, answered with its
    number (`preAuthRef`) and `outcome: queued`; an item that needs none is said so. Nothing is paid."""
    from fhir.resources.R4B.claimresponse import ClaimResponse

    from zorgclaim.app import authorizations
    from zorgclaim.formats.fhir.response_out import claim_response

    def answer(estimated) -> Response:
        rows, asked = [], []
        for line, r in estimated:
            need = next((json.loads(s["params"] or "{}") for s in r["steps"]
                         if s["check"].startswith("authorization-")), None)      # missing, expired, other period ...
            if need and need.get("benefit"):
                asked.append(authorizations.request(c, p, line["member_id"], need["benefit"], line["service_date"],
                                                    line["end_date"], f"FHIR preauthorization {line['claim_id']}"))
            rows.append(_row(line, r, paid=0, **({"status": "pended", "allowed": 0, "deductible": 0} if need else {})))
        cr = claim_response(inp, pl.DataFrame(rows), c.reference, today)      # use: preauthorization, as the Claim's
        if asked:
            cr["outcome"], cr["preAuthRef"] = "queued", asked[0]["id"]
            cr["preAuthPeriod"] = {"start": str(asked[0]["from"])} | ({"end": str(asked[0]["to"])} if asked[0]["to"] else {})
            cr["disposition"] = ("toestemming vooraf aangevraagd: " + ", ".join(a["id"] for a in asked)
                                 + "; de medisch adviseur beslist")
        else:
            cr["outcome"], cr["disposition"] = "complete", "geen toestemming vooraf nodig voor deze zorg"
        cr = ClaimResponse.model_validate(cr).model_dump(mode="json", exclude_none=True)
        return Response(json.dumps(cr, default=str), status_code=200, media_type=FHIR)
    return _estimated(c, p, inp, answer)


@router.post("/fhir/Claim/$submit", tags=["fhir"], summary="One FHIR Claim (R4B) in, its ClaimResponse out",
             response_class=Response,
             openapi_extra={"requestBody": {"content": {FHIR: {"schema": {"type": "object"}},
                                                        "application/json": {"schema": {"type": "object"}}},
                                            "required": True}})
async def fhir_submit(request: Request, c: Context = Depends(ctx), p: Principal = Depends(caller),
                      idempotency_key: str | None = Header(None, max_length=200)):
    from zorgclaim.formats.fhir.claim_in import read_fhir
    from zorgclaim.formats.fhir.response_out import claim_response
    body = await request.body()
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return _outcome(400, "structure", f"not valid JSON: {e.msg if hasattr(e, 'msg') else 'not UTF-8'}")
    if not isinstance(doc, dict) or doc.get("resourceType") != "Claim":
        return _outcome(422, "not-supported", "Claim/$submit takes one Claim resource", "resourceType")
    today = c.today()
    uses = ("claim", "predetermination", "preauthorization")
    # a usual Claim (a few items) is read here, faster than the hop to a worker thread; a long one
    # on a worker thread, so it does not hold up the other requests
    items = doc.get("item")
    inp = (read_fhir(doc, today, uses) if not isinstance(items, list) or len(items) <= INLINE_LINES
           else await run_in_threadpool(read_fhir, doc, today, uses))
    if doc.get("use") == "predetermination" and inp.lines.height:
        return await run_in_threadpool(_predetermination, c, p, inp, today)
    if doc.get("use") == "preauthorization" and inp.lines.height:
        return await run_in_threadpool(_preauthorization, c, p, inp, today)
    if inp.lines.height == 0:
        if p.role not in ("provider", "handler", "system"):
            return _outcome(403, "forbidden", "claims are sent by a provider or by claims staff")
        if inp.claims and inp.errors.get(inp.claims[0][0]):
            # the Claim was read but cannot be processed: its ClaimResponse says why (outcome error)
            cr = claim_response(inp, pl.DataFrame(), c.reference, today, validate=True)
            return Response(json.dumps(cr), status_code=200, media_type=FHIR)
        return Response(json.dumps(inp.outcomes[0]), status_code=422, media_type=FHIR)

    def render(decisions: pl.DataFrame, repeats: list[str]) -> tuple[int, dict]:
        if decisions.height == 0:
            return 409, {"resourceType": "OperationOutcome", "issue": [{
                "severity": "error", "code": "duplicate",
                "diagnostics": f"every item was sent before (8021): {', '.join(repeats[:20])}"}]}
        for line_id in repeats:                   # an item sent before is answered 8021, never left out
            key, seq = inp.line_item[line_id]
            inp.errors.setdefault(key, []).append((seq, "8021", f"item {seq}: sent before (line {line_id}); "
                                                                "not decided again"))
        return 200, claim_response(inp, decisions, c.reference, today)
    try:
        answer = await _submit(request, c, p, inp.lines, "fhir:Claim", body, idempotency_key, render)
    except Forbidden as e:
        return _outcome(403, "forbidden", str(e))
    except Invalid as e:
        return _outcome(422, "invalid", str(e), "Patient.identifier" if e.field == "bsn" else e.field)
    if answer.status_code >= 400 and "resourceType" not in answer.body:     # e.g. an Idempotency-Key reused
        return _outcome(answer.status_code, "invalid", answer.body.get("detail", "the request was refused"))
    return Response(json.dumps(answer.body), status_code=answer.status_code, media_type=FHIR,
                    headers={"Idempotent-Replay": "true"} if answer.replayed else None)

