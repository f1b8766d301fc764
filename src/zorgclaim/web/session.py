"""Logging in on the pages: the same users, passwords and roles as the API. A login sets the
service's own signed token as an HttpOnly, SameSite=Strict cookie; every form carries a CSRF
token derived from that session (HMAC), checked on each POST; logging out clears the cookie."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from zorgclaim.api.security import BadToken
from zorgclaim.app.access import Principal
from zorgclaim.app.users import principal_of

COOKIE = "zc_session"
LANG_COOKIE = "zc_lang"


class LoginNeeded(Exception):
    """No valid session: the page sends the visitor to the login form."""


class BadCsrf(Exception):
    """A form came without this session's CSRF token."""


def principal(request: Request) -> Principal:
    """The logged-in user of this request (an active embedded user), else LoginNeeded."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginNeeded()
    try:
        kind, claims = request.app.state.tokens.verify(token)
    except BadToken:
        raise LoginNeeded() from None
    p = principal_of(request.app.state.ctx, claims["sub"]) if kind == "embedded" else None
    if p is None:
        raise LoginNeeded()
    return p


def csrf_token(request: Request) -> str:
    """This session's form token ('' without a session)."""
    session = request.cookies.get(COOKIE, "")
    if not session:
        return ""
    key = request.app.state.tokens.secret.encode()
    return hmac.new(key, b"csrf|" + session.encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, sent: str | None) -> None:
    want = csrf_token(request)
    if not want or not sent or not hmac.compare_digest(want, sent):
        raise BadCsrf()


def lang(request: Request) -> str:
    """nl unless the visitor chose English (?lang=en, kept in a cookie)."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return "en" if asked == "en" else "nl"
