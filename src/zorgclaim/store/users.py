"""Users of the service (the embedded identity provider): name, role, the member or provider they act
for, and an argon2 hash of the password (never the password)."""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select, update

from zorgclaim.store.models import AppUser

_hasher = PasswordHasher()
USER_COLUMNS = ("name", "role", "member_id", "provider", "active")
# verified against when a name is unknown, so an unknown name costs as long as a wrong password
_DUMMY = _hasher.hash("not a password of anyone")


class UserError(ValueError):
    def __init__(self, message: str, kind: str = "invalid"):
        super().__init__(message)
        self.kind = kind


def add(engine: Engine, name: str, role: str, password: str, member_id: str | None = None,
        provider: str | None = None, replace: bool = False) -> dict:
    with engine.begin() as conn:
        exists = conn.execute(select(AppUser.id).where(AppUser.name == name)).first()
        values = dict(role=role, member_id=member_id, provider=provider, password_hash=_hasher.hash(password),
                      active=True)
        if exists and not replace:
            raise UserError(f"user {name!r} exists already", "conflict")
        if exists:
            conn.execute(update(AppUser).where(AppUser.name == name).values(**values))
        else:
            conn.execute(insert(AppUser).values(name=name, created_at=dt.datetime.now(), **values))
    return get(engine, name)


def get(engine: Engine, name: str) -> dict | None:
    with engine.connect() as conn:
        r = conn.execute(select(*[getattr(AppUser, c) for c in USER_COLUMNS]).where(AppUser.name == name)).first()
    return None if r is None else dict(zip(USER_COLUMNS, r))


def listing(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(*[getattr(AppUser, c) for c in USER_COLUMNS]).order_by(AppUser.name)).all()
    return [dict(zip(USER_COLUMNS, r)) for r in rows]


def set_active(engine: Engine, name: str, active: bool) -> dict:
    with engine.begin() as conn:
        if not conn.execute(update(AppUser).where(AppUser.name == name).values(active=active)).rowcount:
            raise UserError(f"no user {name!r}", "not_found")
    return get(engine, name)


def verify(engine: Engine, name: str, password: str) -> dict | None:
    """The user when the name and password match an active user; None otherwise."""
    with engine.connect() as conn:
        r = conn.execute(select(AppUser.password_hash, *[getattr(AppUser, c) for c in USER_COLUMNS])
                         .where(AppUser.name == name)).first()
    try:
        _hasher.verify(r[0] if r else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    if r is None:
        return None
    user = dict(zip(USER_COLUMNS, r[1:]))
    return user if user["active"] else None
