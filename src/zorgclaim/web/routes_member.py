"""The member's pages (/mijn): claims and their reasons, the deductible bar, what remains of
each limit, sending a nota with its PDF or photo, the estimate, and asking for reconsideration."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation

import polars as pl
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from zorgclaim.app import attachments, books, members
from zorgclaim.app import claims as app_claims
from zorgclaim.app import lines as app_lines
from zorgclaim.app.access import Forbidden, Invalid, Principal
from zorgclaim.app.estimate import estimate
from zorgclaim.app.lines import STATUS
from zorgclaim.domain.countries import HOME, choices, is_country
from zorgclaim.domain.money import to_cents
from zorgclaim.domain.provider_id import checked_provider
from zorgclaim.domain.schema import LINE_SCHEMA
from zorgclaim.web import session
from zorgclaim.web.i18n import words
from zorgclaim.web.pages import render, steps_for_page

router = APIRouter(prefix="/mijn", include_in_schema=False)
PAGE = 20


def member(request: Request) -> Principal:
    p = session.principal(request)
    if p.role != "member":
        raise Forbidden("deze pagina's zijn voor verzekerden")
    return p


def with_status_text(rows: list[dict], lang: str) -> list[dict]:
    return [r | {"status_text": STATUS[lang].get(r["status"], r["status"])} for r in rows]


@router.get("")
def home(request: Request, page: int = 1):
    p = member(request)
    lang = session.lang(request)
    c = request.app.state.ctx
    page = max(page, 1)
    rows, total = app_lines.lines_of(c, p, member_id=p.member_id, limit=PAGE, offset=(page - 1) * PAGE)
    return render(request, "member_home.html", "my_claims", p, meter=members.deductible_meter(c, p, p.member_id),
                  limits=members.remaining(c, p, p.member_id), lines=with_status_text(rows, lang), page=page,
                  pages=max(1, math.ceil(total / PAGE)))


def line_page(request: Request, p: Principal, line_id: str, template: str, base: str, **extra):
    """A line with its decisions and reasons (the member's, provider's and staff's line pages)."""
    lang = session.lang(request)
    c = request.app.state.ctx
    v = app_lines.view(c, p, line_id, lang)
    for d in v["decisions"]:
        d["rendered"] = steps_for_page(d["steps"], lang)
    return render(request, template, "line", p, v=v, attachments=attachments.of_line(c, p, line_id), base=base,
                  **extra)


@router.get("/regels/{line_id}")
def line(request: Request, line_id: str):
    return line_page(request, member(request), line_id, "member_line.html", "/mijn", notice=None)


@router.post("/regels/{line_id}/heroverweging")
async def reconsideration(request: Request, line_id: str):
    p = member(request)
    form = await request.form()
    session.check_csrf(request, form.get("csrf"))
    await run_in_threadpool(books.ask_reconsideration, request.app.state.ctx, p, line_id, str(form.get("reason", "")))
    return line_page(request, p, line_id, "member_line.html", "/mijn",
                     notice=words(session.lang(request))("reconsider_sent"))


@router.get("/regels/{line_id}/bijlage/{attachment_id}")
def attachment(request: Request, line_id: str, attachment_id: int):
    a = attachments.read(request.app.state.ctx, member(request), line_id, attachment_id)
    return Response(a["content"], media_type=a["content_type"],
                    headers={"Content-Disposition": f'inline; filename="nota-{attachment_id}"'})


def code_choices(request: Request, submitted_by: str) -> list[dict]:
    """The service codes a member can pick on a form (those a member can send a nota for first)."""
    ref = request.app.state.ctx.reference.service_codes
    rows = ref.filter(pl.col("valid_to").is_null()).select("key", "label").sort("key").to_dicts()
    return rows


def _form_line(form, p: Principal, lang: str) -> dict:
    """A form's fields as a line (cents, a date); Invalid naming the field that is wrong."""
    try:
        amount = Decimal(str(form.get("amount", "")).replace(",", ".").strip())
    except InvalidOperation:
        raise Invalid("het bedrag is geen getal" if lang == "nl" else "the amount is not a number", "amount") from None
    if amount <= 0 or amount.as_tuple().exponent < -2:
        raise Invalid("een bedrag groter dan nul, met ten hoogste twee decimalen" if lang == "nl"
                      else "an amount above zero with at most two decimals", "amount")
    try:
        service_date = dt.date.fromisoformat(str(form.get("service_date", "")))
    except ValueError:
        raise Invalid("geen geldige datum" if lang == "nl" else "not a valid date", "service_date") from None
    try:
        quantity = int(form.get("quantity") or 1)
    except ValueError:
        raise Invalid("het aantal is geen geheel getal" if lang == "nl" else "the quantity is not a whole number",
                      "quantity") from None
    country = str(form.get("country") or HOME).strip().upper()
    if not is_country(country):
        raise Invalid("kies een land uit de lijst" if lang == "nl" else "choose a country from the list", "country")
    provider = str(form.get("provider", "")).strip()
    try:                # the rule every input checks (domain.provider_id), the page's words for it
        checked_provider(provider, country)
    except ValueError:
        raise Invalid(("een AGB-code is 8 cijfers" if lang == "nl" else "an AGB code is 8 digits") if country == HOME
                      else "het kenmerk van de zorgverlener in het buitenland: letters en cijfers, ten hoogste 16, niet "
                      "alleen 8 cijfers (dat is een Nederlandse AGB-code)" if lang == "nl"
                      else "the provider's identifier abroad: letters and digits, at most 16, not 8 digits alone "
                      "(that is a Dutch AGB code)", "provider") from None
    return {"member_id": p.member_id, "provider": provider, "provider_name": (str(form.get("provider_name") or "").strip()
            or None), "country": None if country == HOME else country, "service_date": service_date,
            "code": str(form.get("code", "")), "quantity": quantity, "declared": to_cents(amount)}


@router.get("/nota")
def nota_form(request: Request):
    p = member(request)
    return render(request, "member_nota.html", "send_nota", p, codes=code_choices(request, "member"), form={},
                  countries=choices(session.lang(request)), result=None, message=None)


@router.post("/nota")
async def nota(request: Request):
    p = member(request)
    lang = session.lang(request)
    form = await request.form()
    session.check_csrf(request, form.get("csrf"))
    upload = form.get("invoice")
    content = await upload.read() if hasattr(upload, "read") else b""
    shown = {k: form.get(k) for k in ("provider", "provider_name", "country", "service_date", "code", "quantity", "amount")}
    try:
        line = _form_line(form, p, lang)
        if not content:
            raise Invalid("voeg de nota toe (PDF of foto)" if lang == "nl" else "attach the invoice (PDF or photo)", "invoice")
        attachments.kind_of(content)          # a PDF or photo, before anything is booked
        result, repeats = await run_in_threadpool(_send, request, p, line, upload.filename or "nota", content, lang)
    except Invalid as e:
        return render(request, "member_nota.html", "send_nota", p, status=422, codes=code_choices(request, "member"),
                      form=shown, countries=choices(lang), result=None, message=str(e))
    return render(request, "member_nota.html", "send_nota", p, codes=code_choices(request, "member"), form={},
                  countries=choices(lang), result=result, repeats=repeats, message=None)


def _send(request: Request, p: Principal, line: dict, filename: str, content: bytes, lang: str):
    """Decide the nota's line now (the same engine and micro-batch as the API), then keep the file with it."""
    import uuid
    c = request.app.state.ctx
    today = c.today()
    line_id = f"NOTA-{uuid.uuid4().hex[:12]}"
    row = {k: None for k in LINE_SCHEMA} | line | {"line_id": line_id, "claim_id": line_id, "submitted_by": "member",
                                                   "channel": "online", "received": today}
    frame = pl.DataFrame([row], schema=LINE_SCHEMA)
    app_claims.own_lines(p, frame)
    app_claims.check_receipt(c, p, frame)
    from zorgclaim.api.routes.claims import decision_rows

    def answer(decisions: pl.DataFrame, repeats: list[str]) -> tuple[int, dict]:
        return 201, {"decided": decision_rows(c, decisions, frame), "sent_before": repeats}
    got = request.app.state.batcher.submit(app_claims.Submission(p, frame, "web:nota", answer))
    if got.status_code >= 400:
        raise Invalid(got.body.get("detail", "not accepted"), "nota")
    attachments.add(c, p, line_id, filename, content)
    v = app_lines.view(c, p, line_id, lang)
    out = []
    for d in got.body["decided"]:
        last = v["decisions"][-1]
        out.append({"line_id": d["line_id"], "status": last["status"], "status_text": last["status_text"],
                    "allowed": last["allowed"], "deductible": last["deductible"], "paid": last["paid"],
                    "payment_due": d.get("payment_due"), "rendered": steps_for_page(last["steps"], lang)})
    return out, got.body["sent_before"]


@router.get("/kosten")
def estimate_form(request: Request):
    return estimate_page(request, member(request), "/mijn/kosten", None)


@router.post("/kosten")
async def estimate_post(request: Request):
    p = member(request)
    return await estimate_posted(request, p, "/mijn/kosten", p.member_id)


def estimate_page(request: Request, p: Principal, action: str, result, form=None, message=None, status=200):
    """The estimate form (a member for itself; a provider for a patient: `ask_member`)."""
    return render(request, "member_estimate.html", "estimate", p, status=status, codes=code_choices(request, "member"),
                  form=form or {}, result=result, message=message, action=action, ask_member=p.role != "member")


async def estimate_posted(request: Request, p: Principal, action: str, member_id: str | None):
    lang = session.lang(request)
    form = await request.form()
    session.check_csrf(request, form.get("csrf"))
    shown = {k: form.get(k) for k in ("member_id", "provider", "service_date", "code", "quantity", "amount")}
    try:
        line = _form_line(form, p, lang) | {"member_id": member_id or str(form.get("member_id", "")).strip()}
        r = await run_in_threadpool(estimate, request.app.state.ctx, p, line, lang)
    except Invalid as e:
        return estimate_page(request, p, action, None, shown, str(e), 422)
    r["status_text"] = STATUS[lang].get(r["status"], r["status"])
    r["rendered"] = steps_for_page(r["steps"], lang)
    return estimate_page(request, p, action, r, shown)
