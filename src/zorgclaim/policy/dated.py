"""Dated values, OpenFisca style: `{2016-01-01: 385.00}`; a value holds from its date until the next."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, model_validator

T = TypeVar("T")

OPEN_START = dt.date(1900, 1, 1)


class Dated(BaseModel, Generic[T]):
    """A value that changes on given dates. A bare scalar means 'always this value'."""

    values: list[tuple[dt.date, T]]

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any):
        if isinstance(data, dict) and "values" in data and isinstance(data["values"], list):
            return data
        if isinstance(data, dict):
            items = []
            for k, v in data.items():
                if isinstance(k, dt.date):
                    day = k
                else:
                    try:
                        day = dt.date.fromisoformat(str(k))
                    except ValueError:
                        raise ValueError(f"dated value key {k!r} is not an ISO date") from None
                items.append((day, v))
            if not items:
                raise ValueError("a dated value needs at least one date")
            return {"values": sorted(items, key=lambda kv: kv[0])}
        return {"values": [(OPEN_START, data)]}

    def at(self, day: dt.date) -> T | None:
        current = None
        for start, value in self.values:
            if start <= day:
                current = value
            else:
                break
        return current

    def change_dates(self) -> list[dt.date]:
        return [d for d, _ in self.values]
