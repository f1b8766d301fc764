"""Documents kept with a line (a member's nota): added once, listed, read back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert, select

from zorgclaim.store.models import LineAttachment


def add(engine: Engine, line_id: str, filename: str, content_type: str, content: bytes, by: str) -> int:
    with engine.begin() as conn:
        return conn.execute(insert(LineAttachment).values(
            line_id=line_id, filename=filename[:200], content_type=content_type, content=content, uploaded_by=by,
            uploaded_at=dt.datetime.now()).returning(LineAttachment.id)).scalar_one()


def of_line(engine: Engine, line_id: str) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(LineAttachment.id, LineAttachment.filename, LineAttachment.content_type,
                                   LineAttachment.uploaded_at).where(LineAttachment.line_id == line_id)
                            .order_by(LineAttachment.id)).all()
    return [dict(r._mapping) for r in rows]


def get(engine: Engine, attachment_id: int) -> dict | None:
    with engine.connect() as conn:
        r = conn.execute(select(LineAttachment.line_id, LineAttachment.filename, LineAttachment.content_type,
                                LineAttachment.content).where(LineAttachment.id == attachment_id)).first()
    return None if r is None else dict(r._mapping)
