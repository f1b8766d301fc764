"""Bearer tokens: JWTs issued by the embedded identity provider (HS256, a secret kept in the data
folder or given in ZORGCLAIM_JWT_SECRET), or by an external OpenID Connect provider whose key set,
issuer and audience are configured - either is accepted.

External provider (all three set to use it):
    ZORGCLAIM_OIDC_ISSUER     the `iss` its tokens carry
    ZORGCLAIM_OIDC_AUDIENCE   the `aud` they must carry for this service
    ZORGCLAIM_OIDC_JWKS_URL   where its key set is published (RS256/ES256 keys)
and, for the claims that say who the user is (defaults shown):
    ZORGCLAIM_OIDC_ROLE_CLAIM=zorgclaim_role  ZORGCLAIM_OIDC_MEMBER_CLAIM=zorgclaim_member
    ZORGCLAIM_OIDC_PROVIDER_CLAIM=zorgclaim_agb   (the user's name is `sub`)
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import jwt

from zorgclaim.app.access import ROLES, Principal

EMBEDDED_ISSUER = "zorgclaim"
AUDIENCE = "zorgclaim-api"
LIFETIME = dt.timedelta(hours=1)
_KEEP_VERIFIED = 10_000


class BadToken(Exception):
    """A token that is missing, malformed, expired or not ours; the message is safe to show."""


@dataclass(frozen=True)
class External:
    issuer: str
    audience: str
    jwks_url: str
    role_claim: str = "zorgclaim_role"
    member_claim: str = "zorgclaim_member"
    provider_claim: str = "zorgclaim_agb"

    @staticmethod
    def from_env() -> "External | None":
        e = os.environ
        if not (e.get("ZORGCLAIM_OIDC_ISSUER") and e.get("ZORGCLAIM_OIDC_AUDIENCE") and e.get("ZORGCLAIM_OIDC_JWKS_URL")):
            return None
        return External(e["ZORGCLAIM_OIDC_ISSUER"], e["ZORGCLAIM_OIDC_AUDIENCE"], e["ZORGCLAIM_OIDC_JWKS_URL"],
                        e.get("ZORGCLAIM_OIDC_ROLE_CLAIM", "zorgclaim_role"),
                        e.get("ZORGCLAIM_OIDC_MEMBER_CLAIM", "zorgclaim_member"),
                        e.get("ZORGCLAIM_OIDC_PROVIDER_CLAIM", "zorgclaim_agb"))


def embedded_secret(data_dir: Path) -> str:
    """ZORGCLAIM_JWT_SECRET, else a random secret kept (0600) in the data folder, so that every
    process of one installation signs and checks with the same key."""
    if os.environ.get("ZORGCLAIM_JWT_SECRET"):
        return os.environ["ZORGCLAIM_JWT_SECRET"]
    path = data_dir / "jwt-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


class Tokens:
    def __init__(self, secret: str, external: External | None = None):
        self.secret, self.external = secret, external
        self._jwks = jwt.PyJWKClient(external.jwks_url, cache_keys=True) if external else None
        # tokens whose signature, issuer and audience were checked: a client sends the same token
        # with every request, and checking it again cost a submission ~0.4 ms of the event loop
        self._verified: dict[str, tuple[str, dict]] = {}

    def checked(self, token: str) -> tuple[str, dict] | None:
        """A token verified before and not expired since, else None (then `verify` it)."""
        hit = self._verified.get(token)
        if hit is None:
            return None
        if hit[1]["exp"] <= time.time():
            self._verified.pop(token, None)
            raise BadToken("the token has expired; ask a new one")
        return hit

    def issue(self, p: Principal, now: dt.datetime | None = None) -> tuple[str, int]:
        now = now or dt.datetime.now(dt.timezone.utc)
        claims = {"iss": EMBEDDED_ISSUER, "aud": AUDIENCE, "sub": p.name, "role": p.role, "iat": now,
                  "exp": now + LIFETIME}
        return jwt.encode(claims, self.secret, algorithm="HS256"), int(LIFETIME.total_seconds())

    def verify(self, token: str) -> tuple[str, dict]:
        """('embedded', claims) or ('external', claims) for a valid token; BadToken otherwise."""
        hit = self.checked(token)
        if hit is not None:
            return hit
        result = self._decode(token)
        if len(self._verified) >= _KEEP_VERIFIED:
            self._verified.clear()          # a bounded memory; the next requests verify again
        self._verified[token] = result
        return result

    def _decode(self, token: str) -> tuple[str, dict]:
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            raise BadToken("the token is not a JWT") from None
        try:
            if issuer == EMBEDDED_ISSUER:
                return "embedded", jwt.decode(token, self.secret, algorithms=["HS256"], audience=AUDIENCE,
                                              issuer=EMBEDDED_ISSUER, options={"require": ["exp", "sub", "aud", "iss"]})
            if self.external and issuer == self.external.issuer:
                key = self._jwks.get_signing_key_from_jwt(token).key
                return "external", jwt.decode(token, key, algorithms=["RS256", "ES256", "PS256"],
                                              audience=self.external.audience, issuer=self.external.issuer,
                                              options={"require": ["exp", "sub", "aud", "iss"]})
        except jwt.ExpiredSignatureError:
            raise BadToken("the token has expired; ask a new one") from None
        except (jwt.PyJWTError, jwt.PyJWKClientError):
            raise BadToken("the token is not valid for this service") from None
        raise BadToken("the token is from an issuer this service does not trust")

    def external_principal(self, claims: dict) -> Principal:
        x = self.external
        role = claims.get(x.role_claim)
        if role not in ROLES:
            raise BadToken(f"the token's {x.role_claim} claim names no role of this service")
        member, agb = claims.get(x.member_claim), claims.get(x.provider_claim)
        # a member or provider token must say whose it is: without it every filter on it would be empty
        if role == "member" and not (isinstance(member, str) and member.strip()):
            raise BadToken(f"a member's token must carry its member number in the {x.member_claim} claim")
        if role == "provider" and not (isinstance(agb, str) and len(agb) == 8 and agb.isdigit()):
            raise BadToken(f"a provider's token must carry its 8-digit AGB code in the {x.provider_claim} claim")
        # external names live apart from the embedded users' names (jobs, requests, records are by name)
        return Principal(f"oidc:{claims['sub']}", role, member if role == "member" else None,
                         agb if role == "provider" else None)
