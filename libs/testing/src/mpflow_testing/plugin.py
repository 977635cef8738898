"""pytest fixtures: real PostgreSQL and NATS JetStream servers (started on free ports, or
taken from TEST_DATABASE_URL / TEST_NATS_URL) and a fresh database per test."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from mpflow_devstack.nats import EmbeddedNats
from mpflow_devstack.postgres import EmbeddedPostgres
from mpflow_platform.http.identity import ANONYMOUS, Identity
from mpflow_testing.identity import GatewayAuth


@pytest.fixture(scope="session")
def mpflow_tmp() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="mpflow-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_url(mpflow_tmp: Path) -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database (`postgres`)."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield external
        return
    server = EmbeddedPostgres(mpflow_tmp / "pg")
    url = server.start(fsync=False)
    yield url
    server.stop()


async def _reset_stream(url: str) -> None:
    import nats
    from nats.js.errors import NotFoundError

    nc = await nats.connect(url)
    try:
        try:
            await nc.jetstream().delete_stream("MPFLOW")
        except NotFoundError:
            pass
    finally:
        await nc.close()


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    """URL of a NATS server with JetStream and an empty MPFLOW stream for this test.

    A server of its own per test (it starts in ~20 ms); with TEST_NATS_URL the shared
    server's stream is deleted first, so no test sees another's events.
    """
    external = os.environ.get("TEST_NATS_URL")
    if external:
        asyncio.run(_reset_stream(external))
        yield external
        return
    server = EmbeddedNats(tmp_path / "nats-shared")
    url = server.start()
    yield url
    server.stop()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A NATS server of this test's own, which the test may stop, kill and restart."""
    server = EmbeddedNats(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _create_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
def database_url(pg_url: str) -> Iterator[str]:
    """A fresh, empty database for this test (dropped afterwards)."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    asyncio.run(_create_database(pg_url, name))
    yield with_database(pg_url, name)
    asyncio.run(_drop_database(pg_url, name))


#: Settings a developer's shell might carry that would leak into a service under test.
_LEAKY_ENV = (
    "GATEWAY_SIGNING_KEY",
    "MIGRATIONS_DIR",
    "APPLY_MIGRATIONS",
    "LOG_LEVEL",
    "DB_ROLE",
    "MIGRATION_DATABASE_URL",
)


@pytest.fixture
def service_env(
    monkeypatch: pytest.MonkeyPatch, database_url: str, nats_url: str
) -> Callable[..., None]:
    """`service_env(NAME=value, ...)`: the environment a service reads in create_app():
    this test's database and NATS, MPFLOW_ENV=test, plus any extra settings."""
    for name in _LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)

    def apply(**extra: str) -> None:
        base = {"MPFLOW_ENV": "test", "DATABASE_URL": database_url, "NATS_URL": nats_url}
        for name, value in {**base, **extra}.items():
            monkeypatch.setenv(name, value)

    apply()
    return apply


@pytest.fixture
def db(database_url: str) -> Callable[..., list[dict[str, Any]]]:
    """`db(sql, *args)`: run one statement on this test's database; rows as dicts (json
    decoded). For arranging and checking state from synchronous tests."""

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


@pytest.fixture
def signed_client() -> Iterator[Callable[..., httpx.Client]]:
    """`signed_client(base_url, identity=ANONYMOUS)`: an HTTP client of a service that signs
    every call for `identity`, as the gateway does; closed after the test."""
    clients: list[httpx.Client] = []

    def make(base_url: str, identity: Identity = ANONYMOUS) -> httpx.Client:
        client = httpx.Client(
            base_url=base_url, auth=GatewayAuth(identity), timeout=30, trust_env=False
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
