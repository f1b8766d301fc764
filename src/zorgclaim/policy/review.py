"""Review selection rules: which lines the engine holds (pends) for a person before money moves.

The rules are the insurer's own control policy, as data (`data/review/*.yaml`), dated by the date a
line is received. Each rule has a kind, a queue (who looks at the line: a claims handler or the
medical adviser), the reason a person reads, and its source. The engine evaluates them in file
order; the first that selects a line holds it.

Kinds:
- `authorization_requested`: the line would be refused only for want of an authorization, and one
  was asked for and is not decided yet: it waits for the medical adviser instead of being refused;
- `no_reference_tariff`: a benefit would pay the line at a percentage of the average contracted
  tariff (an in-kind policy, a provider without a contract) and no average is known for the code
  and date: a person sets what is paid instead of the line being refused (0611);
- `care_abroad`: care given abroad (the line's `country` is not NL): the engine proposes the Dutch
  tariff, and a person checks the foreign bill and its provider, which no Dutch register lists;
- `watch_list`: the line's provider or member is on the watch list (`World.watch`, rule = this id);
- `provider_variance`: the provider's declared amount per patient deviates from its peers
  (computed outside the engine from the books, `engine.review.provider_variance`, and put on
  `World.watch` under this rule's id);
- `amount`: the declared amount is at least the threshold for the line's care kind;
- `sample`: a fixed share of lines, chosen by a stable hash of the line id (a random sample that
  the same lines always give the same way).
Only lines that some benefit could pay are selected by `care_abroad`, `watch_list`, `provider_variance`,
`amount` and `sample`: a line the rules refuse anyway needs no person.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from zorgclaim.domain.money import to_cents

KINDS = ("authorization_requested", "no_reference_tariff", "care_abroad", "watch_list", "provider_variance", "amount",
         "sample")


class ReviewSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ref: str = Field(min_length=3)
    verified: bool = True


class ReviewRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: Literal["authorization_requested", "no_reference_tariff", "care_abroad", "watch_list", "provider_variance",
                  "amount", "sample"]
    queue: Literal["handler", "medical"] = "handler"
    reason_nl: str = Field(min_length=3)
    reason_en: str = Field(min_length=3)
    valid_from: dt.date = dt.date(2000, 1, 1)
    valid_to: dt.date | None = None
    # amount: care kind -> threshold in cents ('default' for every other care kind)
    thresholds: dict[str, int] = {}
    # sample: percent of lines (0-100, two decimals), and the seed of the hash
    percent: Decimal | None = None
    seed: int = 0
    # provider_variance: flag a provider whose declared amount per patient in a year is at least
    # `factor` times the median of its peers (same provider kind), with at least `min_patients`
    factor: Decimal | None = None
    min_patients: int = 10
    source: ReviewSource

    @field_validator("thresholds", mode="before")
    @classmethod
    def _euros(cls, v):
        return {str(k): to_cents(a) for k, a in (v or {}).items()}

    @model_validator(mode="after")
    def _params(self):
        if self.kind == "amount" and not self.thresholds:
            raise ValueError("an 'amount' rule needs thresholds (care kind -> euros, or 'default')")
        if self.kind == "sample" and (self.percent is None or not 0 <= self.percent <= 100):
            raise ValueError("a 'sample' rule needs percent between 0 and 100")
        if self.kind == "provider_variance" and (self.factor is None or self.factor <= 1):
            raise ValueError("a 'provider_variance' rule needs a factor above 1")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to before valid_from")
        return self

    def reason(self, lang: str = "nl") -> str:
        return self.reason_en if lang == "en" else self.reason_nl

    def holds_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class ReviewRules(BaseModel):
    """A review rules file: `rules:` in the order they are tried."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    rules: list[ReviewRule]

    @model_validator(mode="after")
    def _unique(self):
        ids = [r.id for r in self.rules]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"rule id(s) given twice: {', '.join(twice)}")
        return self
