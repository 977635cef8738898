"""HTTP entry points: /v1/admin/auth/{login,logout,config} and the gateway's
/internal/authenticate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from auth.deps import AuthSettings, Caller, DbPool
from auth.session import service as session_service
from auth.session.schemas import AuthConfig, AuthenticateRequest, LoginRequest, LoginResponse
from auth.settings import Settings

SESSION_COOKIE = "mpflow_session"

router = APIRouter(prefix="/v1/admin/auth", tags=["auth"])
#: Called by the gateway only; hidden from the published OpenAPI.
internal_router = APIRouter(prefix="/internal", include_in_schema=False)


def _cookie_options(settings: Settings) -> dict[str, Any]:
    return {"path": "/", "httponly": True, "samesite": "lax", "secure": settings.cookie_secure}


@router.post("/login", response_model=LoginResponse)
async def post_login(
    body: LoginRequest, pool: DbPool, settings: AuthSettings, response: Response
) -> LoginResponse:
    """Sign in with a username and password: a bearer token and a session cookie."""
    result = await session_service.login(
        pool=pool,
        username=body.username,
        password=body.password,
        secret=settings.hmac_secret.get_secret_value(),
        ttl_seconds=settings.session_ttl_seconds,
    )
    response.set_cookie(
        SESSION_COOKIE,
        result.access_token,
        max_age=result.expires_in,
        **_cookie_options(settings),
    )
    response.headers["Cache-Control"] = "no-store"
    return LoginResponse(
        access_token=result.access_token, expires_in=result.expires_in, user=result.user
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def post_logout(pool: DbPool, settings: AuthSettings, caller: Caller) -> Response:
    """Sign out: the session is revoked server-side and the cookie cleared."""
    await session_service.logout(pool=pool, identity=caller)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, **_cookie_options(settings))
    return response


@router.get("/config", response_model=AuthConfig)
async def get_config() -> AuthConfig:
    """How the admin UI signs users in (public)."""
    return AuthConfig(mode="password")


@internal_router.post("/authenticate")
async def post_authenticate(
    body: AuthenticateRequest, pool: DbPool, settings: AuthSettings
) -> dict[str, Any]:
    """The identity claims behind a session token (401 when it cannot be trusted)."""
    identity = await session_service.authenticate(
        pool=pool, token=body.token, secret=settings.hmac_secret.get_secret_value()
    )
    return identity.to_claims()
