"""Fixtures for the auth service tests: environment, a running app, a gateway-like client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from auth.main import create_app
from mpflow_platform.http.identity import ANONYMOUS, Identity
from mpflow_testing.identity import signed_headers
from mpflow_testing.servers import run_app

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "correct-horse-battery-staple"
HMAC_SECRET = "test-hmac-secret-0123456789abcdef"

_CLEARED = (
    "GATEWAY_SIGNING_KEY",
    "MIGRATIONS_DIR",
    "APPLY_MIGRATIONS",
    "ADMIN_BOOTSTRAP_USERNAME",
    "ADMIN_BOOTSTRAP_PASSWORD",
    "HMAC_SECRET",
    "AUTH_SESSION_TTL_SECONDS",
    "AUTH_COOKIE_SECURE",
)


class GatewayAuth(httpx.Auth):
    """Signs every request with `identity`, as the gateway does."""

    def __init__(self, identity: Identity = ANONYMOUS) -> None:
        self.identity = identity

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        request.headers.update(signed_headers(self.identity, request.method, request.url.path))
        yield request


@pytest.fixture
def auth_env(monkeypatch: pytest.MonkeyPatch, database_url: str, nats_url: str) -> None:
    """The environment of an auth service on this test's database and NATS."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MPFLOW_ENV", "test")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("NATS_URL", nats_url)
    monkeypatch.setenv("HMAC_SECRET", HMAC_SECRET)
    monkeypatch.setenv("ADMIN_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)


@pytest.fixture
def auth_url(auth_env: None) -> Iterator[str]:
    """Base URL of a running auth service."""
    with run_app(create_app()) as url:
        yield url


@pytest.fixture
def client(auth_url: str) -> Iterator[httpx.Client]:
    """A client calling the service as the gateway does for an anonymous caller."""
    with httpx.Client(base_url=auth_url, auth=GatewayAuth(), timeout=30) as c:
        yield c


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@pytest.fixture
def admin() -> Credentials:
    """The bootstrap administrator's credentials configured by `auth_env`."""
    return Credentials(ADMIN_USERNAME, ADMIN_PASSWORD)


@pytest.fixture
def hmac_secret() -> str:
    """The HMAC_SECRET configured by `auth_env` (to forge tokens in tests)."""
    return HMAC_SECRET


@pytest.fixture
def gateway() -> Iterator[Callable[..., httpx.Client]]:
    """`gateway(base_url, identity)`: a client signing its calls as the gateway would."""
    clients: list[httpx.Client] = []

    def make(base_url: str, identity: Identity = ANONYMOUS) -> httpx.Client:
        c = httpx.Client(base_url=base_url, auth=GatewayAuth(identity), timeout=30)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def db(database_url: str) -> Callable[..., list[dict[str, Any]]]:
    """Run one SQL statement against the test database; rows as dicts."""

    async def _run(query: str, *args: Any) -> list[dict[str, Any]]:
        conn = await asyncpg.connect(database_url)
        try:
            return [dict(r) for r in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    def run(query: str, *args: Any) -> list[dict[str, Any]]:
        return asyncio.run(_run(query, *args))

    return run
