"""Rendering a page: the templates with the visitor's language, the logged-in user, the form
token, and the filters for money and dates; and the pages that say no (403, 404)."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

from zorgclaim.app.access import Principal
from zorgclaim.domain.countries import country_name
from zorgclaim.engine.explain import render_step
from zorgclaim.web import session
from zorgclaim.web.format import day, euro
from zorgclaim.web.i18n import care_kind_label, words

HERE = Path(__file__).parent
ENV = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
ENV.filters["euro"] = euro
ENV.filters["day"] = pass_context(lambda context, value: day(value, context.get("lang", "nl")))
ENV.filters["country"] = pass_context(lambda context, code: country_name(code, context.get("lang", "nl")))
PREFIXES = ("/mijn", "/zorgaanbieder", "/beheer", "/login", "/logout")


def is_page(request: Request) -> bool:
    path = request.url.path
    return path == "/" or any(path == p or path.startswith(p + "/") for p in PREFIXES)


def render(request: Request, template: str, title_key: str, user: Principal | None = None, status: int = 200,
           **values) -> HTMLResponse:
    lang = session.lang(request)
    t = words(lang)
    from urllib.parse import urlencode
    keep = urlencode([(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "lang")])
    env_values = {"request": request, "lang": lang, "t": t, "user": user, "csrf": session.csrf_token(request),
                  "kind_label": lambda kind: care_kind_label(kind, lang),
                  "title": t(title_key) if title_key else "", "keep_query": keep + "&" if keep else ""}
    html = ENV.get_template(template).render(**env_values, **values)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in ("nl", "en"):
        response.set_cookie(session.LANG_COOKIE, request.query_params["lang"], samesite="strict", httponly=True)
    response.headers["Cache-Control"] = "no-store"
    return response


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """A refusal or a missing page, in the page's own look; nothing of what was asked for."""
    try:
        user = session.principal(request)
    except session.LoginNeeded:
        user = None
    key = {403: "denied", 404: "not_found"}.get(status, "error")
    return render(request, "error.html", key, user, status=status, message=message)


def steps_for_page(steps: list[dict], lang: str) -> list[dict]:
    """A decision's explanation steps as the pages show them: the sentence, its code, its source."""
    return [{"text": render_step(s, lang), "code": None, "source": s.get("source"), "outcome": s.get("outcome")}
            for s in steps or []]
