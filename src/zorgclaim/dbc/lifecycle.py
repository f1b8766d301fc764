"""From a clinic's activities to DBC-zorgproducten: opening, closing, follow-up (Xpert Clinics Revalidatie - Vergoeding (2024)).

- A DBC opens at the first activity of a care demand (per patient, care demand and specialist;
  several DBCs can run at once).
- It closes `close_after_days` (42) after the last activity — each new activity restarts the
  count — or on the `max_duration_days`-th (120th) day counting its start as day 1, whichever
  comes first. The seed's own example fixes the counting: a DBC from 2022-09-11 ends 2023-01-08
  (start + 119 days). An activity on the closing day itself still belongs to the DBC; the day after
  opens a new one.
- A new activity for the same care demand within `follow_up_within_years` (1) of closing opens a
  follow-up DBC (vervolg-DBC) "with retroactive effect": it starts the day after the previous one
  closed. Its 120 days count from its first activity (our reading: counted from the retroactive
  start, a follow-up opened months later would be closed before its first activity). Later than
  a year, a new initial DBC starts on the activity's date.
- No-shows are not activities: they neither open nor extend a DBC (they are billed to the patient).

A scan per care demand, in date order: sequential by nature, and clinic-sized.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from zorgclaim.dbc.tables import DbcTables


@dataclass(frozen=True)
class Dbc:
    dbc_id: str
    patient: str
    care_demand: str
    specialist: str
    diagnosis: str | None
    kind: str                    # initial | follow-up
    start: dt.date
    last_activity: dt.date
    end: dt.date                 # closing date (for an open DBC: the date it will close if nothing happens)
    open: bool                   # still open on the as-of date
    activity_ids: tuple[int, ...] = field(default=())


def plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def build_dbcs(activities: pl.DataFrame, tables: DbcTables, as_of: dt.date | None = None) -> list[Dbc]:
    """`activities` needs: activity_id, patient, care_demand, specialist, date, kind, diagnosis."""
    out: list[Dbc] = []
    acts = (activities.filter(pl.col("kind") != "no_show")
            .sort("patient", "care_demand", "specialist", "date", "activity_id"))
    for (patient, demand, specialist), group in acts.group_by(["patient", "care_demand", "specialist"], maintain_order=True):
        current: dict | None = None
        last_end: dt.date | None = None
        seq = 0

        def close(c: dict, is_open: bool) -> Dbc:
            return Dbc(c["id"], patient, demand, specialist, c["diagnosis"], c["kind"], c["start"], c["last"],
                       c["end"], is_open, tuple(c["acts"]))

        for row in group.iter_rows(named=True):
            day = row["date"]
            if as_of is not None and day > as_of:
                break
            close_after = tables.param("close_after_days", day)
            if current is not None and day > current["end"]:
                out.append(close(current, False))
                last_end, current = current["end"], None
            if current is None:
                seq += 1
                follow = last_end is not None and day <= plus_years(last_end, tables.param("follow_up_within_years", day))
                current = {"id": f"{patient}-{demand}-{specialist}-{seq}", "kind": "follow-up" if follow else "initial",
                           "start": last_end + dt.timedelta(days=1) if follow else day, "clock": day,
                           "last": day, "diagnosis": row["diagnosis"], "acts": []}
            current["last"] = day
            current["acts"].append(row["activity_id"])
            max_days = tables.param("max_duration_days", current["clock"])
            current["end"] = min(day + dt.timedelta(days=close_after), current["clock"] + dt.timedelta(days=max_days - 1))
            current["diagnosis"] = current["diagnosis"] or row["diagnosis"]
        if current is not None:
            out.append(close(current, as_of is not None and as_of < current["end"]))
    return out


def dbc_frame(dbcs: list[Dbc]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"dbc_id": d.dbc_id, "patient": d.patient, "care_demand": d.care_demand, "specialist": d.specialist,
          "diagnosis": d.diagnosis, "kind": d.kind, "start": d.start, "last_activity": d.last_activity,
          "end": d.end, "open": d.open, "activities": len(d.activity_ids)} for d in dbcs],
        schema={"dbc_id": pl.String, "patient": pl.String, "care_demand": pl.String, "specialist": pl.String,
                "diagnosis": pl.String, "kind": pl.String, "start": pl.Date, "last_activity": pl.Date, "end": pl.Date,
                "open": pl.Boolean, "activities": pl.Int64})
