"""The scenario format v1 as pydantic models. Extend, never rename (docs/engine.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from zorgclaim.policy.review import ReviewRule


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CoverageIn(_M):
    product: str
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None


class PeriodIn(_M):
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None


class MemberIn(_M):
    id: str
    bsn: str | None = None
    birth_date: dt.date
    death_date: dt.date | None = None
    coverages: list[CoverageIn] = []
    voluntary_deductible: Decimal = Decimal(0)
    wlz_institution: list[PeriodIn] = []

    @field_validator("bsn", mode="before")
    @classmethod
    def _str(cls, v):
        return None if v is None else str(v)


class ProviderIn(_M):
    agb: str
    name: str = ""
    kind: str | None = None
    qualifications: list[str] = []
    recognized_by: list[str] = []

    @field_validator("agb", mode="before")
    @classmethod
    def _str(cls, v):
        return str(v)


class ContractIn(_M):
    provider: str
    insurer: str
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    payment_agreement: bool = True
    tariffs: dict[str, Decimal] = {}


class AuthorizationIn(_M):
    id: str
    member: str
    benefit: str
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    status: Literal["active", "expired", "withdrawn", "requested", "denied"] = "active"


class ReferralIn(_M):
    by: str
    date: dt.date | None = None


class IndicationIn(_M):
    by: str | None = None
    kind: str


class LineIn(_M):
    id: str
    member: str
    bsn: str | None = None
    date: dt.date
    end_date: dt.date | None = None
    code: str
    quantity: int = 1
    amount: Decimal
    diagnosis: str | None = None
    csi: str | None = None
    referral: ReferralIn | None = None
    indication: IndicationIn | None = None
    onset: dt.date | None = None           # when the condition began (the CVA, the diagnosis)
    authorization: str | None = None
    credits: str | None = None

    @field_validator("diagnosis", "csi", "bsn", mode="before")
    @classmethod
    def _str(cls, v):
        return None if v is None else str(v)


class ClaimIn(_M):
    id: str
    submitted_by: Literal["provider", "member"] = "provider"
    channel: Literal["vecozo", "online", "post"] = "vecozo"
    received: dt.date
    provider: str
    provider_name: str | None = None       # the practice's name as a member's nota gives it
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")   # where the care was given (ISO 3166-1); none: NL
    lines: list[LineIn]

    @field_validator("provider", mode="before")
    @classmethod
    def _str(cls, v):
        return str(v)


class PriorTreatmentIn(_M):
    """Treatments given before the member came to this insurer, as the provider's statement gives
    them (extension of v1): they count on the per-condition counter of `benefit`."""
    member: str
    benefit: str
    diagnosis: str
    started: dt.date
    treatments: int = Field(ge=1)


class WatchIn(_M):
    """A member or provider on the watch list of a review rule (extension of v1)."""
    kind: Literal["member", "provider"]
    id: str
    rule: str = "watch-list"
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None
    reason: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _str(cls, v):
        return str(v)


class ExpectIn(_M):
    status: Literal["accepted", "partial", "rejected", "pended"] | None = None
    allowed: Decimal | None = None
    paid: Decimal | None = None
    payer: str | None = None
    deductible: Decimal | None = None
    codes: list[str] | None = None
    payee: Literal["provider", "member"] | None = None


class Scenario(_M):
    scenario: str
    source: str | None = None
    today: dt.date
    members: list[MemberIn] = []
    providers: list[ProviderIn] = []
    contracts: list[ContractIn] = []
    authorizations: list[AuthorizationIn] = []
    claims: list[ClaimIn] = []
    # review selection (extension of v1): the rules in force (default none: no line is held) and
    # the watch list they read
    review_rules: list[ReviewRule] = []
    watch: list[WatchIn] = []
    prior_treatments: list[PriorTreatmentIn] = []
    expect: dict[str, ExpectIn] = {}
