"""The schema of products and benefits (pydantic). See docs/rules.md.

A benefit says which lines it matches, what it requires, how it prices, its limits, whether the
deductible applies, and the source it rests on.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from zorgclaim.domain.money import euros_to_cents_any
from zorgclaim.policy.dated import Dated


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Source(_Strict):
    ref: str = Field(min_length=3)
    verified: bool = True


class Match(_Strict):
    """Which claim lines a benefit applies to. `care_kinds` and `codes` are alternatives: the
    line's care kind is one of `care_kinds` or its code one of `codes` (engine/matching.py); every
    other given criterion must hold as well."""

    care_kinds: list[str] | None = None          # care_kind of the service code
    codes: list[str] | None = None               # exact service code keys
    diagnoses: list[str] | Literal["bijlage1"] | None = None  # DCSPH codes, or the Bijlage 1 list
    csi: list[str] | None = None
    min_age: int | None = None                   # age on the service date, inclusive
    max_age: int | None = None

    @model_validator(mode="after")
    def _something(self):
        if not self.care_kinds and not self.codes:
            raise ValueError("match needs care_kinds or codes")
        return self


class Requires(_Strict):
    referral: bool = False
    referral_kinds: list[str] | None = None      # provider kinds allowed to refer
    indication: list[str] | None = None          # indication kinds that satisfy it
    # who may set that indication: a qualification (revalidatiearts) or a kind (ziekenhuis) of the
    # provider the line names as setting it (`indication_by`); checked where the line names one
    indication_set_by: list[str] | None = None
    not_with_indication: list[str] | None = None # excluded when the line's indication is one of these
    authorization: Literal["never", "always", "non_contracted", "after_days"] = "never"
    authorization_after_days: int | None = None  # with 'after_days': needed once this many days have passed since the first treatment
    authorization_codes: list[str] | None = None  # the authorization is needed only for lines with one of these codes
    provider_kinds: list[str] | None = None
    recognized_by: str | None = None             # insurer that must recognise the provider
    qualification: str | None = None             # provider qualification needed
    diagnoses: list[str] | None = None           # the line's diagnosis must be one of these

    @model_validator(mode="after")
    def _after_days(self):
        if (self.authorization == "after_days") != (self.authorization_after_days is not None):
            raise ValueError("authorization 'after_days' and authorization_after_days go together")
        return self


class Pricing(_Strict):
    # above_limit: only the part of the price above the code's reimbursement limit (what
    # `reimbursement_limit` leaves to the member), e.g. for a yearly maximum of those co-payments
    method: Literal["policy", "per_day", "percentage", "above_limit"] = "policy"
    per_day: Dated[int] | None = None            # cents per day (from euros in YAML)
    percentage: Dated[int] | None = None         # percent of the declared amount
    # a statutory co-payment (wettelijke eigen bijdrage) per unit: the member owes it, the benefit
    # covers the price less it (cents per unit, from euros in YAML)
    co_payment: Dated[int] | None = None
    # the price per unit is at most the code's reimbursement limit (a reference rate of kind
    # 'reimbursement_limit', e.g. the GVS vergoedingslimiet of a medicine); the part above it is a
    # statutory co-payment the member owes
    reimbursement_limit: bool = False
    # a statutory co-payment as a percentage of the price (hearing aids, dentures)
    co_payment_percentage: Dated[int] | None = None

    _cents = field_validator("per_day", "co_payment", mode="before")(lambda v: euros_to_cents_any(v))

    @model_validator(mode="after")
    def _method_params(self):
        if self.method == "per_day" and self.per_day is None:
            raise ValueError("pricing per_day needs per_day")
        if self.method == "percentage" and self.percentage is None:
            raise ValueError("pricing percentage needs percentage")
        return self


class StayLimit(_Strict):
    """At most `days` days of uninterrupted stay; a break of at most `break_days` days does not
    interrupt the stay but its days do not count; after a longer break a new stay starts (Bzv
    art. 2.12)."""
    days: int = Field(gt=0)
    break_days: int = Field(ge=0)


# a period of so many months from the first treatment in it: "12_months" (12 treatments per 12
# months), "60_months" (one hearing aid per 5 years)
MonthsWindow = Annotated[str, StringConstraints(pattern=r"^([1-9][0-9]?|1[0-1][0-9]|120)_months$")]


def window_months(window: str | None) -> int | None:
    """The months of a window of months ("60_months": 60); None for any other window."""
    return int(window.removesuffix("_months")) if window and window.endswith("_months") else None


class Limits(_Strict):
    from_nth: int | None = None                  # covered from the n-th treatment of the condition
    max_count: Dated[int] | None = None          # at most this many treatments per window
    window: Literal["calendar_year", "lifetime"] | MonthsWindow | None = None
    term: Literal["bijlage1"] | int | None = None  # maximum term in days after the first treatment
    per_year_amount: Dated[int] | None = None    # cents per calendar year
    # count per benefit, per benefit and diagnosis (a chronic condition), or per benefit and service
    # code (e.g. a denture per jaw: the upper and the lower one have codes of their own)
    counter: Literal["benefit", "condition", "code"] = "benefit"
    stay: StayLimit | None = None                # days of uninterrupted stay (per day lines)
    start_by: dt.date | None = None              # no new period of treatment (a first one on the counter) after this day
    # pays only what the amounts counted in the calendar year exceed (cents): a yearly maximum of
    # what the member pays, e.g. of the GVS co-payments
    from_year_amount: Dated[int] | None = None
    # a line beyond max_count within the window is paid when the member has a valid authorization
    # for the benefit on its date (else refused: authorization missing, 0551). new_window: the line
    # so paid starts a new window (a replacement's own term of use runs from it, e.g. a denture
    # replaced within 5 years); same_window: it counts in the current window (treatments beyond a
    # maximum, each on the authorization)
    beyond_count_with_authorization: Literal["new_window", "same_window"] | None = None

    _cents = field_validator("per_year_amount", "from_year_amount", mode="before")(lambda v: euros_to_cents_any(v))

    @property
    def months(self) -> int | None:
        return window_months(self.window)

    @model_validator(mode="after")
    def _window(self):
        if self.max_count is not None and self.window is None:
            raise ValueError("max_count needs a window (calendar_year, lifetime, or a number of months: 12_months)")
        if self.stay is not None and (self.max_count is not None or self.term is not None):
            raise ValueError("a stay limit counts days of one stay: not with max_count or term on the same benefit")
        if self.beyond_count_with_authorization is not None and self.max_count is None:
            raise ValueError("beyond_count_with_authorization lifts a max_count: give one")
        if self.beyond_count_with_authorization == "new_window" and self.months is None:
            raise ValueError("beyond_count_with_authorization new_window starts a window of months: give one (60_months)")
        return self


class Benefit(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str
    match: Match
    requires: Requires = Requires()
    pricing: Pricing = Pricing()
    limits: Limits = Limits()
    # the deductible applies (dated: `{2019-01-01: true, 2026-01-01: false}` when an insurer drops it)
    deductible: bool | Dated[bool] = True
    not_covered: bool = False                    # an explicit exclusion: matches, and always refuses
    tops_up: bool = False                        # may pay what an earlier benefit left of the declared amount
    valid_from: dt.date | None = None            # the benefit holds from (a new benefit in the package) ...
    valid_to: dt.date | None = None              # ... until (one taken out), within its product's validity
    source: Source


class Indication(_Strict):
    """An indication a restriction allows, by its diagnosis codes or by the kind of indication the
    line gives (e.g. 'medische-noodzaak' on a prescription), with its conditions: the member's age
    on the service date, and the years since the condition began (the line's onset date)."""
    label: str
    diagnoses: list[str] | None = Field(default=None, min_length=1)
    indication_kinds: list[str] | None = Field(default=None, min_length=1)  # the line's indication kind
    min_age: int | None = None
    within_years_of_onset: int | None = None     # only in the first n years after the onset
    from_years_after_onset: int | None = None    # only from n years after the onset

    @model_validator(mode="after")
    def _by_something(self):
        if (self.diagnoses is None) == (self.indication_kinds is None):
            raise ValueError("an indication is given by diagnoses or by indication_kinds (one of the two)")
        return self


class Restriction(_Strict):
    """A package-wide condition on some codes (e.g. long sessions only for listed indications), in
    force from `valid_from` until `valid_to` (service dates; open when not given)."""

    id: str
    codes: list[str]
    indications: list[Indication] = Field(min_length=1)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    source: Source


class InsurerRestrictions(_Strict):
    """Restrictions an insurer sets on all its products, basic and supplementary (its provider
    pages, e.g. which indications allow a long session)."""

    insurer: str
    restrictions: list[Restriction]


class AssignmentBan(_Strict):
    """Cessieverbod: non-contracted providers may not bill these care kinds directly."""

    care_kinds: list[str]
    from_: dt.date = Field(alias="from")
    source: Source


class Package(_Strict):
    """The statutory basic package, written once and included by each basic product."""

    id: str
    label: str
    benefits: list[Benefit]
    restrictions: list[Restriction] = []


class Product(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+/[a-z0-9-]+$")
    label: str
    insurer: str
    kind: Literal["basic", "supplementary"]
    policy_type: Literal["in_kind", "restitution"] | None = None
    non_contracted_percentage: Dated[int] | None = None  # in-kind: % of the average contracted tariff
    valid_from: dt.date
    valid_to: dt.date
    includes: str | None = None                  # package id (basic products)
    overrides: dict[str, dict] = {}              # benefit id -> fields replaced for this product
    benefits: list[Benefit] = []
    assignment_ban: AssignmentBan | None = None
    source: Source

    @model_validator(mode="after")
    def _basic(self):
        if self.kind == "basic" and self.policy_type is None:
            raise ValueError("a basic product needs policy_type (in_kind or restitution)")
        if self.policy_type == "in_kind" and self.non_contracted_percentage is None:
            raise ValueError("an in_kind product needs non_contracted_percentage")
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to before valid_from")
        return self
