"""The books as their people use them: a provider's current account and payments, payment runs and
deductible invoices (finance), the trial balance, and reconsideration: asked for by a member or
provider, carried out by a claims handler."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from sqlalchemy import func, insert, select, update

from zorgclaim.app.access import Conflict, Forbidden, Invalid, NotFound, Principal, is_staff, log_access, require
from zorgclaim.app.context import Context
from zorgclaim.app.lines import may_see_line
from zorgclaim.store import ledger as store
from zorgclaim.store.models import Payment, PaymentRun, ReconsiderationRequest


def _account_allowed(p: Principal, account: str) -> bool:
    kind, _, holder = account.partition(":")
    if p.role == "provider":
        return kind == "provider" and holder == p.provider
    if p.role == "member":
        return kind in ("member", "deductible") and holder == p.member_id
    return p.role in ("finance", "handler", "system")


def statement(ctx: Context, p: Principal, account: str, start: dt.date, end: dt.date) -> store.Statement:
    """An account's movements from `start` to `end` with opening, running and closing balance. An
    AGB alone means the provider's current account."""
    account = account if ":" in account else f"provider:{account}"
    if not _account_allowed(p, account):
        raise Forbidden("you may not see this account")
    if end < start:
        raise Invalid(f"the period ends ({end}) before it starts ({start})", "to")
    kind, _, holder = account.partition(":")
    log_access(ctx.engine, p, "read-statement", "provider" if kind == "provider" else "member", holder)
    return store.statement(ctx.engine, account, start, end)


def payments(ctx: Context, p: Principal, account: str, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    """The payments made to an account (provider:<AGB> or member:<id>), newest first."""
    account = account if ":" in account else f"provider:{account}"
    if not _account_allowed(p, account):
        raise Forbidden("you may not see this account")
    log_access(ctx.engine, p, "read-payments", account.split(":", 1)[0], account.split(":", 1)[1])
    with ctx.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(Payment).where(Payment.account == account)).scalar_one()
        rows = conn.execute(select(Payment.run_id, PaymentRun.run_date, PaymentRun.execution_date, Payment.amount,
                                   Payment.iban, Payment.end_to_end)
                            .join(PaymentRun, PaymentRun.id == Payment.run_id).where(Payment.account == account)
                            .order_by(PaymentRun.run_date.desc(), Payment.id.desc()).limit(limit).offset(offset)).all()
    return [dict(r._mapping) for r in rows], int(total)


def pay(ctx: Context, p: Principal, run_date: dt.date, out_dir: Path | None = None) -> store.PaymentRunResult:
    require(p, "finance")
    return store.pay(ctx.engine, ctx.world, run_date, out_dir or ctx.data_dir / "payments")


def payment_runs(ctx: Context, p: Principal, limit: int = 50) -> list[dict]:
    require(p, "finance")
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(PaymentRun.id, PaymentRun.run_date, PaymentRun.execution_date, PaymentRun.payments,
                                   PaymentRun.total, PaymentRun.file).order_by(PaymentRun.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]


def payment_file(ctx: Context, p: Principal, run_id: int) -> Path:
    require(p, "finance")
    with ctx.engine.connect() as conn:
        f = conn.execute(select(PaymentRun.file).where(PaymentRun.id == run_id)).scalar()
    if not f or not Path(f).exists():
        raise NotFound(f"payment run {run_id} has no SEPA file")
    return Path(f)


def deductible_invoices(ctx: Context, p: Principal, invoice_date: dt.date) -> list[store.Invoice]:
    require(p, "finance")
    return store.deductible_invoices(ctx.engine, invoice_date)


def trial_balance(ctx: Context, p: Principal) -> pl.DataFrame:
    require(p, "finance")
    return store.trial_balance(ctx.engine)


def ask_reconsideration(ctx: Context, p: Principal, line_id: str, reason: str) -> dict:
    """A member or provider asks for a decided line to be decided again; a claims handler answers."""
    may_see_line(ctx, p, line_id)
    if not (reason or "").strip():
        raise Invalid("say why the line should be decided again", "reason")
    with ctx.engine.begin() as conn:
        rid = conn.execute(insert(ReconsiderationRequest).values(
            line_id=line_id, asked_by=p.name, role=p.role, reason=reason, state="open", asked_at=dt.datetime.now())
            .returning(ReconsiderationRequest.id)).scalar_one()
    return {"id": rid, "line_id": line_id, "state": "open", "reason": reason}


def reconsideration_requests(ctx: Context, p: Principal, state: str | None = "open", line_id: str | None = None,
                             limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    if p.role in ("finance", "admin"):
        raise Forbidden("reconsideration requests are for members, providers and claims staff")
    cond = []
    if state:
        cond.append(ReconsiderationRequest.state == state)
    if line_id:
        cond.append(ReconsiderationRequest.line_id == line_id)
    if not is_staff(p):
        cond.append(ReconsiderationRequest.asked_by == p.name)
    cols = [ReconsiderationRequest.id, ReconsiderationRequest.line_id, ReconsiderationRequest.asked_by,
            ReconsiderationRequest.role, ReconsiderationRequest.reason, ReconsiderationRequest.state,
            ReconsiderationRequest.asked_at, ReconsiderationRequest.handled_by, ReconsiderationRequest.handled_at,
            ReconsiderationRequest.outcome]
    with ctx.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(ReconsiderationRequest).where(*cond)).scalar_one()
        rows = conn.execute(select(*cols).where(*cond).order_by(ReconsiderationRequest.asked_at)
                            .limit(limit).offset(offset)).all()
    return [dict(r._mapping) for r in rows], int(total)


def reconsider(ctx: Context, p: Principal, line_id: str, *, reason: str, changes: dict | None = None,
               authorization=None, request_id: int | None = None):
    """Decide a line again with added or corrected facts (see store.reconsider); closes the request
    it answers, if any."""
    from zorgclaim.store.reconsider import ReconsiderError
    from zorgclaim.store.reconsider import reconsider as run
    require(p, "handler", "medical_adviser")
    if authorization is not None:
        known = {b.id for bs in ctx.library.benefits.values() for b in bs}
        if authorization.benefit not in known:
            raise Invalid(f"no benefit {authorization.benefit!r} in the policy library", "authorization.benefit")
    if request_id is not None:
        with ctx.engine.connect() as conn:
            asked = conn.execute(select(ReconsiderationRequest.line_id, ReconsiderationRequest.state)
                                 .where(ReconsiderationRequest.id == request_id)).first()
        if asked is None or asked.line_id != line_id:
            raise Invalid(f"request {request_id} is no request for line {line_id!r}", "request_id")
        if asked.state != "open":
            raise Conflict(f"request {request_id} was answered already")
    try:
        r = run(ctx.engine, ctx.world, line_id, by=p.name, reason=reason, authorization=authorization,
                changes=changes or {}, booked=ctx.today())
    except ReconsiderError as e:
        text = str(e)
        raise (NotFound(text) if text.startswith("no line") else Conflict(text) if "before" in text or "not decided" in text
               else Invalid(text)) from None
    if request_id is not None:
        with ctx.engine.begin() as conn:
            conn.execute(update(ReconsiderationRequest).where((ReconsiderationRequest.id == request_id)
                                                              & (ReconsiderationRequest.line_id == line_id)).values(
                state="done", handled_by=p.name, handled_at=dt.datetime.now(),
                outcome=f"{r.new_line_id}: {r.new['status']}"))
    log_access(ctx.engine, p, "reconsider-line", "line", line_id)
    return r
