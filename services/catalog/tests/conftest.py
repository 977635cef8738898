"""Fixtures for the catalog tests: the real app on this test's PostgreSQL and NATS, and
clients that call it as the gateway does (identity signed per request)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from catalog.main import create_app
from mpflow_platform.http.identity import ANONYMOUS, Identity
from mpflow_testing.identity import signed_headers
from mpflow_testing.servers import run_app

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
_CLEARED = ("GATEWAY_SIGNING_KEY", "MIGRATIONS_DIR", "APPLY_MIGRATIONS", "LOG_LEVEL")

Db = Callable[..., list[dict[str, Any]]]
Client = Callable[[Identity], httpx.Client]


class GatewayAuth(httpx.Auth):
    """Signs every request with `identity`, as the gateway does."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        request.headers.update(signed_headers(self.identity, request.method, request.url.path))
        yield request


@pytest.fixture
def catalog_url(monkeypatch: pytest.MonkeyPatch, database_url: str, nats_url: str) -> Iterator[str]:
    """Base URL of a running catalog service (migrations applied by its start-up)."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MPFLOW_ENV", "test")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("NATS_URL", nats_url)
    with run_app(create_app()) as url:
        yield url


@pytest.fixture
def client_of(catalog_url: str) -> Iterator[Client]:
    """`client_of(identity)`: an HTTP client of the catalog signing its calls for `identity`."""
    clients: list[httpx.Client] = []

    def make(identity: Identity) -> httpx.Client:
        c = httpx.Client(
            base_url=catalog_url, auth=GatewayAuth(identity), timeout=30, trust_env=False
        )
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def alice(client_of: Client) -> httpx.Client:
    return client_of(ALICE)


@pytest.fixture
def bob(client_of: Client) -> httpx.Client:
    return client_of(BOB)


@pytest.fixture
def anonymous(client_of: Client) -> httpx.Client:
    """Signed by the gateway, but nobody is signed in."""
    return client_of(ANONYMOUS)


@pytest.fixture
def unsigned(catalog_url: str) -> Iterator[httpx.Client]:
    """A client that bypasses the gateway: no identity header at all."""
    with httpx.Client(base_url=catalog_url, timeout=30, trust_env=False) as c:
        yield c


@pytest.fixture
def db(database_url: str) -> Db:
    """Run one SQL statement against the test database; rows as dicts, json decoded."""

    async def _run(query: str, *args: Any) -> list[dict[str, Any]]:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.set_type_codec(
                "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
            )
            return [dict(r) for r in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    def run(query: str, *args: Any) -> list[dict[str, Any]]:
        return asyncio.run(_run(query, *args))

    return run
