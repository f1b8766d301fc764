"""Login, logout, and the start page that sends each role to its own pages."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from zorgclaim.app.users import TooManyAttempts, login
from zorgclaim.web import session
from zorgclaim.web.i18n import words
from zorgclaim.web.pages import render

router = APIRouter(include_in_schema=False)
HOME = {"member": "/mijn", "provider": "/zorgaanbieder", "finance": "/beheer/dashboard", "admin": "/docs"}


def home_of(role: str) -> str:
    return HOME.get(role, "/beheer")


def _safe_next(target: str | None) -> str | None:
    """Only a path of this site (no scheme, no host): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/")
def start(request: Request):
    try:
        p = session.principal(request)
    except session.LoginNeeded:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(home_of(p.role), status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None):
    return render(request, "login.html", "login", next=_safe_next(next) or "", message=None)


@router.post("/login")
async def login_post(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("")):
    t = words(session.lang(request))
    client = request.client.host if request.client else "-"
    try:
        p = await run_in_threadpool(login, request.app.state.ctx, username, password, client, request.app.state.limiter)
    except TooManyAttempts:
        return render(request, "login.html", "login", status=429, next=_safe_next(next) or "", message=t("too_many"))
    if p is None:
        return render(request, "login.html", "login", status=401, next=_safe_next(next) or "", message=t("login_failed"))
    token, seconds = request.app.state.tokens.issue(p)
    response = RedirectResponse(_safe_next(next) or home_of(p.role), status_code=303)
    response.set_cookie(session.COOKIE, token, max_age=seconds, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


@router.post("/logout")
async def logout(request: Request, csrf: str = Form("")):
    session.check_csrf(request, csrf)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(session.COOKIE)
    return response


def to_login(request: Request) -> RedirectResponse:
    return RedirectResponse("/login?next=" + quote(request.url.path, safe="/"), status_code=303)
