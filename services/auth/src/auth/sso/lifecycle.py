"""Start-up and shut-down of the Logto token verifier (an HTTP client for the JWKS)."""

from __future__ import annotations

from typing import cast

import httpx
from fastapi import FastAPI

from auth.settings import Settings
from auth.sso.jwt import JwksCache, JwtVerifier

JWKS_TIMEOUT_SECONDS = 5.0


async def open_verifier(app: FastAPI) -> None:
    """`app.state.jwt_verifier`: a verifier when Logto is configured, else None."""
    settings = cast(Settings, app.state.settings)
    app.state.jwks_http = None
    app.state.jwt_verifier = None
    issuer = settings.logto_issuer
    if issuer is None or settings.logto_api_resource is None:
        return
    http = httpx.AsyncClient(timeout=JWKS_TIMEOUT_SECONDS)
    app.state.jwks_http = http
    app.state.jwt_verifier = JwtVerifier(
        JwksCache(http, issuer + "/jwks"), issuer=issuer, audience=settings.logto_api_resource
    )


async def close_verifier(app: FastAPI) -> None:
    http = cast(httpx.AsyncClient | None, app.state.jwks_http)
    if http is not None:
        await http.aclose()
