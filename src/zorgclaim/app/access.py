"""Who may do what, in one place: every operation of the application layer is asked by a
principal, checks its role and whether the resource is its own, and logs each read or change of a
person's health data (who, role, what, when; never a BSN).

Roles (docs/api.md lists what each may do):
- member: its own lines, deductible meter, remaining limits, estimates, notas, authorization requests;
- provider: its own AGB's lines, returns, statements, payments; remaining limits and estimates of its
  own patients (a member with a line from this provider); authorization requests for them;
- handler: the review queue, lines, members, providers, reconsideration, the watch list;
- medical_adviser: authorizations, medically held lines, lines and members;
- finance: payment runs, statements, the ledger, deductible invoices;
- admin: users.
`system` is the command line's operator on the machine itself: it may do everything and is no
role a user can be given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, insert

ROLES = ("member", "provider", "handler", "medical_adviser", "finance", "admin")
STAFF = ("handler", "medical_adviser")


class Forbidden(PermissionError):
    """The principal may not do this; the message says what, never whose data."""


class NotFound(LookupError):
    """No such resource (or none the principal may see: the two are not told apart)."""


class Invalid(ValueError):
    """A request that cannot be carried out as asked; `field` names what is wrong."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class Conflict(RuntimeError):
    """The resource is not in a state that allows this (taken by someone else, decided already)."""


@dataclass(frozen=True)
class Principal:
    name: str
    role: str                      # one of ROLES, or "system"
    member_id: str | None = None   # the member a member user is
    provider: str | None = None    # the AGB a provider user acts for

    @property
    def label(self) -> str:
        return f"{self.role}:{self.name}"


SYSTEM = Principal("cli", "system")


def require(p: Principal, *roles: str) -> None:
    """The principal has one of `roles` (the system operator always has)."""
    if p.role != "system" and p.role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(roles)}; you are {p.role}")


def is_staff(p: Principal, *extra: str) -> bool:
    return p.role == "system" or p.role in STAFF or p.role in extra


def log_access(engine_or_conn, p: Principal, action: str, kind: str, subject: str | list[str]) -> None:
    """One access-log row per subject (member id, line id, provider AGB, job id), in the caller's
    transaction when given a connection."""
    from zorgclaim.store.models import AccessLog
    subjects = [subject] if isinstance(subject, str) else list(dict.fromkeys(subject))
    if not subjects:
        return
    rows = [{"at": dt.datetime.now(), "actor": p.name[:100], "role": p.role, "action": action[:60],
             "subject_kind": kind, "subject_id": str(s)[:64]} for s in subjects]
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.begin() as conn:
            conn.execute(insert(AccessLog), rows)
    else:
        engine_or_conn.execute(insert(AccessLog), rows)
