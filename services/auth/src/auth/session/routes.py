"""HTTP entry points: /v1/admin/auth/{login,logout,config} and the gateway's
/internal/authenticate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status

from auth import credential
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


def client_address(request: Request) -> str | None:
    """The caller's address as the gateway resolved it (it sets X-Forwarded-For itself)."""
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[-1].strip()[:64] or None
    return request.client.host if request.client else None


@router.post(
    "/login",
    response_model=LoginResponse,
    responses={429: {"description": "Too many failed attempts; see Retry-After."}},
)
async def post_login(
    body: LoginRequest,
    pool: DbPool,
    settings: AuthSettings,
    request: Request,
    response: Response,
) -> LoginResponse:
    """Sign in with a username and password: a bearer token and a session cookie.

    Failed attempts are limited per address and per username; 10 failures in a row lock
    the username for 15 minutes (429 with Retry-After).
    """
    result = await session_service.login(
        pool=pool,
        username=body.username,
        password=body.password,
        secret=settings.hmac_secret.get_secret_value(),
        ttl_seconds=settings.session_ttl_seconds,
        client_ip=client_address(request),
        limits=settings.limits,
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
async def get_config(settings: AuthSettings) -> AuthConfig:
    """How the admin UI signs users in (public): passwords, or Logto when configured."""
    if settings.logto_issuer is None:
        return AuthConfig(mode="password")
    return AuthConfig(
        mode="logto",
        logto_endpoint=settings.logto_endpoint,
        logto_app_id=settings.logto_spa_app_id,
        logto_api_resource=settings.logto_api_resource,
    )


@internal_router.post("/authenticate")
async def post_authenticate(
    body: AuthenticateRequest, pool: DbPool, settings: AuthSettings, request: Request
) -> dict[str, Any]:
    """The identity claims behind any credential (API key, Logto JWT, session token):
    401 when it cannot be trusted, 429 when its address failed too often."""
    identity = await credential.authenticate(
        pool=pool,
        token=body.token,
        secret=settings.hmac_secret.get_secret_value(),
        verifier=request.app.state.jwt_verifier,
        client_ip=body.client_ip,
        limits=settings.limits,
    )
    return identity.to_claims()
