"""Calling a service directly, as the gateway would (identity signed per request)."""

from __future__ import annotations

from collections.abc import Generator
from uuid import UUID

import httpx

from mpflow_platform.http.identity import ANONYMOUS, HEADER, Identity, sign_identity
from mpflow_platform.settings import DEV_SIGNING_KEY

#: Two signed-in tenant owners, for tests that need one tenant and another.
ALICE = Identity(
    user_id=UUID("00000000-0000-7000-8000-00000000a11c"),
    username="alice",
    role="owner",
    credential="session",
)
BOB = Identity(
    user_id=UUID("00000000-0000-7000-8000-000000000b0b"),
    username="bob",
    role="owner",
    credential="session",
)


def signed_headers(
    identity: Identity, method: str, path: str, key: str = DEV_SIGNING_KEY, query: str = ""
) -> dict[str, str]:
    """The gateway's header for `method path?query` (query: the raw, still encoded string)."""
    return {HEADER: sign_identity(identity, key=key, method=method, path=path, query=query)}


class GatewayAuth(httpx.Auth):
    """httpx auth that signs every request for `identity`, as the gateway does."""

    def __init__(self, identity: Identity = ANONYMOUS, key: str = DEV_SIGNING_KEY) -> None:
        self.identity = identity
        self.key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(
            signed_headers(
                self.identity,
                request.method,
                request.url.path,
                self.key,
                request.url.query.decode("latin-1"),
            )
        )
        yield request
