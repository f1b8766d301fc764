"""Where the care was given and by whom, as a line or an estimate in the API names it: the checks
of `domain.provider_id` on a model's `country` and `provider` fields (declared by the model, the
country first, so that the provider's check can see it)."""

from __future__ import annotations

from pydantic import BaseModel, ValidationInfo, field_validator

from zorgclaim.domain.provider_id import checked_country, checked_provider


class CarePlaceChecks(BaseModel):
    @field_validator("country", check_fields=False)
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        return checked_country(v)

    @field_validator("provider", check_fields=False)
    @classmethod
    def _agb_at_home(cls, v: str, info: ValidationInfo) -> str:
        if "country" not in info.data:      # the country itself was refused: that is the error to show
            return v
        return checked_provider(v, info.data["country"])
