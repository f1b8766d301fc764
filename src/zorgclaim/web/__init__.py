"""The web pages: server-rendered (Jinja2), on the application layer the API uses, with the same
users, roles and access log. Member pages under /mijn, provider pages under /zorgaanbieder, claims
staff under /beheer."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from zorgclaim.web import session
from zorgclaim.web.pages import HERE, error_page, is_page


def install(app: FastAPI) -> None:
    from zorgclaim.web import routes_books, routes_dbc, routes_login, routes_member, routes_provider, routes_staff
    for r in (routes_login, routes_member, routes_provider, routes_staff, routes_books, routes_dbc):
        app.include_router(r.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.state.page_error = page_error

    @app.exception_handler(session.LoginNeeded)
    async def _login(request: Request, exc: session.LoginNeeded):
        return routes_login.to_login(request)

    @app.exception_handler(session.BadCsrf)
    async def _csrf(request: Request, exc: session.BadCsrf):
        return error_page(request, 403, "Het formulier is verlopen of niet van deze site; laad de pagina opnieuw."
                          if session.lang(request) == "nl" else
                          "The form expired or is not from this site; load the page again.")


def page_error(request: Request, status: int, detail: str):
    """For a page: the error as a page (None for the API: it answers a problem document)."""
    return error_page(request, status, detail) if is_page(request) else None
