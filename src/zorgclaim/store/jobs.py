"""Background jobs (an uploaded file taken in and decided) and idempotency records (the first answer
to a request sent with an Idempotency-Key)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Engine, insert, select, update

from zorgclaim.store.models import IdempotencyRecord, Job

JOB_COLUMNS = ("id", "kind", "name", "status", "actor", "provider", "member_id", "created_at", "finished_at", "result",
               "return_name")


def create_job(engine: Engine, job_id: str, kind: str, name: str, actor: str, provider: str | None,
               member_id: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(insert(Job).values(id=job_id, kind=kind, name=name[:500], status="queued", actor=actor,
                                        provider=provider, member_id=member_id, created_at=dt.datetime.now()))


def set_job(engine: Engine, job_id: str, status: str, result: dict | None = None, return_name: str | None = None,
            return_file: str | None = None) -> None:
    values = {"status": status}
    if status in ("done", "failed"):
        values["finished_at"] = dt.datetime.now()
    if result is not None:
        values["result"] = json.dumps(result, default=str, ensure_ascii=False)
    if return_name is not None:
        values["return_name"], values["return_file"] = return_name, return_file
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id).values(**values))


def get_job(engine: Engine, job_id: str, with_file: bool = False) -> dict | None:
    cols = [getattr(Job, c) for c in JOB_COLUMNS] + ([Job.return_file] if with_file else [])
    with engine.connect() as conn:
        r = conn.execute(select(*cols).where(Job.id == job_id)).first()
    if r is None:
        return None
    d = dict(zip(JOB_COLUMNS + (("return_file",) if with_file else ()), r))
    d["result"] = json.loads(d["result"]) if d["result"] else None
    return d


def recorded(conn, actor: str, key: str) -> tuple[str, int, str] | None:
    """(request hash, status code, response) of a request made before with this key by this actor."""
    r = conn.execute(select(IdempotencyRecord.request_hash, IdempotencyRecord.status_code, IdempotencyRecord.response)
                     .where((IdempotencyRecord.actor == actor) & (IdempotencyRecord.key == key))).first()
    return None if r is None else (r[0], r[1], r[2])


def record(conn, actor: str, key: str, request_hash: str, status_code: int, response: str) -> None:
    """Keep the answer, in the transaction that booked what it answers."""
    conn.execute(insert(IdempotencyRecord).values(actor=actor, key=key, request_hash=request_hash,
                                                  status_code=status_code, response=response,
                                                  created_at=dt.datetime.now()))
