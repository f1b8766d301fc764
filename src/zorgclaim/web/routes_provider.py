"""The provider's pages (/zorgaanbieder): send a claims file and see its return per line with
codes and reasons (and download the PM305), the lines sent, a patient's remaining treatments."""

from __future__ import annotations

import datetime as dt
import math

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from zorgclaim.app import authorizations, jobs, lines as app_lines, members
from zorgclaim.app.access import Forbidden, Invalid, Principal
from zorgclaim.app.lines import STATUS
from zorgclaim.formats.tabular import InputError
from zorgclaim.web import session
from zorgclaim.web.i18n import words
from zorgclaim.web.pages import render
from zorgclaim.web.routes_member import line_page, with_status_text

router = APIRouter(prefix="/zorgaanbieder", include_in_schema=False)
PAGE = 20
MAX_UPLOAD = 50 * 2**20


def provider(request: Request) -> Principal:
    p = session.principal(request)
    if p.role != "provider":
        raise Forbidden("deze pagina's zijn voor zorgaanbieders")
    return p


def _home(request: Request, p: Principal, page: int = 1, message: str | None = None, status: int = 200,
          notice: str | None = None):
    lang = session.lang(request)
    page = max(page, 1)
    rows, total = app_lines.lines_of(request.app.state.ctx, p, provider=p.provider, limit=PAGE, offset=(page - 1) * PAGE)
    return render(request, "provider_home.html", "my_lines", p, status=status, lines=with_status_text(rows, lang),
                  page=page, pages=max(1, math.ceil(total / PAGE)), message=message, notice=notice)


@router.get("")
def home(request: Request, page: int = 1):
    return _home(request, provider(request), page)


@router.post("/upload")
async def upload(request: Request):
    p = provider(request)
    form = await request.form()
    session.check_csrf(request, form.get("csrf"))
    f = form.get("file")
    data = await f.read() if hasattr(f, "read") else b""
    if not data or len(data) > MAX_UPLOAD:
        return _home(request, p, message="Kies een bestand van ten hoogste 50 MB." if session.lang(request) == "nl"
                     else "Choose a file of at most 50 MB.", status=422)
    try:
        job_id = await run_in_threadpool(jobs.start, request.app.state.ctx, p, data, f.filename or "upload", None, True)
    except InputError as e:
        return _home(request, p, message=str(e), status=422)
    return RedirectResponse(f"/zorgaanbieder/bestanden/{job_id}", status_code=303)


@router.post("/machtigingen")
async def ask_authorization(request: Request):
    p = provider(request)
    form = await request.form()
    session.check_csrf(request, form.get("csrf"))
    t = words(session.lang(request))
    try:
        start = dt.date.fromisoformat(str(form.get("from", "")))
        end = dt.date.fromisoformat(str(form["to"])) if form.get("to") else None
    except ValueError:
        return _home(request, p, message="geen geldige datum" if session.lang(request) == "nl" else "not a valid date",
                     status=422)
    try:
        a = await run_in_threadpool(authorizations.request, request.app.state.ctx, p, str(form.get("member_id", "")).strip(),
                                    str(form.get("benefit", "")), start, end, str(form.get("note") or "") or None)
    except Invalid as e:
        return _home(request, p, message=str(e), status=422)
    return _home(request, p, notice=t("authorization_asked", id=a["id"]))


@router.get("/bestanden/{job_id}")
def job(request: Request, job_id: str):
    p = provider(request)
    lang = session.lang(request)
    c = request.app.state.ctx
    j = jobs.get(c, p, job_id)
    rows = (j["result"] or {}).get("lines", [])
    shown = [r | {"status_text": STATUS[lang].get(r["status"], r["status"]),
                  "meanings": {k: c.reference.return_code_meaning(k) for k in r["codes"]}} for r in rows]
    return render(request, "provider_job.html", "returns", p, job=j, lines=shown)


@router.get("/bestanden/{job_id}/retour")
def job_return(request: Request, job_id: str):
    j = jobs.get(request.app.state.ctx, provider(request), job_id, with_file=True)
    if not j.get("return_file"):
        raise Forbidden("dit bestand heeft geen retourbericht")
    return Response(j["return_file"], media_type="text/plain; charset=latin-1",
                    headers={"Content-Disposition": f'attachment; filename="{j["return_name"]}"'})


@router.get("/kosten")
def estimate_form(request: Request):
    from zorgclaim.web.routes_member import estimate_page
    return estimate_page(request, provider(request), "/zorgaanbieder/kosten", None)


@router.post("/kosten")
async def estimate_post(request: Request):
    from zorgclaim.web.routes_member import estimate_posted
    return await estimate_posted(request, provider(request), "/zorgaanbieder/kosten", None)


@router.get("/regels/{line_id}")
def line(request: Request, line_id: str):
    return line_page(request, provider(request), line_id, "line.html", "/zorgaanbieder")


@router.get("/patient")
def patient(request: Request, member_id: str):
    p = provider(request)
    limits = members.remaining(request.app.state.ctx, p, member_id.strip())
    return render(request, "provider_patient.html", "patient", p, limits=limits)
