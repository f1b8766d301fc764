"""Prior authorizations: asked for by a provider or member, decided by a medical adviser."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from zorgclaim.api.deps import caller, ctx
from zorgclaim.app import authorizations as app_auth
from zorgclaim.app.access import Principal
from zorgclaim.app.context import Context

router = APIRouter(prefix="/api/v1/authorizations", tags=["authorizations"])


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    member_id: str
    benefit: str = Field(description="The benefit id in the member's product, e.g. msr, zorghotel, gr")
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    note: str | None = Field(None, max_length=2000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    grant: bool
    reason: str = Field(min_length=3, max_length=2000)
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


@router.post("", status_code=201, summary="Ask for prior authorization (provider, member)")
def request(body: RequestIn, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return app_auth.request(c, p, body.member_id, body.benefit, body.from_, body.to, body.note)


@router.get("", summary="Authorizations asked for (medical adviser: all; others: their own)")
def listing(status: Literal["requested", "active", "denied"] | None = None, member_id: str | None = None,
            limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
            c: Context = Depends(ctx), p: Principal = Depends(caller)):
    rows, total = app_auth.listing(c, p, status, member_id, limit, offset)
    return {"total": total, "authorizations": rows}


@router.get("/{auth_id}", summary="One authorization")
def get(auth_id: str, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return app_auth.get(c, p, auth_id)


@router.post("/{auth_id}/decision", summary="Grant or refuse (medical adviser); held lines are decided again")
def decide(auth_id: str, body: DecisionIn, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return app_auth.decide(c, p, auth_id, body.grant, body.reason, body.from_, body.to)
