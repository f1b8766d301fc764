import datetime as dt

import jwt
import pytest

from zorgclaim.api import security
from zorgclaim.api.security import BadToken, Tokens
from zorgclaim.app.access import Principal

NOW = dt.datetime.now(dt.timezone.utc)


def test_a_token_is_checked_once_and_refused_once_it_has_expired(monkeypatch):
    tokens = Tokens("s" * 48)
    token, _ = tokens.issue(Principal("anna", "handler"), now=NOW)
    assert tokens.checked(token) is None                  # not seen yet
    kind, claims = tokens.verify(token)
    assert (kind, claims["sub"]) == ("embedded", "anna")
    assert tokens.checked(token) == (kind, claims)        # the second request skips the signature
    later = claims["exp"] + 1
    monkeypatch.setattr(security.time, "time", lambda: later)
    with pytest.raises(BadToken, match="expired"):
        tokens.verify(token)
    assert tokens.checked(token) is None                  # and it is forgotten


def test_a_token_signed_with_another_key_is_not_taken_from_the_memory():
    tokens = Tokens("s" * 48)
    good, _ = tokens.issue(Principal("anna", "handler"), now=NOW)
    tokens.verify(good)
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = jwt.encode(claims, "x" * 48, algorithm="HS256")
    with pytest.raises(BadToken, match="not valid"):
        tokens.verify(forged)


def test_the_memory_of_checked_tokens_is_bounded(monkeypatch):
    monkeypatch.setattr(security, "_KEEP_VERIFIED", 3)
    tokens = Tokens("s" * 48)
    issued = [tokens.issue(Principal(f"u{k}", "handler"), now=NOW)[0] for k in range(5)]
    for t in issued:
        tokens.verify(t)
    assert len(tokens._verified) <= 3
    assert tokens.checked(issued[-1]) is not None
