"""The service's application factory."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from zorgclaim.api import problems
from zorgclaim.api.routes import auth, authorizations, books, claims, lines, members, review, users
from zorgclaim.api.security import External, Tokens, embedded_secret
from zorgclaim.app.batcher import Batcher
from zorgclaim.app.context import Context
from zorgclaim.app.users import LoginLimiter

DESCRIPTION = """Claims adjudication for Dutch health insurance: submit claims, see each line's decision
with its reasons and sources, the deductible meter and remaining limits, estimates before the fact,
prior authorizations, the review queue, statements and payment runs.

Authenticate with `POST /api/v1/token` (form fields `username`, `password`) and send the token as
`Authorization: Bearer <token>`. Money is in euros as decimal text (`"36.50"`). Errors are RFC 9457
problem details naming the field. See docs/api.md for the roles and what each may do."""


def create_app(ctx: Context, gather_ms: float = 4.0, lanes: int = 1, planner=None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from zorgclaim.app.dashboard import warm
        warm(ctx)               # the dashboard's figures, off the first request's path
        yield
        app.state.batcher.close()

    app = FastAPI(title="zorgclaim", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.ctx = ctx
    app.state.tokens = Tokens(embedded_secret(ctx.data_dir), External.from_env())
    app.state.batcher = Batcher(ctx, gather_ms=gather_ms, lanes=lanes, planner=planner)
    app.state.users = {}
    app.state.limiter = LoginLimiter()        # failed logins, per name and per client, in this process
    problems.install(app)
    for r in (auth, claims, lines, members, authorizations, review, books, users):
        app.include_router(r.router)
    from zorgclaim import web
    web.install(app)

    @app.get("/healthz", tags=["service"], summary="Is the service up (no authentication)")
    def healthz():
        b = app.state.batcher
        return {"status": "ok", "real_time": {"batches": b.batches, "submissions": b.submissions}}
    return app


def from_env() -> FastAPI:
    """The app for one of several server processes (`zorgclaim serve --workers N`): the world folder,
    the store and the batching from the environment the serve command set."""
    import os
    from pathlib import Path

    from zorgclaim.app.context import open_context
    world = os.environ.get("ZORGCLAIM_WORLD")
    ctx = open_context(Path(world) if world else None)
    return create_app(ctx, gather_ms=float(os.environ.get("ZORGCLAIM_GATHER_MS", "4")),
                      lanes=int(os.environ.get("ZORGCLAIM_LANES", "1")))
