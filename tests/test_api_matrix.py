"""The authorization matrix: every role x every endpoint x its own resource (A) and someone else's
(B), on SQLite and PostgreSQL. Each cell is allowed (any answer but 401/403) or refused (exactly
403); and no answer to a member or provider of side A - allowed or refused - carries the member
number or AGB of side B, unless the request itself named them where the role may (a provider asking
an authorization for a new patient)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import polars as pl
from fastapi.testclient import TestClient
from sqlalchemy import select

from service_support import PASSWORD
from zorgclaim.api import create_app
from zorgclaim.app import authorizations, jobs
from zorgclaim.app.access import Principal
from zorgclaim.store.models import ClaimLine, Decision, ReviewItem

ROLES = {"member": "member-a", "provider": "provider-a", "handler": "handler", "medical_adviser": "adviser",
         "finance": "finance", "admin": "admin"}
Y, N = True, False


class Resources:
    """Fresh resources of side A (member A, provider A) and side B, made on demand."""

    def __init__(self, book):
        self.book, self.ctx = book, book.ctx
        self.m, self.p = book.members, book.providers
        with self.ctx.engine.connect() as conn:
            def decided(side):
                return [r[0] for r in conn.execute(
                    select(Decision.line_id).join(ClaimLine, ClaimLine.line_id == Decision.line_id)
                    .where((ClaimLine.member_id == self.m[side]) & (ClaimLine.provider == self.p[side])
                           & Decision.status.in_(["accepted", "partial"]) & ClaimLine.credits.is_(None)
                           & (Decision.superseded_by.is_(None))).order_by(Decision.line_id))]
            self.lines = {"A": decided("A"), "B": decided("B")}
            # lines to reconsider (staff only, so whose they are does not matter): any decided debit
            self.spare = [r[0] for r in conn.execute(
                select(Decision.line_id).join(ClaimLine, ClaimLine.line_id == Decision.line_id)
                .where((Decision.status.in_(["accepted", "partial"])) & ClaimLine.credits.is_(None)
                       & Decision.superseded_by.is_(None)).order_by(Decision.line_id).limit(40))]
            self.held = [r[0] for r in conn.execute(
                select(ReviewItem.line_id).where((ReviewItem.state == "open") & (ReviewItem.queue == "handler"))
                .order_by(ReviewItem.line_id))]
        self.hulp = self.ctx.world.providers.filter(pl.col("kind") == "hulpmiddelen")["agb"][0]
        members = self.ctx.world.members
        self.bsn = {s: members.filter(pl.col("member_id") == m)["bsn"][0] for s, m in self.m.items()}

    def line(self, side):
        return self.lines[side][0]

    def fresh_line(self, side):
        return self.spare.pop()

    def held_line(self):
        return self.held.pop()

    def auth(self, side):
        p = Principal(f"provider-{side.lower()}", "provider", provider=self.p[side])
        return authorizations.request(self.ctx, p, self.m[side], "hulpmiddel", dt.date(2026, 11, 1), None, "matrix")["id"]

    def job(self, side):
        p = Principal(f"provider-{side.lower()}", "provider", provider=self.p[side])
        csv = (f"line_id,member_id,bsn,provider,received,service_date,code,amount\n"
               f"J{uuid.uuid4().hex[:10]},{self.m[side]},{self.bsn[side]},{self.p[side]},2026-11-20,2026-11-10,"
               "fysio/1000,39.00\n")
        return jobs.start(self.ctx, p, csv.encode(), "matrix.csv", wait=True)

    def claim_line(self, role, side):
        """A line of the side's member; a member sends it as its own nota, others for the side's provider."""
        return {"line_id": f"X{uuid.uuid4().hex[:12]}", "member_id": self.m[side],
                "provider": self.p[side] if role != "member" else self.hulp,
                "service_date": "2026-11-03", "code": "fysio/1000" if role != "member" else "hulpmiddel/KRUK",
                "amount": "39.00", "submitted_by": "member" if role == "member" else "provider",
                "bsn": self.bsn[side]}

    def fhir(self, side):
        return {"resourceType": "Claim", "id": "m", "status": "active", "use": "claim",
                "identifier": [{"system": "urn:test", "value": f"FM{uuid.uuid4().hex[:10]}"}],
                "type": {"coding": [{"code": "professional"}]}, "patient": {"reference": "#p"},
                "created": "2026-11-20", "provider": {"reference": "#o"}, "priority": {"coding": [{"code": "normal"}]},
                "contained": [{"resourceType": "Patient", "id": "p", "identifier": [
                    {"system": "urn:zorgclaim:member-number", "value": self.m[side]},
                    {"system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": self.bsn[side]}]},
                    {"resourceType": "Organization", "id": "o", "identifier": [
                        {"system": "http://fhir.nl/fhir/NamingSystem/agb-z", "value": self.p[side]}]}],
                "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "basis"}}],
                "item": [{"sequence": 1, "productOrService": {"coding": [
                    {"system": "urn:zorgclaim:service-code", "code": "fysio/1000"}]},
                    "servicedDate": "2026-11-04", "net": {"value": 39.0, "currency": "EUR"}}]}


# (name, method, path(res, side), body(res, role, side) or None, expected {role: (A, B)}, sided)
def cases():
    S = {"handler": (Y, Y), "medical_adviser": (Y, Y), "finance": (N, N), "admin": (N, N)}
    own = {"member": (Y, N), "provider": (Y, N)}
    return [
        ("line", "GET", lambda r, s: f"/api/v1/lines/{r.line(s)}", None, own | S),
        ("lines of a member", "GET", lambda r, s: f"/api/v1/lines?member_id={r.m[s]}", None,
         {"member": (Y, N), "provider": (Y, Y)} | S),        # a provider sees only its own lines of any member
        ("lines of a provider", "GET", lambda r, s: f"/api/v1/lines?provider={r.p[s]}", None,
         {"member": (Y, Y), "provider": (Y, N)} | S),        # a member sees only its own lines
        ("deductible", "GET", lambda r, s: f"/api/v1/members/{r.m[s]}/deductible", None, own | S),
        ("remaining", "GET", lambda r, s: f"/api/v1/members/{r.m[s]}/remaining", None, own | S),
        ("prior treatments", "GET", lambda r, s: f"/api/v1/members/{r.m[s]}/prior-treatments", None, own | S),
        ("enter prior treatments", "POST", lambda r, s: f"/api/v1/members/{r.m[s]}/prior-treatments",
         lambda r, role, s: {"diagnosis": "4501", "started": "2026-01-05", "treatments": 3, "note": "matrix test"},
         {"member": (N, N), "provider": (N, N), "handler": (Y, Y), "medical_adviser": (N, N), "finance": (N, N),
          "admin": (N, N)}),
        ("estimate", "POST", lambda r, s: "/api/v1/estimate",
         lambda r, role, s: {"member_id": r.m[s], "provider": r.p[s], "code": "fysio/1000",
                             "service_date": "2026-12-01", "amount": "39.00"}, own | S),
        ("submit lines", "POST", lambda r, s: "/api/v1/claims",
         lambda r, role, s: {"lines": [r.claim_line(role, s)]},
         own | {"handler": (Y, Y), "medical_adviser": (N, N), "finance": (N, N), "admin": (N, N)}),
        ("FHIR submit", "POST", lambda r, s: "/fhir/Claim/$submit", lambda r, role, s: r.fhir(s),
         {"member": (N, N), "provider": (Y, N), "handler": (Y, Y), "medical_adviser": (N, N), "finance": (N, N),
          "admin": (N, N)}),
        ("upload", "UPLOAD", lambda r, s: "/api/v1/claims", lambda r, role, s: (
            f"line_id,member_id,provider,received,service_date,code,amount\n"
            f"U{uuid.uuid4().hex[:10]},{r.m[s]},{r.p[s]},2026-11-20,2026-11-12,fysio/1000,39.00\n").encode(),
         {"member": (N, N), "provider": (Y, N), "handler": (Y, Y), "medical_adviser": (N, N), "finance": (N, N),
          "admin": (N, N)}),
        ("job", "GET", lambda r, s: f"/api/v1/jobs/{r.job(s)}", None,
         {"member": (N, N), "provider": (Y, N), "handler": (Y, Y), "medical_adviser": (N, N), "finance": (N, N),
          "admin": (N, N)}),
        ("ask authorization", "POST", lambda r, s: "/api/v1/authorizations",
         lambda r, role, s: {"member_id": r.m[s], "benefit": "hulpmiddel", "from": "2026-11-01"},
         {"member": (Y, N), "provider": (Y, Y)} | S),
        ("authorization", "GET", lambda r, s: f"/api/v1/authorizations/{r.auth(s)}", None, own | S),
        ("authorizations", "GET", lambda r, s: "/api/v1/authorizations", None,
         {"member": (Y, Y), "provider": (Y, Y)} | S),
        ("decide authorization", "POST", lambda r, s: f"/api/v1/authorizations/{r.auth(s)}/decision",
         lambda r, role, s: {"grant": True, "reason": "matrix test"},
         {"member": (N, N), "provider": (N, N), "handler": (N, N), "medical_adviser": (Y, Y), "finance": (N, N),
          "admin": (N, N)}),
        ("review queue", "GET", lambda r, s: "/api/v1/review/queue", None,
         {"member": (N, N), "provider": (N, N)} | S),
        ("take", "POST", lambda r, s: f"/api/v1/review/{r.held_line()}/take", None,
         {"member": (N, N), "provider": (N, N)} | S),
        ("first-pass", "GET", lambda r, s: "/api/v1/review/first-pass", None,
         {"member": (N, N), "provider": (N, N), "handler": (Y, Y), "medical_adviser": (Y, Y), "finance": (Y, Y),
          "admin": (N, N)}),
        ("watch list", "GET", lambda r, s: "/api/v1/review/watch-list", None,
         {"member": (N, N), "provider": (N, N), "handler": (Y, Y), "medical_adviser": (N, N), "finance": (N, N),
          "admin": (N, N)}),
        ("add to watch list", "POST", lambda r, s: "/api/v1/review/watch-list",
         lambda r, role, s: {"kind": "provider", "id": r.p[s], "reason": "matrix test"},
         {"member": (N, N), "provider": (N, N), "handler": (Y, Y), "medical_adviser": (N, N), "finance": (N, N),
          "admin": (N, N)}),
        ("provider statement", "GET", lambda r, s: f"/api/v1/providers/{r.p[s]}/statement", None,
         {"member": (N, N), "provider": (Y, N), "handler": (Y, Y), "medical_adviser": (N, N), "finance": (Y, Y),
          "admin": (N, N)}),
        ("provider payments", "GET", lambda r, s: f"/api/v1/providers/{r.p[s]}/payments", None,
         {"member": (N, N), "provider": (Y, N), "handler": (Y, Y), "medical_adviser": (N, N), "finance": (Y, Y),
          "admin": (N, N)}),
        ("member statement", "GET", lambda r, s: f"/api/v1/members/{r.m[s]}/statement", None,
         {"member": (Y, N), "provider": (N, N), "handler": (Y, Y), "medical_adviser": (N, N), "finance": (Y, Y),
          "admin": (N, N)}),
        ("payment run", "POST", lambda r, s: "/api/v1/payment-runs", lambda r, role, s: {"date": "2026-11-27"},
         {"member": (N, N), "provider": (N, N), "handler": (N, N), "medical_adviser": (N, N), "finance": (Y, Y),
          "admin": (N, N)}),
        ("payment runs", "GET", lambda r, s: "/api/v1/payment-runs", None,
         {"member": (N, N), "provider": (N, N), "handler": (N, N), "medical_adviser": (N, N), "finance": (Y, Y),
          "admin": (N, N)}),
        ("pain.001", "GET", lambda r, s: "/api/v1/payment-runs/1/pain001", None,
         {"member": (N, N), "provider": (N, N), "handler": (N, N), "medical_adviser": (N, N), "finance": (Y, Y),
          "admin": (N, N)}),
        ("deductible invoices", "POST", lambda r, s: "/api/v1/deductible-invoices", lambda r, role, s: {"date": "2026-11-27"},
         {"member": (N, N), "provider": (N, N), "handler": (N, N), "medical_adviser": (N, N), "finance": (Y, Y),
          "admin": (N, N)}),
        ("trial balance", "GET", lambda r, s: "/api/v1/ledger/trial-balance", None,
         {"member": (N, N), "provider": (N, N), "handler": (N, N), "medical_adviser": (N, N), "finance": (Y, Y),
          "admin": (N, N)}),
        ("users", "GET", lambda r, s: "/api/v1/users", None,
         {"member": (N, N), "provider": (N, N), "handler": (N, N), "medical_adviser": (N, N), "finance": (N, N),
          "admin": (Y, Y)}),
        ("add user", "POST", lambda r, s: "/api/v1/users",
         lambda r, role, s: {"name": f"u{uuid.uuid4().hex[:8]}", "role": "handler", "password": "long-enough-1"},
         {"member": (N, N), "provider": (N, N), "handler": (N, N), "medical_adviser": (N, N), "finance": (N, N),
          "admin": (Y, Y)}),
        ("ask reconsideration", "POST", lambda r, s: f"/api/v1/lines/{r.line(s)}/reconsideration-requests",
         lambda r, role, s: {"reason": "matrix test"}, own | S),
        ("reconsideration requests", "GET", lambda r, s: "/api/v1/reconsideration-requests", None,
         {"member": (Y, Y), "provider": (Y, Y)} | S),
        ("reconsider", "POST", lambda r, s: f"/api/v1/lines/{r.fresh_line(s)}/reconsider",
         lambda r, role, s: {"reason": "matrix test", "quantity": 1},
         {"member": (N, N), "provider": (N, N)} | S),
    ]


# a provider may name another provider's patient where it asks an authorization for a new patient,
# and then sees that request of its own in its list
NAMES_B_BY_DESIGN = {("ask authorization", "provider"), ("authorizations", "provider")}


def _call(api, method, path, body, headers):
    if method == "GET":
        return api.get(path, headers=headers)
    if method == "UPLOAD":
        return api.post(path, files={"file": ("m.csv", body, "text/csv")}, headers=headers)
    if path.startswith("/fhir"):
        return api.post(path, content=json.dumps(body), headers=headers | {"content-type": "application/fhir+json"})
    return api.post(path, json=body, headers=headers)


def test_authorization_matrix(service_book):
    res = Resources(service_book)
    failures, cells = [], 0
    with TestClient(create_app(service_book.ctx)) as api:
        headers = {}
        for role, user in ROLES.items():
            t = api.post("/api/v1/token", data={"username": user, "password": PASSWORD}).json()["access_token"]
            headers[role] = {"Authorization": f"Bearer {t}"}
        secrets_b = (res.m["B"], res.p["B"])
        for name, method, path, body, expected, in cases():
            assert set(expected) == set(ROLES), name
            for role in ROLES:
                for k, side in enumerate(("A", "B")):
                    cells += 1
                    url = path(res, side)
                    r = _call(api, method, url, body(res, role, side) if body else None, headers[role])
                    allowed = expected[role][k]
                    if allowed and r.status_code in (401, 403):
                        failures.append(f"{name} as {role} on {side}: expected allowed, got {r.status_code}: {r.text[:150]}")
                    if not allowed and r.status_code != 403:
                        failures.append(f"{name} as {role} on {side}: expected 403, got {r.status_code}: {r.text[:150]}")
                    if allowed and r.status_code >= 500:
                        failures.append(f"{name} as {role} on {side}: server error {r.status_code}")
                    if role in ("member", "provider") and (name, role) not in NAMES_B_BY_DESIGN:
                        leaked = [s for s in secrets_b if s in r.text and s not in url]
                        if leaked:
                            failures.append(f"{name} as {role} on {side}: the answer names side B's {leaked}")
    assert cells >= 300
    assert not failures, "\n".join(failures)


def test_a_provider_cannot_make_a_stranger_its_patient(service_book):
    """Provider A sends lines for member B (not its patient): without a BSN they are refused, with
    a BSN that is not B's they are rejected (0435), and a credit of provider B's line for B is
    rejected (8017: no debit of A for B). B stays no patient of A, and B's line stands."""
    res = Resources(service_book)
    b_line = res.line("B")
    with TestClient(create_app(service_book.ctx)) as api:
        t = api.post("/api/v1/token", data={"username": "provider-a", "password": PASSWORD}).json()["access_token"]
        h = {"Authorization": f"Bearer {t}"}
        assert api.get(f"/api/v1/members/{res.m['B']}/remaining", headers=h).status_code == 403
        line = {"member_id": res.m["B"], "provider": res.p["A"], "service_date": "2026-11-03", "code": "fysio/1000",
                "amount": "39.00"}
        r = api.post("/api/v1/claims", json={"lines": [dict(line, line_id=f"S{uuid.uuid4().hex[:10]}")]}, headers=h)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "bsn"
        other = "123456782" if res.bsn["B"] != "123456782" else "111222333"
        r = api.post("/api/v1/claims", json={"lines": [dict(line, line_id=f"S{uuid.uuid4().hex[:10]}", bsn=other)]},
                     headers=h)
        assert r.status_code == 201 and r.json()["decided"][0]["status"] == "rejected"
        assert "0435" in r.json()["decided"][0]["codes"]
        credit = dict(line, line_id=f"S{uuid.uuid4().hex[:10]}", bsn=res.bsn["B"], amount="-39.00", credits=b_line)
        r = api.post("/api/v1/claims", json={"lines": [credit]}, headers=h)
        assert r.status_code == 201 and r.json()["decided"][0]["status"] == "rejected"
        assert "8017" in r.json()["decided"][0]["codes"]
        assert api.get(f"/api/v1/members/{res.m['B']}/remaining", headers=h).status_code == 403
    with service_book.ctx.engine.connect() as conn:
        assert conn.execute(select(Decision.status).where(Decision.line_id == b_line)).scalar() != "rejected"
