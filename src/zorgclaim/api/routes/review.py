"""The review queue: list, take, release, decide; the first-pass rate; the watch list."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from zorgclaim.api.deps import caller, ctx
from zorgclaim.api.money import Euros, cents, eur
from zorgclaim.app import review
from zorgclaim.app.access import Principal
from zorgclaim.app.context import Context

router = APIRouter(prefix="/api/v1/review", tags=["review"])


def _item(i: dict) -> dict:
    out = dict(i)
    for k in ("declared", "allowed_max"):
        if isinstance(out.get(k), int):
            out[k] = eur(out[k])
    if isinstance(out.get("proposal"), dict):
        out["proposal"] = {k: eur(v) if k in ("allowed", "deductible", "paid") else v
                           for k, v in out["proposal"].items()}
    out["href"] = f"/api/v1/lines/{i['line_id']}"
    return out


@router.get("/queue", summary="Held lines, oldest first (filter by queue, rule, care kind, provider, amount)")
def queue(queue: Literal["handler", "medical"] | None = None, rule: str | None = None, care_kind: str | None = None,
          provider: str | None = None, member_id: str | None = None, min_amount: Euros | None = None,
          max_amount: Euros | None = None, state: Literal["open", "taken", "waiting", "decided"] = "waiting",
          limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
          c: Context = Depends(ctx), p: Principal = Depends(caller)):
    states = ("open", "taken") if state == "waiting" else (state,)
    items, total = review.queue(c, p, states=states, queue=queue, rule=rule, care_kind=care_kind, provider=provider,
                                member_id=member_id, min_declared=cents(min_amount) if min_amount is not None else None,
                                max_declared=cents(max_amount) if max_amount is not None else None,
                                limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset, "items": [_item(i) for i in items]}


@router.post("/{line_id}/take", summary="Take a held line (no two people take the same line)")
def take(line_id: str, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return _item(review.take(c, p, line_id))


@router.post("/{line_id}/release", summary="Put a line you took back on the queue")
def release(line_id: str, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return _item(review.release(c, p, line_id))


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["accept", "change", "reject"]
    reason: str = Field(min_length=3, max_length=2000)
    allowed_max: Euros | None = Field(None, description="With change: the most the line may be allowed, in euros")


@router.post("/{line_id}/decision", summary="Accept, change or reject a line you took, with a reason")
def decide(line_id: str, body: DecisionIn, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    r = review.decide(c, p, line_id, body.action, body.reason,
                      cents(body.allowed_max) if body.allowed_max is not None else None)
    money = lambda d: {k: eur(v) if k in ("allowed", "deductible", "paid") else v for k, v in d.items()}  # noqa: E731
    return {"line_id": r.line_id, "proposal": money(r.proposal), "decision": money(r.decision),
            "href": f"/api/v1/lines/{r.line_id}"}


@router.get("/first-pass", summary="The share of lines decided with no person: overall, per care kind, provider, rule, month")
def first_pass(c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return {k: v.to_dicts() for k, v in review.first_pass(c, p).items()}


class WatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    kind: Literal["member", "provider"]
    id: str
    reason: str = Field(min_length=3, max_length=2000)
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


@router.get("/watch-list", summary="Members and providers whose lines are held (handler)")
def watch(rule: str | None = None, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return {"entries": review.watch(c, p, rule)}


@router.post("/watch-list", status_code=201, summary="Put a member or provider on the watch list (handler)")
def add_watch(body: WatchIn, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return {"id": review.add_to_watch(c, p, body.kind, body.id, body.reason, body.from_, body.to)}
