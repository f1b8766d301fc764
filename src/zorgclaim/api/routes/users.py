"""Users of the embedded identity provider (admin)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from zorgclaim.api.deps import caller, ctx
from zorgclaim.app import users
from zorgclaim.app.access import Principal
from zorgclaim.app.context import Context

router = APIRouter(prefix="/api/v1/users", tags=["users"])


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    role: Literal["member", "provider", "handler", "medical_adviser", "finance", "admin"]
    password: str = Field(min_length=8, max_length=200)
    member_id: str | None = None
    provider: str | None = None


@router.get("", summary="All users (admin)")
def listing(c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return {"users": users.users(c, p)}


@router.post("", status_code=201, summary="Add a user (admin)")
def add(body: UserIn, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return users.add_user(c, p, body.name, body.role, body.password, body.member_id, body.provider)


@router.post("/{name}/deactivate", summary="Stop a user from logging in (admin)")
def deactivate(name: str, c: Context = Depends(ctx), p: Principal = Depends(caller)):
    return users.set_active(c, p, name, False)
