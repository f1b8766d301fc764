"""Prior treatments in the store: entered from a provider's statement, added to the member's
per-condition counter in the same transaction (engine.prior_treatments), and listed."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
from sqlalchemy import Engine, delete, insert, select

from zorgclaim.domain.world import World
from zorgclaim.engine.counters import successors
from zorgclaim.engine.prior_treatments import PRIOR_SCHEMA, with_prior_treatments
from zorgclaim.engine.state import COUNTERS_SCHEMA, State
from zorgclaim.store.bulk import bulk_insert
from zorgclaim.store.models import AuditEvent, PriorTreatment, StateCounter
from zorgclaim.store.repository import load_state, lock_members, take_write_lock

COLUMNS = ("id", "member_id", "benefit", "diagnosis", "started", "treatments", "entered_by", "entered_at", "note")


def enter(engine: Engine, world: World, *, member_id: str, benefit: str, diagnosis: str, started: dt.date,
          treatments: int, by: str, note: str | None) -> dict:
    """Record the statement and add it to the member's counter, under the member's lock."""
    prior = pl.DataFrame([(member_id, benefit, diagnosis, started, treatments)], schema=PRIOR_SCHEMA, orient="row")
    with engine.begin() as conn:
        take_write_lock(conn)
        lock_members(conn, [member_id])
        before = load_state(conn, [member_id])
        after = with_prior_treatments(State(counters=before.counters), prior, successors(world.reference.dcsph))
        conn.execute(delete(StateCounter).where(StateCounter.member_id == member_id))
        bulk_insert(conn, StateCounter.__table__, after.counters.cast(COUNTERS_SCHEMA)
                    .with_columns(pl.lit(member_id).alias("member_id")))
        now = dt.datetime.now()
        new_id = conn.execute(insert(PriorTreatment).values(
            member_id=member_id, benefit=benefit, diagnosis=diagnosis, started=started, treatments=treatments,
            entered_by=by, entered_at=now, note=note).returning(PriorTreatment.id)).scalar_one()
        conn.execute(insert(AuditEvent).values(at=now, actor=by, action="prior-treatments-entered", line_id=None,
                                               reason=note, detail=json.dumps(
                                                   {"member_id": member_id, "benefit": benefit, "diagnosis": diagnosis,
                                                    "started": str(started), "treatments": treatments})))
    return listing(engine, member_id, only=new_id)[0]


def listing(engine: Engine, member_id: str, only: int | None = None) -> list[dict]:
    q = select(*(getattr(PriorTreatment, c) for c in COLUMNS)).where(PriorTreatment.member_id == member_id)
    if only is not None:
        q = q.where(PriorTreatment.id == only)
    with engine.connect() as conn:
        return [dict(zip(COLUMNS, r)) for r in conn.execute(q.order_by(PriorTreatment.id))]

