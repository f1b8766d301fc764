"""A line's documents (a member's nota as PDF or photo): who may add and read them is who may see
the line; the kind of file is checked by its first bytes, not by its name."""

from __future__ import annotations

from zorgclaim.app.access import Invalid, NotFound, Principal, log_access
from zorgclaim.app.context import Context
from zorgclaim.app.lines import may_see_line
from zorgclaim.store import attachments as store

MAX_BYTES = 10 * 2**20
KINDS = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def kind_of(content: bytes) -> str:
    """The file's media type by its first bytes: a PDF, JPEG or PNG; else Invalid."""
    for magic, kind in KINDS.items():
        if content.startswith(magic):
            return kind
    raise Invalid("the invoice must be a PDF, JPG or PNG file", "invoice")


def add(ctx: Context, p: Principal, line_id: str, filename: str, content: bytes) -> int:
    if not content:
        raise Invalid("the invoice file is empty", "invoice")
    if len(content) > MAX_BYTES:
        raise Invalid("the invoice file is larger than 10 MB", "invoice")
    kind = kind_of(content)
    may_see_line(ctx, p, line_id)
    return store.add(ctx.engine, line_id, filename or "nota", kind, content, p.name)


def of_line(ctx: Context, p: Principal, line_id: str) -> list[dict]:
    may_see_line(ctx, p, line_id)
    return store.of_line(ctx.engine, line_id)


def read(ctx: Context, p: Principal, line_id: str, attachment_id: int) -> dict:
    a = store.get(ctx.engine, attachment_id)
    if a is None or a["line_id"] != line_id:
        raise NotFound("no such attachment")
    may_see_line(ctx, p, line_id)
    log_access(ctx.engine, p, "read-attachment", "line", line_id)
    return a
