"""Errors as RFC 9457 problem details (application/problem+json): a title, the status, a detail a
person can act on, and for bad input the fields that are wrong. Never a traceback, a library's
internal message or a value the client sent (a BSN among them) in an answer or a log line."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from zorgclaim.api.security import BadToken
from zorgclaim.app.access import Conflict, Forbidden, Invalid, NotFound
from zorgclaim.app.failures import where
from zorgclaim.app.users import TooManyAttempts
from zorgclaim.formats.tabular import InputError

log = logging.getLogger("zorgclaim.api")
MEDIA = "application/problem+json"
TITLES = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          409: "Conflict", 413: "Too large", 415: "Unsupported media type", 422: "Unprocessable request",
          429: "Too many requests", 500: "Internal error", 503: "Unavailable"}


def problem(status: int, detail: str, request: Request | None = None, errors: list[dict] | None = None,
            headers: dict | None = None, title: str | None = None) -> JSONResponse:
    page = getattr(request.app.state, "page_error", None) if request is not None and "app" in request.scope else None
    shown = page(request, status, detail) if page else None
    if shown is not None:          # a web page asked: the same refusal, as a page
        return shown
    body = {"type": "about:blank", "title": title or TITLES.get(status, "Error"), "status": status, "detail": detail}
    if request is not None:
        body["instance"] = request.url.path
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA, headers=headers)


def _field(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [{"field": _field(e.get("loc", ())), "message": e.get("msg", "invalid")} for e in exc.errors()[:50]]
        first = errors[0] if errors else {"field": "?", "message": "invalid"}
        return problem(422, f"{first['field']}: {first['message']}", request, errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return problem(exc.status_code, str(exc.detail), request, headers=getattr(exc, "headers", None))

    @app.exception_handler(BadToken)
    async def _token(request: Request, exc: BadToken):
        return problem(401, str(exc), request, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden):
        return problem(403, str(exc), request)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound):
        return problem(404, str(exc), request)

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict):
        return problem(409, str(exc), request)

    @app.exception_handler(Invalid)
    async def _invalid(request: Request, exc: Invalid):
        errors = [{"field": exc.field, "message": str(exc)}] if exc.field else None
        return problem(422, str(exc), request, errors)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError):
        return problem(422, str(exc), request, [{"field": "file", "message": str(exc)}])

    @app.exception_handler(TooManyAttempts)
    async def _limited(request: Request, exc: TooManyAttempts):
        return problem(429, str(exc), request, headers={"Retry-After": str(exc.retry_after)})

    app.add_middleware(CatchAll)


class CatchAll:
    """Any other failure becomes a 500 problem with a reference, logged with the kind of error and
    its place, never its message (it may hold data a client sent). Starlette's own handler for
    Exception answers and then raises again, so the server would log the whole traceback and
    message: this middleware answers and stops there."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracked(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # noqa: BLE001 - the answer and the log say what they may
            ref = uuid.uuid4().hex[:12]
            log.error("internal error %s: %s", ref, where(exc))
            if not started:
                await problem(500, f"the service could not answer; reference {ref}",
                              Request(scope))(scope, receive, send)
