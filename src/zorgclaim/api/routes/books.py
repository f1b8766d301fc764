"""The books: a provider's statement and payments; payment runs, deductible invoices and the
trial balance (finance)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict

from zorgclaim.api.deps import caller, ctx
from zorgclaim.api.money import eur
from zorgclaim.app import books
from zorgclaim.app.access import Principal
from zorgclaim.app.context import Context

router = APIRouter(prefix="/api/v1", tags=["books"])


def _statement(st) -> dict:
    return {"account": st.account, "from": st.start, "to": st.end, "opening": eur(st.opening),
            "closing": eur(st.closing),
            "entries": [{**e, "amount": eur(e["amount"]), "balance": eur(e["balance"])} for e in st.entries.to_dicts()]}


@router.get("/providers/{agb}/statement", summary="A provider's current account (rekening courant)")
def provider_statement(agb: str, start: dt.date | None = Query(None, alias="from"), end: dt.date | None = Query(None, alias="to"),
                       c: Context = Depends(ctx), p: Principal = Depends(caller)):
    today = c.today()
    return _statement(books.statement(c, p, f"provider:{agb}", start or dt.date(today.year, 1, 1), end or today))


@router.get("/members/{member_id}/statement", summary="What is owed to and by a member (notas paid, deductible)")
def member_statement(member_id: str, start: dt.date | None = Query(None, alias="from"),
                     end: dt.date | None = Query(None, alias="to"), c: Context = Depends(ctx),
                     p: Principal = Depends(caller)):
    today = c.today()
    a, b = start or dt.date(today.year, 1, 1), end or today
    return {"member": _statement(books.statement(c, p, f"member:{member_id}", a, b)),
            "deductible": _statement(books.statement(c, p, f"deductible:{member_id}", a, b))}


@router.get("/providers/{agb}/payments", summary="Payments made to a provider")
def provider_payments(agb: str, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
                      c: Context = Depends(ctx), p: Principal = Depends(caller)):
    rows, total = books.payments(c, p, f"provider:{agb}", limit, offset)
    return {"total": total, "payments": [{**r, "amount": eur(r["amount"])} for r in rows]}


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date


@router.post("/payment-runs", status_code=201, summary="Pay what is due on a date (finance): a SEPA pain.001 file")
def run_payments(body: RunIn, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    r = books.pay(c, p, body.date)
    return {"run_id": r.run_id, "run_date": r.run_date, "execution_date": r.execution_date,
            "payments": r.payments.height, "total": eur(int(r.payments["amount"].sum())),
            "held": [{"account": h.account, "amount": eur(h.amount), "reason": h.reason} for h in r.held],
            "file": f"/api/v1/payment-runs/{r.run_id}/pain001" if r.file else None}


@router.get("/payment-runs", summary="Payment runs, newest first (finance)")
def payment_runs(c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return {"runs": [{**r, "total": eur(r["total"]), "file": f"/api/v1/payment-runs/{r['id']}/pain001" if r["file"] else None}
                     for r in books.payment_runs(c, p)]}


@router.get("/payment-runs/{run_id}/pain001", summary="The SEPA pain.001 file of a run (finance)",
            response_class=FileResponse)
def pain001(run_id: int, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    path = books.payment_file(c, p, run_id)
    return FileResponse(path, media_type="application/xml", filename=path.name)


@router.post("/deductible-invoices", status_code=201, summary="Invoice deductible on directly billed care (finance)")
def deductible_invoices(body: RunIn, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    inv = books.deductible_invoices(c, p, body.date)
    return {"invoices": len(inv), "total": eur(sum(i.amount for i in inv)),
            "items": [{"invoice_id": i.invoice_id, "member_id": i.member_id, "amount": eur(i.amount)} for i in inv[:1000]]}


@router.get("/ledger/trial-balance", summary="Every account's balance; they sum to zero (finance)")
def trial_balance(c: Context = Depends(ctx), p: Principal = Depends(caller)):
    tb = books.trial_balance(c, p)
    kinds = {}
    for a, b in tb.iter_rows():
        kinds[a.split(":")[0]] = kinds.get(a.split(":")[0], 0) + b
    return {"accounts": tb.height, "by_kind": {k: eur(v) for k, v in sorted(kinds.items())},
            "total": eur(int(tb["balance"].sum()))}
