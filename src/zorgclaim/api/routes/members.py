"""A member's deductible meter and remaining limits; the estimate before the fact."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from zorgclaim.api.care_place import CarePlaceChecks
from zorgclaim.api.deps import caller, ctx
from zorgclaim.api.money import Euros, cents, eur
from zorgclaim.app import estimate as app_estimate
from zorgclaim.app import members
from zorgclaim.app.access import Principal
from zorgclaim.app.context import Context
from zorgclaim.domain.provider_id import PROVIDER_ID

router = APIRouter(prefix="/api/v1", tags=["members"])
AMOUNTS = ("total", "used", "left", "deductible", "limit", "allowed", "declared", "paid", "amount", "member_pays",
           "paid_by_insurer")


def euros(x):
    """Money fields of an answer in euros (counts stay counts)."""
    if isinstance(x, list):
        return [euros(v) for v in x]
    if isinstance(x, dict):
        amount_limit = x.get("money") is True
        out = {}
        for k, v in x.items():
            money = k in AMOUNTS and isinstance(v, int) and not isinstance(v, bool) and (
                k not in ("limit", "used", "left") or amount_limit or "kind" not in x)
            out[k] = eur(v) if money else euros(v)
        return out
    return x


@router.get("/members/{member_id}/deductible", summary="The deductible meter per year: total, used, left, the lines")
def deductible(member_id: str, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return {"member_id": member_id, "years": euros(members.deductible_meter(c, p, member_id))}


@router.get("/members/{member_id}/remaining",
            summary="Per limit that applies: used, left, and when its window resets")
def remaining(member_id: str, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return {"member_id": member_id, "on": c.today(), "limits": euros(members.remaining(c, p, member_id))}


class EstimateIn(CarePlaceChecks):
    model_config = ConfigDict(extra="forbid")
    member_id: str
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$", description="Where the care will be given (ISO 3166-1 "
                                "alpha-2); empty: the Netherlands")
    provider: str = Field(pattern=PROVIDER_ID, description="AGB code; for care abroad the provider's own identifier")
    code: str = Field(description='Service code "<list>/<code>" (a DBC-zorgproduct: msr/<product>)')
    service_date: dt.date
    end_date: dt.date | None = None
    amount: Euros = Field(description="What the provider will charge, in euros")
    quantity: int = 1
    diagnosis: str | None = None
    csi: str | None = None
    referral_by: str | None = None
    referral_date: dt.date | None = None
    indication_by: str | None = None
    indication_kind: str | None = None
    onset_date: dt.date | None = Field(None, description="When the condition began, where a rule counts from it")
    authorization: str | None = None
    submitted_by: Literal["provider", "member"] = "provider"


@router.post("/estimate", summary="What will this cost me? A hypothetical line decided now, nothing booked")
def estimate(body: EstimateIn, lang: Literal["nl", "en"] = "nl", c: Context = Depends(ctx),
             p: Principal = Depends(caller)):
    line = body.model_dump(exclude={"amount"}) | {"declared": cents(body.amount)}
    return euros(app_estimate.estimate(c, p, line, lang))


class PriorTreatmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    benefit: str = Field("fysio-chronisch", max_length=64,
                         description="The benefit whose per-condition counter the treatments count on")
    diagnosis: str = Field(min_length=1, max_length=16, description="DCSPH code of the condition")
    started: dt.date = Field(description="When the trajectory started (its first treatment)")
    treatments: int = Field(ge=1, le=1000, description="Treatments given before the member came to this insurer")
    note: str | None = Field(None, max_length=2000, description="e.g. the statement's date and sender")


@router.post("/members/{member_id}/prior-treatments", status_code=201,
             summary="Enter the treatments of a chronic trajectory given at the previous insurer (claims handler)")
def enter_prior(member_id: str, body: PriorTreatmentIn, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    from zorgclaim.app import prior
    return prior.enter(c, p, member_id, body.benefit, body.diagnosis, body.started, body.treatments, body.note)


@router.get("/members/{member_id}/prior-treatments", summary="The prior-treatment statements entered for a member")
def list_prior(member_id: str, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    from zorgclaim.app import prior
    return {"member_id": member_id, "statements": prior.listing(c, p, member_id)}
