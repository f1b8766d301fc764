"""The claims staff's pages (/beheer): the review queue (filter, take, decide with a reason), a
line's page with its steps, sources and audit trail, and the medical adviser's authorizations."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from zorgclaim.app import authorizations, review
from zorgclaim.app.access import Forbidden, Invalid, Principal, is_staff
from zorgclaim.domain.money import to_cents
from zorgclaim.web import session
from zorgclaim.web.i18n import care_kind_label
from zorgclaim.web.pages import render
from zorgclaim.web.routes_member import line_page

router = APIRouter(prefix="/beheer", include_in_schema=False)
PAGE = 25


def staff(request: Request) -> Principal:
    p = session.principal(request)
    if not is_staff(p):
        raise Forbidden("deze pagina's zijn voor medewerkers van de verzekeraar")
    return p


@router.get("")
def queue(request: Request, queue: str | None = None, rule: str | None = None, care_kind: str | None = None,
          page: int = 1):
    p = staff(request)
    c = request.app.state.ctx
    page = max(page, 1)
    items, total = review.queue(c, p, queue=queue or None, rule=rule or None, care_kind=care_kind or None,
                                limit=PAGE, offset=(page - 1) * PAGE)
    lang = session.lang(request)       # the kinds by their names in the page's language
    kinds = sorted(set(c.reference.service_codes["care_kind"].drop_nulls().to_list()),
                   key=lambda kind: care_kind_label(kind, lang))
    return render(request, "staff_queue.html", "review_queue", p, items=items, queue=queue or "", rule=rule or "",
                  care_kind=care_kind or "", rules=[r.id for r in c.library.review_rules], care_kinds=kinds, page=page,
                  pages=max(1, math.ceil(total / PAGE)))


@router.get("/regels/{line_id}")
def line(request: Request, line_id: str):
    return line_page(request, staff(request), line_id, "staff_line.html", "/beheer", staff=True, notice=None,
                     message=None)


@router.post("/review/{line_id}/take")
async def take(request: Request, line_id: str):
    p = staff(request)
    form = await request.form()
    session.check_csrf(request, form.get("csrf"))
    await run_in_threadpool(review.take, request.app.state.ctx, p, line_id)
    return RedirectResponse(f"/beheer/regels/{line_id}", status_code=303)


@router.post("/review/{line_id}/decide")
async def decide(request: Request, line_id: str):
    p = staff(request)
    form = await request.form()
    session.check_csrf(request, form.get("csrf"))
    action, reason = str(form.get("action", "")), str(form.get("reason", ""))
    allowed_max = None
    try:
        if action == "change":
            try:
                allowed_max = to_cents(Decimal(str(form.get("allowed_max", "")).replace(",", ".")))
            except (InvalidOperation, ValueError):
                raise Invalid("give the most the line may be allowed, in euros", "allowed_max") from None
        await run_in_threadpool(review.decide, request.app.state.ctx, p, line_id, action, reason, allowed_max)
    except Invalid as e:
        return line_page(request, p, line_id, "staff_line.html", "/beheer", staff=True, notice=None, message=str(e))
    return RedirectResponse(f"/beheer/regels/{line_id}", status_code=303)


@router.get("/machtigingen")
def auths(request: Request):
    p = staff(request)
    rows, _ = authorizations.listing(request.app.state.ctx, p, status="requested")
    return render(request, "staff_authorizations.html", "authorizations", p, rows=rows)


@router.post("/machtigingen/{auth_id}")
async def decide_auth(request: Request, auth_id: str):
    p = staff(request)
    form = await request.form()
    session.check_csrf(request, form.get("csrf"))
    grant = form.get("grant") == "yes"
    await run_in_threadpool(authorizations.decide, request.app.state.ctx, p, auth_id, grant,
                            str(form.get("reason", "")))
    return RedirectResponse("/beheer/machtigingen", status_code=303)


@router.get("/dashboard")
def dashboard(request: Request):
    from zorgclaim.app.dashboard import figures
    from zorgclaim.web import charts
    from zorgclaim.web.format import euro
    from zorgclaim.web.i18n import words
    p = session.principal(request)           # figures() says who may: claims staff and finance
    t = words(session.lang(request))
    f = figures(request.app.state.ctx, p)
    fp, paid, ded = f["first_pass"], f["paid"], f["deductible"]
    months = sorted(set(paid["month"].to_list()) | set(ded["month"].to_list()))
    kinds = sorted(set(paid["care_kind"].to_list()))
    cell = {(m, k): c for m, k, c in paid.iter_rows()}
    lang = session.lang(request)
    per_kind = {care_kind_label(k, lang): [cell.get((m, k), 0) for m in months] for k in kinds}
    ded_cell = dict(ded.iter_rows())
    pct = lambda x: f"{100 * x:.1f}%"  # noqa: E731
    return render(request, "staff_dashboard.html", "dashboard", p, figures=[
        {"title": t("fig_first_pass"), "chart": charts.columns(fp["month"].to_list(), {"": fp["first_pass_rate"].to_list()},
                                                               t("fig_first_pass"), pct),
         "head": [t("month"), t("lines"), t("held"), t("fig_first_pass")],
         "rows": [(m, n, h, pct(r)) for m, n, h, r in fp.iter_rows()]},
        {"title": t("fig_refusals"), "chart": charts.bars([f"{c} {m}" for c, m in zip(f["refusals"]["code"], f["refusals"]["meaning"])],
                                                           f["refusals"]["lines"].to_list(), t("fig_refusals")),
         "head": [t("code"), t("reasons"), t("lines")], "rows": list(f["refusals"].select("code", "meaning", "lines").iter_rows())},
        {"title": t("fig_paid"), "chart": charts.columns(months, charts.largest(per_kind, t("other_kinds")), t("fig_paid"), euro),
         "head": [t("month")] + list(per_kind), "rows": [(m, *(euro(v[i]) for v in per_kind.values()))
                                                         for i, m in enumerate(months)]},
        {"title": t("fig_deductible"), "chart": charts.columns(months, {"": [ded_cell.get(m, 0) for m in months]},
                                                               t("fig_deductible"), euro),
         "head": [t("month"), t("deductible")], "rows": [(m, euro(ded_cell.get(m, 0))) for m in months]},
        {"title": t("fig_queue"), "chart": charts.bars(f["queue_age"]["age"].to_list(), f["queue_age"]["lines"].to_list(),
                                                       t("fig_queue")),
         "head": [t("age"), t("lines")], "rows": list(f["queue_age"].iter_rows())},
    ])
