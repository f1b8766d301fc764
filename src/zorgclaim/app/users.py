"""Users of the embedded identity provider, and logging in: a name and password checked against
an argon2 hash, with failed attempts limited per name and per client address."""

from __future__ import annotations

import re
import threading
import time
from collections import deque

from zorgclaim.app.access import ROLES, Conflict, Invalid, NotFound, Principal, require
from zorgclaim.app.context import Context
from zorgclaim.store import users as store

AGB = re.compile(r"^\d{8}$")


def add_user(ctx: Context, p: Principal, name: str, role: str, password: str, member_id: str | None = None,
             provider: str | None = None, replace: bool = False) -> dict:
    require(p, "admin")
    if not re.fullmatch(r"[A-Za-z0-9._@-]{2,100}", name or ""):
        raise Invalid("a user name is 2-100 letters, digits or . _ @ -", "name")
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", "role")
    if len(password or "") < 8:
        raise Invalid("a password has at least 8 characters", "password")
    if role == "member":
        if not member_id:
            raise Invalid("a member user needs --member (the member number)", "member_id")
        if ctx.world.members.filter(ctx.world.members["member_id"] == member_id).height == 0:
            raise Invalid(f"no member {member_id!r} in the world", "member_id")
    elif member_id:
        raise Invalid("only a member user acts for a member", "member_id")
    if role == "provider":
        if not provider or not AGB.match(provider):
            raise Invalid("a provider user needs --provider: the provider's 8-digit AGB code", "provider")
    elif provider:
        raise Invalid("only a provider user acts for a provider", "provider")
    try:
        return store.add(ctx.engine, name, role, password, member_id, provider, replace=replace)
    except store.UserError as e:
        raise Conflict(str(e)) from None


def users(ctx: Context, p: Principal) -> list[dict]:
    require(p, "admin")
    return store.listing(ctx.engine)


def set_active(ctx: Context, p: Principal, name: str, active: bool) -> dict:
    require(p, "admin")
    try:
        return store.set_active(ctx.engine, name, active)
    except store.UserError as e:
        raise NotFound(str(e)) from None


class TooManyAttempts(RuntimeError):
    def __init__(self, retry_after: int):
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


class LoginLimiter:
    """At most `attempts` failed logins per name and per client in `window` seconds (in this process)."""

    def __init__(self, attempts: int = 5, window: float = 300.0):
        self.attempts, self.window = attempts, window
        self._failed: dict[str, deque] = {}
        self._lock = threading.Lock()

    def check(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                q = self._failed.get(k)
                while q and now - q[0] > self.window:
                    q.popleft()
                if q and len(q) >= self.attempts:
                    raise TooManyAttempts(int(self.window - (now - q[0])) + 1)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._failed.setdefault(k, deque()).append(now)

    def succeeded(self, name_key: str) -> None:
        with self._lock:
            self._failed.pop(name_key, None)


def login(ctx: Context, name: str, password: str, client: str = "-", limiter: LoginLimiter | None = None) -> Principal | None:
    """The principal for a valid name and password; None when they do not match. With a
    `limiter`, raises TooManyAttempts after repeated failures for the name or the client."""
    limiter = limiter or LoginLimiter()
    keys = (f"name:{name}", f"client:{client}")
    limiter.check(*keys)
    user = store.verify(ctx.engine, name, password or "")
    if user is None:
        limiter.failed(*keys)
        return None
    limiter.succeeded(keys[0])
    return Principal(user["name"], user["role"], user["member_id"], user["provider"])


def principal_of(ctx: Context, name: str) -> Principal | None:
    """The principal of an active user (for a token naming it)."""
    user = store.get(ctx.engine, name)
    if user is None or not user["active"]:
        return None
    return Principal(user["name"], user["role"], user["member_id"], user["provider"])
