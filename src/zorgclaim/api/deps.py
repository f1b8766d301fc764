"""What every route needs: the application context, the micro-batcher, and the caller (from its
bearer token)."""

from __future__ import annotations

import time

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer

from zorgclaim.api.security import BadToken
from zorgclaim.app.access import Principal
from zorgclaim.app.context import Context
from zorgclaim.app.users import principal_of

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/token", auto_error=False)
_ACTIVE_TTL = 30.0      # seconds an embedded token's user is taken as active without asking the store again


# Both are async: FastAPI runs a plain `def` dependency on a worker thread, and two thread hops per
# request were a measurable share of the server's time under load. What may wait on I/O (an
# external issuer's key set, the store) still goes to a thread.
async def ctx(request: Request) -> Context:
    return request.app.state.ctx


async def caller(request: Request, token: str | None = Depends(bearer)) -> Principal:
    """The principal of a valid bearer token: an active embedded user, or an external one."""
    if not token:
        raise BadToken("this needs a bearer token: POST /api/v1/token with username and password")
    tokens = request.app.state.tokens
    hit = tokens.checked(token)
    if hit is not None:
        kind, claims = hit
    elif tokens.external is None:       # HS256 with our own secret: no I/O
        kind, claims = tokens.verify(token)
    else:                               # an external token may fetch its issuer's key set
        kind, claims = await run_in_threadpool(tokens.verify, token)
    if kind == "external":
        return tokens.external_principal(claims)
    cache = request.app.state.users
    name = claims["sub"]
    hit = cache.get(name)
    if hit and time.monotonic() - hit[0] < _ACTIVE_TTL:
        p = hit[1]
    else:
        p = await run_in_threadpool(principal_of, request.app.state.ctx, name)
        cache[name] = (time.monotonic(), p)
    if p is None:
        raise BadToken("the token's user is unknown or no longer active")
    return p
