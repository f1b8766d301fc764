"""The HTTP API end to end (in process, on SQLite and PostgreSQL): tokens, submitting lines and a
FHIR Claim, a PM304 upload and its PM305, a line's explanation, the deductible meter, remaining
limits, the estimate, the authorization and review flows, idempotency, and errors as problem
details that never echo what was sent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
import json
import uuid
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fhir_support import assert_valid_and_resolved
from service_support import PASSWORD, TODAY
from zorgclaim.api import create_app
from zorgclaim.store.models import AccessLog, Decision, ReviewItem, Transfer


@pytest.fixture(scope="module")
def api(service_book):
    with TestClient(create_app(service_book.ctx)) as client:
        yield client


def token(api, user: str) -> dict:
    r = api.post("/api/v1/token", data={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _fhir_claim(agb: str, member: str | None, code: str, day: str, amount: float, use: str = "claim",
                ident: str | None = None, quantity: int = 1) -> dict:
    """One FHIR Claim with a contained Patient (by member number, or none) and provider (by AGB)."""
    patient = {"resourceType": "Patient", "id": "p"}
    if member:
        patient["identifier"] = [{"system": "urn:zorgclaim:member-number", "value": member}]
    return {"resourceType": "Claim", "id": "c1", "status": "active", "use": use,
            "identifier": [{"system": "urn:test", "value": ident or f"F-{uuid.uuid4().hex[:8]}"}],
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
            "patient": {"reference": "#p"}, "created": "2026-11-20", "provider": {"reference": "#prov"},
            "priority": {"coding": [{"code": "normal"}]},
            "contained": [patient, {"resourceType": "Organization", "id": "prov", "identifier": [
                {"system": "http://fhir.nl/fhir/NamingSystem/agb-z", "value": agb}]}],
            "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "basis"}}],
            "item": [{"sequence": 1, "productOrService": {"coding": [{"system": "urn:zorgclaim:service-code",
                                                                     "code": code}]},
                      "servicedDate": day, "quantity": {"value": quantity}, "net": {"value": amount, "currency": "EUR"}}]}


def test_token_and_me(api, service_book):
    me = api.get("/api/v1/me", headers=token(api, "member-a")).json()
    assert me == {"name": "member-a", "role": "member", "member_id": service_book.members["A"], "provider": None}
    bad = api.post("/api/v1/token", data={"username": "member-a", "password": "wrong"})
    assert bad.status_code == 401 and bad.headers["content-type"].startswith("application/problem+json")
    assert api.get("/api/v1/me").status_code == 401
    assert api.get("/api/v1/me", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401


def test_openapi_lists_the_paths(api):
    paths = api.get("/openapi.json").json()["paths"]
    for p in ("/api/v1/token", "/fhir/Claim/$submit", "/api/v1/claims", "/api/v1/jobs/{job_id}", "/api/v1/lines/{line_id}",
              "/api/v1/members/{member_id}/deductible", "/api/v1/members/{member_id}/remaining", "/api/v1/estimate",
              "/api/v1/review/queue", "/api/v1/authorizations", "/api/v1/payment-runs"):
        assert p in paths, p
    assert api.get("/docs").status_code == 200


def _hulpmiddel_line(book, member: str, line_id: str, amount: str = "40.00", day: dt.date = dt.date(2026, 11, 2)) -> dict:
    agb = book.ctx.world.providers.filter(pl.col("kind") == "hulpmiddelen")["agb"][0]
    return {"line_id": line_id, "member_id": member, "provider": agb, "service_date": day.isoformat(),
            "code": "hulpmiddel/KRUK", "amount": amount}


def test_submit_lines_as_json(api, service_book):
    h = token(api, "handler")
    line = _hulpmiddel_line(service_book, service_book.members["A"], f"T-{uuid.uuid4().hex[:8]}")
    r = api.post("/api/v1/claims", json={"lines": [line]}, headers=h)
    assert r.status_code == 201, r.text
    d = r.json()["decided"][0]
    assert d["line_id"] == line["line_id"] and d["declared"] == "40.00"
    assert d["status"] in ("accepted", "partial", "rejected", "pended") and d["codes"]
    assert d["href"] == f"/api/v1/lines/{line['line_id']}"
    again = api.post("/api/v1/claims", json={"lines": [line]}, headers=h).json()
    assert again == {"decided": [], "sent_before": [line["line_id"]]}     # 8021: never decided twice


def test_member_nota_is_the_members_own(api, service_book):
    m = token(api, "member-a")
    own = _hulpmiddel_line(service_book, service_book.members["A"], f"N-{uuid.uuid4().hex[:8]}")
    r = api.post("/api/v1/claims", json={"lines": [own]}, headers=m)
    assert r.status_code == 201, r.text
    d = r.json()["decided"][0]
    assert d["payee"] == "member"
    if d["status"] in ("accepted", "partial"):
        assert d["payment_due"] is not None       # 6 working days after an online nota
    other = _hulpmiddel_line(service_book, service_book.members["B"], f"N-{uuid.uuid4().hex[:8]}")
    r = api.post("/api/v1/claims", json={"lines": [other]}, headers=m)
    assert r.status_code == 403 and service_book.members["B"] not in r.text


def test_problem_details_name_the_field_and_never_echo(api, service_book):
    h = token(api, "handler")
    bsn = "123456782"
    bad = {"lines": [{"line_id": "X1", "member_id": "M1", "provider": "0410", "service_date": "2026-13-01",
                      "code": "fysio/1000", "amount": "12.345", "bsn": bsn}]}
    r = api.post("/api/v1/claims", json=bad, headers=h)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    fields = {e["field"] for e in body["errors"]}
    assert {"lines.0.provider", "lines.0.service_date", "lines.0.amount"} <= fields
    assert bsn not in r.text and "12.345" not in r.text and body["status"] == 422 and body["title"]


def test_line_explanation_and_access_log(api, service_book):
    ctx = service_book.ctx
    with ctx.engine.connect() as conn:
        line_id = conn.execute(select(Decision.line_id).where((Decision.member_id == service_book.members["A"])
                                                              & (Decision.status != "pended")).limit(1)).scalar()
        before = conn.execute(select(func.count()).select_from(AccessLog).where(AccessLog.subject_id == line_id)).scalar()
    h = token(api, "member-a")
    nl = api.get(f"/api/v1/lines/{line_id}", headers=h).json()
    en = api.get(f"/api/v1/lines/{line_id}?lang=en", headers=h).json()
    assert nl["decisions"][0]["explanation"] and en["decisions"][0]["explanation"] != nl["decisions"][0]["explanation"]
    assert all("(bron:" in s or "bron" not in s for s in nl["decisions"][0]["explanation"])
    assert nl["decisions"][0]["code_meanings"]
    with ctx.engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(AccessLog).where(AccessLog.subject_id == line_id)).scalar()
        roles = {r[0] for r in conn.execute(select(AccessLog.role).where(AccessLog.subject_id == line_id))}
    assert after == before + 2 and roles == {"member"}


def test_deductible_meter_and_remaining(api, service_book):
    h = token(api, "member-a")
    m = service_book.members["A"]
    meter = api.get(f"/api/v1/members/{m}/deductible", headers=h).json()
    years = {y["year"]: y for y in meter["years"]}
    assert TODAY.year in years
    for y in years.values():
        used = sum(Decimal(line["deductible"]) for line in y["lines"])
        assert Decimal(y["used"]) == used
        assert Decimal(y["left"]) == max(Decimal(y["total"]) - Decimal(y["used"]), 0)
    rem = api.get(f"/api/v1/members/{m}/remaining", headers=h).json()
    assert rem["member_id"] == m and isinstance(rem["limits"], list)
    for lim in rem["limits"]:
        assert lim["kind"] in ("count", "amount", "from_nth", "term", "member_maximum") and lim["source"]
    # every member has the yearly maximum of the GVS co-payments, in euros
    gvs = [lim for lim in rem["limits"] if lim["benefit"] == "farmacie-eigen-bijdrage-maximum"]
    assert gvs and gvs[0]["kind"] == "member_maximum" and gvs[0]["limit"] == "250.00" and gvs[0]["money"] is True


def test_estimate_books_nothing(api, service_book):
    ctx = service_book.ctx
    with ctx.engine.connect() as conn:
        before = (conn.execute(select(func.count()).select_from(Decision)).scalar(),
                  conn.execute(select(func.count()).select_from(Transfer)).scalar())
    h = token(api, "member-a")
    line = _hulpmiddel_line(service_book, service_book.members["A"], "ignored") | {"amount": "95.00"}
    line.pop("line_id")
    r = api.post("/api/v1/estimate", json=line, headers=h)
    assert r.status_code == 200, r.text
    e = r.json()
    assert e["estimate"] is True and "schatting" in e["note"]
    assert e["declared"] == "95.00" and e["explanation"]
    assert float(e["member_pays"]) == pytest.approx(95.0 - float(e["allowed"]) + float(e["deductible"]))
    assert e["deductible_after"]["year"] == 2026
    with ctx.engine.connect() as conn:
        after = (conn.execute(select(func.count()).select_from(Decision)).scalar(),
                 conn.execute(select(func.count()).select_from(Transfer)).scalar())
    assert after == before


def test_fhir_claim_submit(api, service_book):
    agb = service_book.ctx.world.providers.filter(pl.col("kind") == "hulpmiddelen")["agb"][0]
    claim = _fhir_claim(agb, service_book.members["A"], "hulpmiddel/SPALK", "2026-11-03", 95.0)
    r = api.post("/fhir/Claim/$submit", content=json.dumps(claim), headers=token(api, "handler") |
                 {"content-type": "application/fhir+json"})
    assert r.status_code == 200, r.text
    cr = r.json()
    assert cr["resourceType"] == "ClaimResponse" and cr["item"][0]["itemSequence"] == 1
    assert cr["outcome"] in ("complete", "partial", "error", "queued")
    other = api.post("/fhir/Claim/$submit", content=json.dumps(claim), headers=token(api, "provider-a"))
    assert other.status_code == 403 and other.json()["resourceType"] == "OperationOutcome"


def test_idempotency_key_returns_the_first_answer_and_books_once(api, service_book):
    h = token(api, "handler") | {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    line = _hulpmiddel_line(service_book, service_book.members["B"], f"I-{uuid.uuid4().hex[:8]}")
    first = api.post("/api/v1/claims", json={"lines": [line]}, headers=h)
    second = api.post("/api/v1/claims", json={"lines": [line]}, headers=h)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second.headers.get("Idempotent-Replay") == "true"
    with service_book.ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Decision).where(Decision.line_id == line["line_id"])).scalar() == 1
    other = dict(line, amount="41.00")
    r = api.post("/api/v1/claims", json={"lines": [other]}, headers=h)
    assert r.status_code == 422 and "Idempotency-Key" in r.text


def test_pm304_upload_answers_a_job_and_a_pm305(api, service_book, tmp_path):
    from zorgclaim.formats.vektis.write import read_pm305, write_pm304
    agb = service_book.providers["A"]
    lines = pl.DataFrame({"line_id": [f"V{uuid.uuid4().hex[:8]}", f"V{uuid.uuid4().hex[:8]}"],
                          "member_id": [service_book.members["A"]] * 2, "provider": [agb] * 2,
                          "service_date": [dt.date(2026, 10, 5), dt.date(2026, 10, 12)],
                          "code": ["fysio/1000"] * 2, "quantity": [1, 1], "declared": [3900, 3900]})
    from zorgclaim.domain.schema import conform_lines
    lines = conform_lines(lines.with_columns(pl.lit(TODAY).alias("received")))
    text = write_pm304(lines, service_book.ctx.world.members, invoice=f"INV-{uuid.uuid4().hex[:6]}",
                       invoice_date=TODAY, provider=agb)
    h = token(api, "provider-a")
    r = api.post("/api/v1/claims", files={"file": ("october.pm304", text.encode("latin-1"), "text/plain")}, headers=h)
    assert r.status_code == 202, r.text
    job = r.json()["job_id"]
    for _ in range(200):
        j = api.get(f"/api/v1/jobs/{job}", headers=h).json()
        if j["status"] in ("done", "failed"):
            break
        import time
        time.sleep(0.1)
    assert j["status"] == "done", j
    assert j["result"]["format"] == "pm304" and j["result"]["decided"] == 2
    pm305 = api.get(j["return_file"], headers=h)
    assert pm305.status_code == 200
    ret = read_pm305(pm305.content.decode("latin-1"))
    assert ret["message"] == "108" and set(ret["lines"]) == set(lines["line_id"])
    # the same file again: refused whole (8067), the store remembers it
    r2 = api.post("/api/v1/claims", files={"file": ("again.pm304", text.encode("latin-1"), "text/plain")}, headers=h)
    j2 = r2.json()["job_id"]
    for _ in range(200):
        j = api.get(f"/api/v1/jobs/{j2}", headers=h).json()
        if j["status"] in ("done", "failed"):
            break
        import time
        time.sleep(0.1)
    assert j["result"]["refused_whole"] and "8067" in j["result"]["file_codes"]
    # another provider cannot read the job
    assert api.get(f"/api/v1/jobs/{job}", headers=token(api, "provider-b")).status_code == 403


def test_garbage_upload_is_a_clear_error(api):
    h = token(api, "handler")
    r = api.post("/api/v1/claims", files={"file": ("x.pm304", b"garbage\n", "text/plain")}, headers=h)
    assert r.status_code == 422 and "not a PM304 file" in r.json()["detail"] and "Traceback" not in r.text


def test_review_flow_end_to_end(api, service_book):
    """A line is held; a handler takes it and changes it with a reason; money and the audit trail
    follow; the member's line and meter show the person's decision."""
    ctx = service_book.ctx
    h = token(api, "handler")
    q = api.get("/api/v1/review/queue?queue=handler&limit=500", headers=h).json()
    assert q["total"] > 0
    item = next(i for i in q["items"] if float(i["proposal"]["allowed"]) > 1 and i["state"] == "open")
    line_id, member = item["line_id"], item["member_id"]
    with ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Transfer).where(Transfer.line_id == line_id)).scalar() == 0
    # deciding without taking is refused; two people cannot take one line
    assert api.post(f"/api/v1/review/{line_id}/decision", json={"action": "accept", "reason": "looks fine"}, headers=h).status_code == 409
    assert api.post(f"/api/v1/review/{line_id}/take", headers=h).status_code == 200
    assert api.post(f"/api/v1/review/{line_id}/take", headers=token(api, "adviser")).status_code == 409
    cap = f"{float(item['proposal']['allowed']) / 2:.2f}"
    r = api.post(f"/api/v1/review/{line_id}/decision", json={"action": "change", "reason": "half: only one of two sessions given",
                                                             "allowed_max": cap}, headers=h)
    assert r.status_code == 200, r.text
    decision = r.json()["decision"]
    assert decision["status"] == "partial" and decision["allowed"] == cap
    with ctx.engine.connect() as conn:
        moved = conn.execute(select(func.coalesce(func.sum(Transfer.amount), 0)).where(Transfer.line_id == line_id)).scalar()
        state = conn.execute(select(ReviewItem.state, ReviewItem.decided_by).where(ReviewItem.line_id == line_id)).first()
    assert moved > 0 and tuple(state) == ("decided", "handler")
    staff = api.get(f"/api/v1/lines/{line_id}", headers=h).json()
    assert staff["decisions"][0]["status"] == "partial"
    assert any("half: only one of two sessions given" in s for s in staff["decisions"][0]["explanation"])
    assert any("beoordeeld" in a for a in staff["audit"])
    from zorgclaim.app.access import SYSTEM
    from zorgclaim.app.members import deductible_meter
    meter = deductible_meter(ctx, SYSTEM, member)
    ded = int(round(float(decision["deductible"]) * 100))
    if ded:
        assert any(line["line_id"] == line_id and line["deductible"] == ded for y in meter for line in y["lines"])
    assert api.post(f"/api/v1/review/{line_id}/decision", json={"action": "accept", "reason": "again"}, headers=h).status_code == 409


def test_authorization_request_holds_then_grant_decides(api, service_book):
    """A line that needs an authorization asked for and not decided waits for the medical
    adviser; when the adviser grants it, the line is decided again and paid."""
    ctx = service_book.ctx
    w = ctx.world
    day = dt.date(2026, 11, 10)
    # an ONVZ member, and a rehabilitation centre without an ONVZ contract then: MSR there needs
    # prior authorization
    alive = w.members.filter(pl.col("death_date").is_null())["member_id"]
    member = (w.coverages.filter((pl.col("product") == "onvz/vrije-keuze-basis") & (pl.col("from") <= day)
                                 & (pl.col("to") >= day) & pl.col("member_id").is_in(alive.implode())
                                 & ~pl.col("member_id").is_in(w.wlz["member_id"].implode()))
              .sort("member_id")["member_id"][0])
    contracted = w.contracts.filter((pl.col("insurer") == "onvz") & (pl.col("from") <= day) & (pl.col("to") >= day))["provider"]
    free = w.providers.filter((pl.col("kind") == "revalidatiecentrum") & ~pl.col("agb").is_in(contracted.implode()))["agb"]
    agb = free[0] if free.len() else "23999999"      # not in the world: its kind from the AGB prefix 23
    asked = api.post("/api/v1/authorizations", json={"member_id": member, "benefit": "msr", "from": "2026-11-01",
                                                     "to": "2026-12-31", "note": "interdisciplinaire revalidatie"},
                     headers=token(api, "handler"))
    assert asked.status_code == 201, asked.text
    auth = asked.json()
    line = {"line_id": f"R-{uuid.uuid4().hex[:8]}", "member_id": member, "provider": agb, "service_date": day.isoformat(),
            "code": "msr/990027199", "amount": "1850.00", "referral_by": "01100001", "indication_kind": "msr"}
    d = api.post("/api/v1/claims", json={"lines": [line]}, headers=token(api, "handler")).json()["decided"][0]
    assert d["status"] == "pended" and d["review"] == "authorization-requested", d
    adv = token(api, "adviser")
    # a line on the medical queue is the medical adviser's to take and decide, not a handler's
    for path in ("take", "decision"):
        r = api.post(f"/api/v1/review/{line['line_id']}/{path}", json={"action": "accept", "reason": "looks fine"},
                     headers=token(api, "handler"))
        assert r.status_code == 403, r.text
    assert api.post(f"/api/v1/authorizations/{auth['id']}/decision", json={"grant": True, "reason": "looks fine"},
                    headers=token(api, "handler")).status_code == 403
    g = api.post(f"/api/v1/authorizations/{auth['id']}/decision", json={"grant": True, "reason": "indicatie akkoord"},
                 headers=adv)
    assert g.status_code == 200, g.text
    assert line["line_id"] in g.json()["released_lines"]
    after = api.get(f"/api/v1/lines/{line['line_id']}", headers=adv).json()["decisions"][0]
    assert after["status"] in ("accepted", "partial") and float(after["paid"]) > 0


def test_the_date_of_receipt_is_not_the_senders(api, service_book):
    """A provider cannot backdate the date of receipt (it would get around the three-year window),
    in JSON lines or with an upload; claims staff may record the day a claim came by post, and the
    decision and its payment due date both use it."""
    book = service_book
    member, agb = book.members["A"], book.providers["A"]
    bsn = book.ctx.world.members.filter(pl.col("member_id") == member)["bsn"][0]
    line = {"line_id": f"RC-{uuid.uuid4().hex[:8]}", "member_id": member, "bsn": bsn, "provider": agb,
            "service_date": "2026-11-02", "code": "fysio/1000", "amount": "39.00", "received": "2026-11-05"}
    r = api.post("/api/v1/claims", json={"lines": [line]}, headers=token(api, "provider-a"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "received"
    csv = ("line_id,member_id,bsn,provider,service_date,code,amount\n"
           f"RU-{uuid.uuid4().hex[:8]},{member},{bsn},{agb},2026-11-02,fysio/1000,39.00\n")
    r = api.post("/api/v1/claims", files={"file": ("c.csv", csv, "text/csv")}, data={"received": "2026-11-05"},
                 headers=token(api, "provider-a"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "received"
    r = api.post("/api/v1/claims", json={"lines": [line]}, headers=token(api, "handler"))
    assert r.status_code == 201, r.text
    with book.ctx.engine.connect() as conn:
        from zorgclaim.store.models import ClaimLine
        assert conn.execute(select(ClaimLine.received).where(ClaimLine.line_id == line["line_id"])).scalar() \
            == dt.date(2026, 11, 5)


def test_a_reconsideration_closes_only_a_request_for_its_line(api, service_book):
    ctx = service_book.ctx
    with ctx.engine.connect() as conn:
        a, b = [r[0] for r in conn.execute(
            select(Decision.line_id).where(Decision.status.in_(["accepted", "partial"]) & Decision.superseded_by.is_(None)
                                           & ~Decision.line_id.like("%-R%"))
            .order_by(Decision.line_id.desc()).limit(2))]
    h = token(api, "handler")
    asked = api.post(f"/api/v1/lines/{a}/reconsideration-requests", json={"reason": "please look again"}, headers=h)
    assert asked.status_code in (200, 201), asked.text
    rid = asked.json()["id"]
    r = api.post(f"/api/v1/lines/{b}/reconsider", json={"reason": "checked", "request_id": rid}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "request_id"
    listed = api.get("/api/v1/reconsideration-requests", headers=h).json()["requests"]
    assert any(q["id"] == rid and q["state"] == "open" for q in listed)


def test_a_providers_authorization_request_does_not_tell_who_is_insured(api, service_book):
    """A provider may ask for a new patient, so an unknown member number and a benefit the member
    does not have get the same answer, naming no products."""
    h = token(api, "provider-a")
    member = service_book.members["B"]
    answers = [api.post("/api/v1/authorizations", json={"member_id": m, "benefit": b, "from": "2026-11-01"}, headers=h)
               for m, b in (("M-NOBODY-9", "msr"), (member, "no-such-benefit"))]
    assert [r.status_code for r in answers] == [422, 422]
    assert answers[0].json()["detail"] == answers[1].json()["detail"]
    assert "known" not in answers[1].text and "/" not in answers[1].json()["detail"]


def test_prior_treatments_after_a_switch_count_on_the_condition(api, service_book):
    """A handler enters a provider's statement of treatments at the previous insurer; the member's
    remaining limits show them on the per-condition counter, and the statement is listed."""
    member = service_book.members["A"]
    h = token(api, "handler")
    r = api.post(f"/api/v1/members/{member}/prior-treatments", headers=h,
                 json={"diagnosis": "1340", "started": "2026-03-02", "treatments": 12, "note": "statement of 2026-11-01"})
    assert r.status_code == 201, r.text
    assert r.json()["treatments"] == 12 and r.json()["entered_by"] == "handler"
    listed = api.get(f"/api/v1/members/{member}/prior-treatments", headers=h).json()["statements"]
    assert [s["diagnosis"] for s in listed] == ["1340"]
    limits = api.get(f"/api/v1/members/{member}/remaining", headers=h).json()["limits"]
    chronic = [x for x in limits if x["benefit"] == "fysio-chronisch" and x["diagnosis"] == "1340"]
    assert chronic and chronic[0]["used"] == 12, limits
    # a benefit that does not count per condition, a code that is no DCSPH code: refused, by field
    bad = api.post(f"/api/v1/members/{member}/prior-treatments", headers=h,
                   json={"benefit": "huisarts", "diagnosis": "1340", "started": "2026-03-02", "treatments": 1})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "benefit"
    bad = api.post(f"/api/v1/members/{member}/prior-treatments", headers=h,
                   json={"diagnosis": "ZZ99", "started": "2026-03-02", "treatments": 1})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "diagnosis"
    # a provider may not enter it (the insurer checks the signed statement)
    p = token(api, "provider-a")
    assert api.post(f"/api/v1/members/{member}/prior-treatments", headers=p,
                    json={"diagnosis": "1340", "started": "2026-03-02", "treatments": 1}).status_code == 403


def test_fhir_submit_answers_an_unprocessable_claim_with_a_claim_response(api, service_book):
    h = token(api, "handler")
    claim = _fhir_claim(service_book.providers["A"], None, "fysio/1000", "2026-11-04", 39.0,
                        ident=f"U_{uuid.uuid4().hex[:6]}/1")
    r = api.post("/fhir/Claim/$submit", json=claim, headers=h)
    assert r.status_code == 200, r.text
    cr = r.json()
    assert cr["resourceType"] == "ClaimResponse" and cr["outcome"] == "error"
    assert cr["error"][0]["code"]["coding"][0]["code"] == "0300"        # no member number
    assert api.post("/fhir/Claim/$submit", json=claim, headers=token(api, "member-a")).status_code == 403


def test_fhir_submit_answers_the_public_hl7_examples(api, service_book):
    """The HL7 R4 examples (US claims) on $submit: a ClaimResponse naming the Claim, each item in
    error[] (its US code, its USD amount), valid R4B, no reference dangling; nothing is booked."""
    h = token(api, "handler") | {"content-type": "application/fhir+json"}
    with service_book.ctx.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(Decision)).scalar_one()
    for name in ("Claim-860150.json", "Claim-100153.json", "Claim-MED-00050.json"):
        claim = json.loads((Path(__file__).parent / "fhir" / "hl7-r4" / name).read_text())
        r = api.post("/fhir/Claim/$submit", content=json.dumps(claim), headers=h)
        assert r.status_code == 200, r.text
        cr = r.json()
        assert cr["resourceType"] == "ClaimResponse" and cr["outcome"] == "error" and cr["use"] == claim["use"]
        assert cr["request"]["identifier"] == claim["identifier"][0]
        assert {e.get("itemSequence") for e in cr["error"]} >= {i["sequence"] for i in claim["item"]}
        assert "found USD" in " ".join(n["text"] for n in cr["processNote"])
        assert_valid_and_resolved(cr)
    with service_book.ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Decision)).scalar_one() == before


def test_fhir_submit_answers_an_item_sent_before_not_drops_it(api, service_book):
    agb = service_book.ctx.world.providers.filter(pl.col("kind") == "hulpmiddelen")["agb"][0]
    ident = f"R-{uuid.uuid4().hex[:8]}"
    h = token(api, "handler")
    claim = _fhir_claim(agb, service_book.members["A"], "hulpmiddel/SPALK", "2026-11-03", 95.0, ident=ident)
    assert api.post("/fhir/Claim/$submit", json=claim, headers=h).status_code == 200
    claim["item"].append(dict(claim["item"][0], sequence=2, servicedDate="2026-11-05"))
    r = api.post("/fhir/Claim/$submit", json=claim, headers=h)
    assert r.status_code == 200, r.text
    cr = r.json()
    assert [i["itemSequence"] for i in cr["item"]] == [2]
    assert [(e["itemSequence"], e["code"]["coding"][0]["code"]) for e in cr["error"]] == [(1, "8021")]


def test_a_fhir_predetermination_is_estimated_and_books_nothing(api, service_book):
    agb = service_book.ctx.world.providers.filter(pl.col("kind") == "hulpmiddelen")["agb"][0]
    ident = f"P-{uuid.uuid4().hex[:8]}"
    claim = _fhir_claim(agb, service_book.members["A"], "hulpmiddel/SPALK", "2026-12-03", 95.0, "predetermination", ident)
    with service_book.ctx.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(Transfer)).scalar_one()
    r = api.post("/fhir/Claim/$submit", json=claim, headers=token(api, "handler"))
    assert r.status_code == 200, r.text
    cr = r.json()
    assert cr["use"] == "predetermination" and cr["item"][0]["itemSequence"] == 1
    assert cr["total"][0]["amount"]["value"] == 95.0
    with service_book.ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Transfer)).scalar_one() == before
        assert conn.execute(select(func.count()).select_from(Decision)
                            .where(Decision.line_id == f"{ident}-1")).scalar_one() == 0


def test_a_fhir_preauthorization_becomes_an_authorization_request_and_pays_nothing(api, service_book):
    ctx = service_book.ctx
    hotel = ctx.world.providers.filter((pl.col("kind") == "zorghotel") & pl.col("recognized_by").list.contains("onvz"))["agb"][0]
    guests = ctx.world.coverages.filter(pl.col("product").is_in(["onvz/topfit", "onvz/superfit", "onvz/zorgplan"])
                                        & (pl.col("to") >= TODAY))["member_id"].unique().sort().to_list()
    # a living adult outside the Wlz whose module covers the care hotel (its limit applies once
    # the member has an indication, so `remaining` need not list it yet)
    alive = ctx.world.members.filter(pl.col("death_date").is_null() & (pl.col("birth_date") < dt.date(2000, 1, 1))
                                     & ~pl.col("member_id").is_in(ctx.world.wlz["member_id"].implode()))["member_id"]
    member = next(m for m in guests if m in set(alive.to_list()))
    assert any(b.id == "zorghotel" for p in ("onvz/topfit", "onvz/superfit", "onvz/zorgplan")
               for b in ctx.library.benefits.get(p, []))
    claim = _fhir_claim(hotel, member, "zorghotel/ZH-DAG", "2026-12-07", 1000.0, "preauthorization", quantity=5)
    with ctx.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(Transfer)).scalar_one()
    r = api.post("/fhir/Claim/$submit", json=claim, headers=token(api, "handler"))
    assert r.status_code == 200, r.text
    cr = r.json()
    assert cr["use"] == "preauthorization" and cr["preAuthRef"].startswith("A-R")
    assert cr["outcome"] == "queued", [n["text"] for n in cr.get("processNote", [])]
    listed = api.get(f"/api/v1/authorizations?member_id={member}", headers=token(api, "adviser")).json()
    assert any(a["id"] == cr["preAuthRef"] and a["status"] == "requested" for a in listed["authorizations"])
    with ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Transfer)).scalar_one() == before


def test_care_abroad_comes_from_a_member_not_from_a_providers_agb(api, service_book):
    """A provider's AGB code names care given in the Netherlands: its lines cannot say abroad
    (they would skip its contract and the register checks). A member's own nota from abroad is
    taken and held for a claims handler at the Dutch tariff; one whose foreign provider looks like
    an AGB code is refused, naming the field (it would be shown as that Dutch provider's)."""
    book = service_book
    member, agb = book.members["A"], book.providers["A"]
    bsn = book.ctx.world.members.filter(pl.col("member_id") == member)["bsn"][0]
    line = {"line_id": f"AB-{uuid.uuid4().hex[:8]}", "member_id": member, "bsn": bsn, "provider": agb, "country": "BE",
            "service_date": "2026-11-02", "code": "fysio/1000", "amount": "39.00"}
    for who in ("provider-a", "handler"):
        r = api.post("/api/v1/claims", json={"lines": [line]}, headers=token(api, who))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines.0.provider"
    r = api.post("/api/v1/claims", json={"lines": [line | {"country": "XX"}]}, headers=token(api, "handler"))
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["lines.0.country"]
    foreign = line | {"line_id": f"AB-{uuid.uuid4().hex[:8]}", "provider": "BE-KINE-0042", "submitted_by": "member",
                      "channel": "online"}
    r = api.post("/api/v1/claims", json={"lines": [foreign]}, headers=token(api, "member-a"))
    assert r.status_code == 201, r.text
    assert r.json()["decided"][0]["status"] == "pended"


def test_a_fhir_claim_from_a_provider_abroad_is_held_for_a_person(api, service_book):
    """A FHIR Claim from a provider abroad on `$submit`: where each item was given in
    item.locationAddress.country (alpha-3 mapped to alpha-2), the provider by its own identifier (a
    German IK number, no AGB code). The item is held for a claims handler by the care-abroad review
    rule, as a nota from abroad is: the ClaimResponse is `queued` with only the submitted amount,
    the line is stored with its country. An item whose country is no code is answered with an
    error naming the element, and the good item of that Claim is still taken."""
    from zorgclaim.store.models import ClaimLine
    member, h = service_book.members["A"], token(api, "handler")
    ident = f"DE-{uuid.uuid4().hex[:8]}"
    claim = _fhir_claim("04100026", member, "fysio/1000", "2026-11-02", 39.0, ident=ident)
    claim["contained"][1]["identifier"] = [{"system": "http://fhir.de/sid/arge-ik/iknr", "value": "269999990"}]
    claim["item"][0]["locationAddress"] = {"city": "Aachen", "country": "DEU"}
    r = api.post("/fhir/Claim/$submit", content=json.dumps(claim), headers=h | {"content-type": "application/fhir+json"})
    assert r.status_code == 200, r.text
    cr = r.json()
    assert cr["outcome"] == "queued" and "in behandeling" in cr["disposition"] and "error" not in cr
    assert [a["category"]["coding"][0]["code"] for a in cr["item"][0]["adjudication"]] == ["submitted"]
    assert any("Aangehouden" in n["text"] and "buitenland" in n["text"] for n in cr["processNote"])
    assert_valid_and_resolved(cr)
    with service_book.ctx.engine.connect() as conn:
        row = conn.execute(select(ClaimLine.country, ClaimLine.provider, Decision.status, ReviewItem.rule)
                           .join(Decision, Decision.line_id == ClaimLine.line_id)
                           .join(ReviewItem, ReviewItem.line_id == ClaimLine.line_id)
                           .where(ClaimLine.line_id == f"{ident}-1")).one()
    assert tuple(row) == ("DE", "269999990", "pended", "care-abroad")
    # a second Claim: one item in a country that is no code, one in Belgium
    claim = _fhir_claim("04100026", member, "fysio/1000", "2026-11-03", 39.0, ident=f"BE-{uuid.uuid4().hex[:8]}")
    claim["contained"][1]["identifier"] = [{"system": "urn:example:be-provider", "value": "BE-KINE-0042"}]
    claim["item"][0]["locationAddress"] = {"country": "Belgique"}
    claim["item"].append(dict(claim["item"][0], sequence=2, locationAddress={"country": "BE"}))
    cr = api.post("/fhir/Claim/$submit", json=claim, headers=h).json()
    assert cr["outcome"] == "partial" and [i["itemSequence"] for i in cr["item"]] == [2]
    assert [(e["itemSequence"], e["code"]["coding"][0]["code"]) for e in cr["error"]] == [(1, "8002")]
    assert any("Claim.item[0].locationAddress.country" in n["text"] and "'Belgique'" in n["text"]
               for n in cr["processNote"])


def test_a_providers_own_lines_are_care_in_the_netherlands():
    """(Behind the input checks, which already refuse an AGB code for a provider abroad.)"""
    import datetime as dt

    from zorgclaim.app.access import Invalid, Principal
    from zorgclaim.app.claims import own_lines
    from zorgclaim.domain.schema import conform_lines
    lines = conform_lines(pl.DataFrame({"line_id": ["X1"], "member_id": ["M1"], "bsn": ["111222333"],
                                        "provider": ["04100026"], "country": ["BE"], "received": [dt.date(2026, 11, 3)],
                                        "service_date": [dt.date(2026, 11, 2)], "code": ["fysio/1000"], "declared": [3900]}))
    provider = Principal("p", "provider", provider="04100026")
    with pytest.raises(Invalid, match="abroad"):
        own_lines(provider, lines)
    own_lines(provider, lines.with_columns(pl.lit("NL").alias("country")))       # in the Netherlands: fine


def test_the_demo_patient_printed_at_start_is_the_providers_own_patient(service_book):
    """`zorgclaim serve --demo` names a patient of the provider user for the README's session: one
    the API lets that provider see (a line not refused), alive, with the BSN of the world's member."""
    from sqlalchemy import func, select

    from zorgclaim.app.demo import demo_patient
    from zorgclaim.app.members import own_patient
    from zorgclaim.store.models import ClaimLine
    ctx = service_book.ctx
    with ctx.engine.connect() as conn:
        agb = conn.execute(select(ClaimLine.provider).where(ClaimLine.provider.like("04%")).group_by(ClaimLine.provider)
                           .order_by(func.count().desc(), ClaimLine.provider).limit(1)).scalar_one()
    member, bsn = demo_patient(ctx, agb)
    assert own_patient(ctx, agb, member)
    row = ctx.world.members.filter(pl.col("member_id") == member)
    assert row["bsn"].to_list() == [bsn] and row["death_date"].null_count() == 1
    assert demo_patient(ctx, "99999999") is None
