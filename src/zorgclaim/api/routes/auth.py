"""POST /api/v1/token (OAuth2 password flow) and GET /api/v1/me."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from zorgclaim.api.deps import caller, ctx
from zorgclaim.api.security import BadToken
from zorgclaim.app.access import Principal
from zorgclaim.app.context import Context
from zorgclaim.app.users import login

router = APIRouter(prefix="/api/v1", tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str


class Me(BaseModel):
    name: str
    role: str
    member_id: str | None = None
    provider: str | None = None


@router.post("/token", response_model=Token, summary="A bearer token for a user name and password")
def token(request: Request, form: OAuth2PasswordRequestForm = Depends(), c: Context = Depends(ctx)) -> Token:
    client = request.client.host if request.client else "-"
    p = login(c, form.username, form.password, client, request.app.state.limiter)
    if p is None:
        raise BadToken("unknown user name or wrong password")
    access, seconds = request.app.state.tokens.issue(p)
    return Token(access_token=access, expires_in=seconds, role=p.role)


@router.get("/me", response_model=Me, summary="Who the token says you are")
def me(p: Principal = Depends(caller)) -> Me:
    return Me(name=p.name, role=p.role, member_id=p.member_id, provider=p.provider)
