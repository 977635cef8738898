"""FastAPI dependencies every service uses: the pool, the caller's identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mpflow_platform.db import Pool
from mpflow_platform.http.identity import ANONYMOUS, Identity
from mpflow_platform.http.problems import Forbidden, Unauthorized


def get_pool(request: Request) -> Pool:
    pool: Pool = request.app.state.pool
    return pool


def get_caller(request: Request) -> Identity:
    """The gateway-verified identity, possibly anonymous (public routes such as login)."""
    identity: Identity = getattr(request.state, "identity", ANONYMOUS)
    return identity


def get_identity(request: Request) -> Identity:
    """The authenticated caller; 401 when the gateway forwarded an anonymous call."""
    identity = get_caller(request)
    if not identity.is_authenticated:
        raise Unauthorized("sign in first: this endpoint needs an authenticated user")
    return identity


def require_platform_admin(identity: Annotated[Identity, Depends(get_identity)]) -> Identity:
    if not identity.is_platform_admin:
        raise Forbidden("this endpoint is for platform administrators")
    return identity


DbPool = Annotated[Pool, Depends(get_pool)]
Caller = Annotated[Identity, Depends(get_caller)]
CurrentIdentity = Annotated[Identity, Depends(get_identity)]
