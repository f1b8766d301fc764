"""Security of the service beyond the role matrix: users added on the command line with the
password on standard input (argon2 in the store, never the password), tokens from an external
OpenID Connect provider (its key set served on loopback), failed logins limited, a deactivated
user's token refused, and BSNs kept out of answers and logs."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import select

from zorgclaim.api import create_app
from zorgclaim.app.access import SYSTEM
from zorgclaim.app.context import Context, empty_world
from zorgclaim.app.users import LoginLimiter, TooManyAttempts, add_user, login
from zorgclaim.store.db import connect
from zorgclaim.store.models import AppUser


@pytest.fixture
def ctx(tmp_path):
    return Context(connect(f"sqlite:///{tmp_path / 's.db'}"), empty_world(), tmp_path / "data", lambda: dt.date(2026, 11, 26))


def test_users_add_reads_the_password_from_stdin_and_keeps_a_hash(tmp_path):
    env = {"ZORGCLAIM_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-m", "zorgclaim.cli", "users", "add", "ann", "--role", "handler"],
                       input="a-long-password\n", capture_output=True, text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "a-long-password" not in r.stdout + r.stderr
    engine = connect(f"sqlite:///{tmp_path / 'home' / 'zorgclaim.db'}")
    with engine.connect() as conn:
        stored = conn.execute(select(AppUser.password_hash, AppUser.role).where(AppUser.name == "ann")).first()
    assert stored.role == "handler" and stored.password_hash.startswith("$argon2") and "a-long-password" not in stored[0]
    bad = subprocess.run([sys.executable, "-m", "zorgclaim.cli", "users", "add", "bob", "--role", "provider"],
                         input="a-long-password\n", capture_output=True, text=True, env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "8-digit AGB" in bad.stderr and "Traceback" not in bad.stderr


def test_failed_logins_are_limited(ctx):
    add_user(ctx, SYSTEM, "carol", "handler", "right-password")
    limiter = LoginLimiter(attempts=3, window=60)
    for _ in range(3):
        assert login(ctx, "carol", "wrong", "10.0.0.1", limiter) is None
    with pytest.raises(TooManyAttempts):
        login(ctx, "carol", "right-password", "10.0.0.2", limiter)       # the name is blocked, from anywhere
    with pytest.raises(TooManyAttempts):
        login(ctx, "someone", "x", "10.0.0.1", limiter)                 # and the client, for any name
    assert login(ctx, "carol", "right-password", "10.0.0.3", LoginLimiter()) is not None


def test_the_api_answers_429_after_repeated_failures(ctx):
    add_user(ctx, SYSTEM, "dave", "handler", "right-password")
    with TestClient(create_app(ctx)) as api:
        api.app.state.limiter = LoginLimiter(attempts=2, window=60)
        codes = [api.post("/api/v1/token", data={"username": "dave", "password": "nope"}) for _ in range(3)]
    assert [r.status_code for r in codes] == [401, 401, 429]
    assert codes[2].headers["Retry-After"].isdigit() and codes[2].json()["status"] == 429


def test_a_deactivated_users_token_is_refused(ctx):
    add_user(ctx, SYSTEM, "erin", "admin", "right-password")
    add_user(ctx, SYSTEM, "frank", "handler", "right-password")
    with TestClient(create_app(ctx)) as api:
        t = api.post("/api/v1/token", data={"username": "frank", "password": "right-password"}).json()["access_token"]
        admin = api.post("/api/v1/token", data={"username": "erin", "password": "right-password"}).json()["access_token"]
        assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {t}"}).status_code == 200
        api.app.state.users.clear()          # the per-process cache of active users (30 s otherwise)
        assert api.post("/api/v1/users/frank/deactivate", headers={"Authorization": f"Bearer {admin}"}).status_code == 200
        api.app.state.users.clear()
        assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {t}"}).status_code == 401


class _Keys(BaseHTTPRequestHandler):
    body = b"{}"

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_tokens_of_an_external_openid_connect_provider(ctx, monkeypatch):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", use="sig", alg="RS256")
    _Keys.body = json.dumps({"keys": [jwk]}).encode()
    server = HTTPServer(("127.0.0.1", 0), _Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("ZORGCLAIM_OIDC_ISSUER", "https://idp.example")
        monkeypatch.setenv("ZORGCLAIM_OIDC_AUDIENCE", "zorgclaim")
        monkeypatch.setenv("ZORGCLAIM_OIDC_JWKS_URL", f"http://127.0.0.1:{server.server_port}/jwks")
        now = dt.datetime.now(dt.timezone.utc)

        def token(**over):
            claims = {"iss": "https://idp.example", "aud": "zorgclaim", "sub": "gina", "zorgclaim_role": "handler",
                      "iat": now, "exp": now + dt.timedelta(minutes=5)} | over
            return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        with TestClient(create_app(ctx)) as api:
            ok = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token()}"})
            assert ok.status_code == 200 and ok.json() == {"name": "oidc:gina", "role": "handler", "member_id": None,
                                                           "provider": None}
            prov = api.get("/api/v1/me", headers={"Authorization": "Bearer " + token(
                zorgclaim_role="provider", zorgclaim_agb="04100001", zorgclaim_member="M1")})
            assert prov.json() == {"name": "oidc:gina", "role": "provider", "member_id": None, "provider": "04100001"}
            # a member or provider token that does not say whose it is would pass every filter on it
            for bad in (token(aud="someone-else"), token(exp=now - dt.timedelta(minutes=1)),
                        token(zorgclaim_role="root"), token(iss="https://other.example"),
                        token(zorgclaim_role="provider"), token(zorgclaim_role="provider", zorgclaim_agb=""),
                        token(zorgclaim_role="provider", zorgclaim_agb=4100001), token(zorgclaim_role="member")):
                assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {bad}"}).status_code == 401
            other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            forged = jwt.encode({"iss": "https://idp.example", "aud": "zorgclaim", "sub": "gina",
                                 "zorgclaim_role": "admin", "exp": now + dt.timedelta(minutes=5)}, other_key,
                                algorithm="RS256", headers={"kid": "k1"})
            assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    finally:
        server.shutdown()


def test_a_bsn_is_never_in_an_answer_or_a_log(ctx, caplog):
    add_user(ctx, SYSTEM, "hank", "handler", "right-password")
    bsn = "111222333"
    with TestClient(create_app(ctx), raise_server_exceptions=False) as api, caplog.at_level(logging.DEBUG):
        t = api.post("/api/v1/token", data={"username": "hank", "password": "right-password"}).json()["access_token"]
        h = {"Authorization": f"Bearer {t}"}
        line = {"line_id": "B1", "member_id": "M1", "provider": "04100001", "service_date": "2026-11-02",
                "code": "fysio/1000", "amount": "39.00", "bsn": bsn}
        answers = [api.post("/api/v1/claims", json={"lines": [line]}, headers=h),
                   api.post("/api/v1/claims", json={"lines": [dict(line, amount="x")]}, headers=h),
                   api.post("/api/v1/claims", json={"lines": [dict(line, bsn=bsn * 3)]}, headers=h)]
    assert answers[0].status_code == 201 and answers[1].status_code == 422 and answers[2].status_code == 422
    for r in answers:
        assert bsn not in r.text
    assert bsn not in caplog.text


def test_an_unexpected_failure_is_a_500_problem_without_its_message(ctx, caplog, monkeypatch):
    """A failure whose message quotes a BSN (as a database error's context may): the answer is a
    500 problem with a reference, the log names the kind and place, and the server does not raise
    it again (Starlette's own handler would, and the server would log it whole)."""
    from zorgclaim.app import members

    def broken(*args, **kwargs):
        raise RuntimeError('COPY claim_line, line 1, column bsn: "111222333"')
    monkeypatch.setattr(members, "remaining", broken)
    add_user(ctx, SYSTEM, "hank", "handler", "right-password")
    with TestClient(create_app(ctx)) as api, caplog.at_level(logging.DEBUG):   # raises what the app raises
        t = api.post("/api/v1/token", data={"username": "hank", "password": "right-password"}).json()["access_token"]
        r = api.get("/api/v1/members/M1/remaining", headers={"Authorization": f"Bearer {t}"})
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    ref = r.json()["detail"].rsplit(" ", 1)[-1]
    assert "111222333" not in r.text and "111222333" not in caplog.text
    assert any(ref in m and "RuntimeError at " in m for m in caplog.messages)
