"""The books on the pages: a provider's or member's statement and payments, the finance team's
payment runs with their pain.001 files, and the staff's member and provider pages."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from zorgclaim.app import books, lines as app_lines, members
from zorgclaim.app.access import Forbidden, Invalid, NotFound, Principal, is_staff, require
from zorgclaim.web import session
from zorgclaim.web.format import euro
from zorgclaim.web.i18n import words
from zorgclaim.web.pages import render
from zorgclaim.web.routes_member import with_status_text

router = APIRouter(include_in_schema=False)
PAGE = 25


def _period(start: str | None, end: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    try:
        a = dt.date.fromisoformat(start) if start else dt.date(today.year, 1, 1)
        b = dt.date.fromisoformat(end) if end else today
    except ValueError:
        raise Invalid("geen geldige datum (JJJJ-MM-DD)", "from") from None
    return a, b


def _statement(request: Request, p: Principal, account: str, label: str, start: str | None, end: str | None):
    c = request.app.state.ctx
    a, b = _period(start, end, c.today())
    s = books.statement(c, p, account, a, b)
    paid, _ = books.payments(c, p, account, limit=20)
    return render(request, "statement.html", "statement", p, s=s, entries=s.entries.to_dicts(), payments=paid,
                  start=a, end=b, account_label=label)


@router.get("/zorgaanbieder/overzicht")
def provider_statement(request: Request, start: str | None = None, end: str | None = None):
    p = session.principal(request)
    if p.role != "provider":
        raise Forbidden("deze pagina's zijn voor zorgaanbieders")
    start = request.query_params.get("from", start)
    end = request.query_params.get("to", end)
    return _statement(request, p, f"provider:{p.provider}", p.provider, start, end)


@router.get("/mijn/overzicht")
def member_statement(request: Request):
    p = session.principal(request)
    if p.role != "member":
        raise Forbidden("deze pagina's zijn voor verzekerden")
    return _statement(request, p, f"member:{p.member_id}", p.member_id, request.query_params.get("from"),
                      request.query_params.get("to"))


@router.get("/beheer/betaalruns")
def payment_runs(request: Request, notice: str | None = None):
    p = session.principal(request)
    c = request.app.state.ctx
    return render(request, "finance_runs.html", "payment_runs", p, runs=books.payment_runs(c, p), today=c.today(),
                  notice=notice)


@router.post("/beheer/betaalruns")
async def new_run(request: Request):
    p = session.principal(request)
    require(p, "finance")
    form = await request.form()
    session.check_csrf(request, form.get("csrf"))
    t = words(session.lang(request))
    try:
        day = dt.date.fromisoformat(str(form.get("date", "")))
    except ValueError:
        raise Invalid("geen geldige datum", "date") from None
    r = await run_in_threadpool(books.pay, request.app.state.ctx, p, day)
    n = r.payments.height
    notice = t("run_done", id=r.run_id, n=n, total=euro(int(r.payments["amount"].sum()) if n else 0)) if n \
        else t("run_nothing")
    return payment_runs(request, notice=notice)


@router.get("/beheer/betaalruns/{run_id}/pain001")
def pain001(request: Request, run_id: int):
    f = books.payment_file(request.app.state.ctx, session.principal(request), run_id)
    return FileResponse(f, media_type="application/xml", filename=f"pain001-run-{run_id}.xml")


def _staff(request: Request) -> Principal:
    p = session.principal(request)
    if not is_staff(p):
        raise Forbidden("deze pagina's zijn voor medewerkers van de verzekeraar")
    return p


@router.get("/beheer/verzekerden")
def member_page(request: Request, member_id: str | None = None, page: int = 1):
    p = _staff(request)
    c = request.app.state.ctx
    lang = session.lang(request)
    if not member_id:
        return render(request, "staff_member.html", "members_page", p, member_id=None)
    member_id = member_id.strip()
    members.member_row(c, member_id)
    page = max(page, 1)
    rows, total = app_lines.lines_of(c, p, member_id=member_id, limit=PAGE, offset=(page - 1) * PAGE)
    return render(request, "staff_member.html", "members_page", p, member_id=member_id,
                  meter=members.deductible_meter(c, p, member_id), limits=members.remaining(c, p, member_id),
                  lines=with_status_text(rows, lang), page=page, pages=max(1, math.ceil(total / PAGE)))


@router.get("/beheer/zorgaanbieders")
def provider_page(request: Request, agb: str | None = None, page: int = 1):
    p = _staff(request)
    c = request.app.state.ctx
    lang = session.lang(request)
    if not agb:
        return render(request, "staff_provider.html", "providers_page", p, agb=None)
    agb = agb.strip()
    hit = c.world.providers.filter(pl.col("agb") == agb)
    page = max(page, 1)
    rows, total = app_lines.lines_of(c, p, provider=agb, limit=PAGE, offset=(page - 1) * PAGE)
    if hit.height == 0 and total == 0:
        raise NotFound(f"geen zorgaanbieder met AGB-code {agb[:8]}")
    return render(request, "staff_provider.html", "providers_page", p, agb=agb,
                  provider=hit.row(0, named=True) if hit.height else None, lines=with_status_text(rows, lang),
                  page=page, pages=max(1, math.ceil(total / PAGE)))
