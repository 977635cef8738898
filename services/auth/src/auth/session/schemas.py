"""Request/response models for sign-in, sign-out and token checks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from auth.password import MAX_PASSWORD_LENGTH
from auth.user.model import MAX_USERNAME_LENGTH
from auth.user.schemas import UserRead


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=MAX_USERNAME_LENGTH)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class LoginResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the token expires")
    user: UserRead


class AuthConfig(BaseModel):
    mode: Literal["password", "logto"] = "password"
    logto_endpoint: str | None = None
    logto_app_id: str | None = None
    logto_api_resource: str | None = None


class AuthenticateRequest(BaseModel):
    # No length limit here: an oversized token is a 401 like any other bad token.
    token: str
    #: The caller's address as the gateway saw it, for the failure limits.
    client_ip: str | None = Field(None, max_length=64)
