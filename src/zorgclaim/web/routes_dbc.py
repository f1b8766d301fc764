"""The clinic's DBC side on the provider pages (/zorgaanbieder/dbc): upload an activity log (and
the patients and the clinic's contract list), see each DBC (open or closed, closing date, product,
amount, who is billed and why), open the printable invoices, and the pre-check: the closed DBCs
run through the insurer's engine as the insurer would, before they are sent.

The files are processed in a temporary folder and not stored; the result is kept in this process
for an hour under a random key for the user who uploaded it (for the invoice links)."""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from collections import OrderedDict
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from zorgclaim.app import dbc
from zorgclaim.app.access import Forbidden, NotFound
from zorgclaim.app.lines import STATUS
from zorgclaim.dbc.grouping import GroupingError
from zorgclaim.formats.tabular import InputError
from zorgclaim.web import session
from zorgclaim.web.pages import render
from zorgclaim.web.routes_provider import provider

router = APIRouter(prefix="/zorgaanbieder/dbc", include_in_schema=False)
KEEP_SECONDS, KEEP_MAX = 3600, 20
MAX_FILE = 20 * 2**20


def _results(request: Request) -> OrderedDict:
    if not hasattr(request.app.state, "dbc_results"):
        request.app.state.dbc_results = OrderedDict()
    return request.app.state.dbc_results


@router.get("")
def form(request: Request):
    return render(request, "dbc.html", "dbc", provider(request), result=None, message=None)


@router.post("")
async def upload(request: Request):
    p = provider(request)
    form = await request.form()
    session.check_csrf(request, form.get("csrf"))
    folder = Path(tempfile.mkdtemp(prefix="zorgclaim-dbc-"))
    try:
        paths = {}
        for field in ("activities", "patients", "contracts"):
            f = form.get(field)
            data = await f.read() if hasattr(f, "read") else b""
            if len(data) > MAX_FILE:
                raise InputError(f"{field}: at most {MAX_FILE // 2**20} MB")
            if data:
                paths[field] = folder / f"{field}.csv"
                paths[field].write_bytes(data)
        if "activities" not in paths:
            raise InputError("activities: choose the activity log (CSV)")
        result = await run_in_threadpool(_run, request, p.provider, paths, folder)
    except (InputError, GroupingError) as e:      # a file the grouper cannot weigh: said, not a 500
        return render(request, "dbc.html", "dbc", p, status=422, result=None, message=str(e))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    key = secrets.token_urlsafe(12)
    keep = _results(request)
    keep[key] = (p.name, time.monotonic(), result)
    while len(keep) > KEEP_MAX:
        keep.popitem(last=False)
    return render(request, "dbc.html", "dbc", p, result=result, key=key, message=None)


def _run(request: Request, agb: str, paths: dict, folder: Path) -> dict:
    c = request.app.state.ctx
    lang = session.lang(request)
    b, errors = dbc.group(paths["activities"], paths.get("patients"), paths.get("contracts"), as_of=c.today())
    out = {"dbcs": b.table.sort("start", "dbc_id").to_dicts(), "lines": b.lines, "errors": [str(e) for e in errors][:200],
           "checked": None, "skipped": 0}
    if "patients" in paths:
        pre = dbc.precheck(paths["activities"], paths["patients"], paths.get("contracts"), agb, folder / "out", c.today())
        out["checked"] = [r | {"status_text": STATUS[lang].get(r["status"], r["status"]),
                               "meanings": {k: c.reference.return_code_meaning(k) for k in r["codes"]}}
                          for r in pre.decisions.drop("steps").to_dicts()]
        out["skipped"] = pre.skipped
    return out


@router.get("/{key}/factuur/{dbc_id}")
def invoice(request: Request, key: str, dbc_id: str):
    p = provider(request)
    hit = _results(request).get(key)
    if hit is None or time.monotonic() - hit[1] > KEEP_SECONDS:
        raise NotFound("dit overzicht is verlopen; stuur de bestanden opnieuw in")
    if hit[0] != p.name:
        raise Forbidden("dit overzicht is van een andere gebruiker")
    row = next((d for d in hit[2]["dbcs"] if d["dbc_id"] == dbc_id and not d["open"]), None)
    if row is None:
        raise NotFound("geen gesloten DBC met dit nummer in dit overzicht")
    from zorgclaim.dbc.html import invoice_html
    import polars as pl
    lines = hit[2]["lines"].filter(pl.col("dbc_id") == dbc_id)
    return HTMLResponse(invoice_html(row, lines), headers={"Cache-Control": "no-store"})
