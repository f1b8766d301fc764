"""A line: its decision, explanation and audit trail; lists of lines; reconsideration."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from zorgclaim.domain.provider_id import checked_country
from zorgclaim.api.deps import caller, ctx
from zorgclaim.api.money import Euros, cents, eur
from zorgclaim.app import books, lines
from zorgclaim.app.access import Principal
from zorgclaim.app.context import Context

router = APIRouter(prefix="/api/v1", tags=["lines"])


def _money(d: dict, keys=("allowed", "deductible", "paid", "declared", "allowed_max")) -> dict:
    return {k: (eur(v) if k in keys and isinstance(v, int) else v) for k, v in d.items()}


@router.get("/lines/{line_id}", summary="A line's decision, its explanation with sources, and its audit trail")
def get_line(line_id: str, lang: Literal["nl", "en"] = "nl", c: Context = Depends(ctx), p: Principal = Depends(caller)):
    v = lines.view(c, p, line_id, lang)
    v["declared"] = eur(v["declared"])
    v["decisions"] = [_money(d) for d in v["decisions"]]
    if v["review"]:
        v["review"] = _money(v["review"])
        if isinstance(v["review"].get("proposal"), dict):
            v["review"]["proposal"] = _money(v["review"]["proposal"])
    return v


@router.get("/lines", summary="A page of a member's or a provider's decided lines")
def list_lines(member_id: str | None = None, provider: str | None = None, status: str | None = None,
               limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
               c: Context = Depends(ctx), p: Principal = Depends(caller)):
    rows, total = lines.lines_of(c, p, member_id=member_id, provider=provider, status=status, limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset, "lines": [_money(r) for r in rows]}


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=2000)


@router.post("/lines/{line_id}/reconsideration-requests", status_code=201, tags=["reconsideration"],
             summary="Ask for a line to be decided again (member, provider)")
def ask(line_id: str, body: AskIn, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return books.ask_reconsideration(c, p, line_id, body.reason)


@router.get("/reconsideration-requests", tags=["reconsideration"], summary="Requests (staff: all; others: their own)")
def requests(state: Literal["open", "done"] | None = "open", line_id: str | None = None,
             limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
             c: Context = Depends(ctx), p: Principal = Depends(caller)):
    rows, total = books.reconsideration_requests(c, p, state, line_id, limit, offset)
    return {"total": total, "requests": rows}


class NewAuthorizationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64)
    benefit: str
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None


class ReconsiderIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    reason: str = Field(min_length=3, max_length=2000)
    request_id: int | None = None
    add_authorization: NewAuthorizationIn | None = None
    code: str | None = None
    quantity: int | None = None
    amount: Euros | None = None
    diagnosis: str | None = None
    csi: str | None = None
    referral_by: str | None = None
    referral_date: dt.date | None = None
    indication_by: str | None = None
    indication_kind: str | None = None
    onset_date: dt.date | None = None
    provider_name: str | None = Field(None, max_length=200, description="The provider's name as the nota gives it")
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$", description="Where the care was given (ISO 3166-1 "
                                "alpha-2; NL for the Netherlands)")
    authorization: str | None = None

    _country = field_validator("country")(checked_country)


@router.post("/lines/{line_id}/reconsider", tags=["reconsideration"],
             summary="Decide a line again with added or corrected facts (claims handler)")
def reconsider(line_id: str, body: ReconsiderIn, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    from zorgclaim.store.reconsider import NewAuthorization
    changes = body.model_dump(exclude={"reason", "request_id", "add_authorization", "amount"}, exclude_none=True)
    if body.amount is not None:
        changes["declared"] = cents(body.amount)
    auth = None
    if body.add_authorization:
        a = body.add_authorization
        auth = NewAuthorization(a.id, a.benefit, a.from_, a.to)
    r = books.reconsider(c, p, line_id, reason=body.reason, changes=changes, authorization=auth,
                         request_id=body.request_id)
    return {"line_id": r.line_id, "credit_line_id": r.credit_line_id, "new_line_id": r.new_line_id,
            "old": _money(r.old), "new": _money(r.new), "difference": eur(r.difference),
            "changes": {k: [str(a), str(b)] for k, (a, b) in r.changes.items()},
            "href": f"/api/v1/lines/{r.new_line_id}"}
