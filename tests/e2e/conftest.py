"""End-to-end fixtures: the six services as real processes behind the gateway, on a real
PostgreSQL database and a NATS server of their own."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from mpflow_devstack.nats import EmbeddedNats
from mpflow_devstack.ports import free_port
from mpflow_devstack.stack import SERVICES, Stack
from mpflow_platform.migrations import apply_migrations
from mpflow_platform.settings import find_migrations_dir
from mpflow_testing.plugin import with_database


@dataclass
class RunningSystem:
    stack: Stack
    nats: EmbeddedNats
    database_url: str
    admin_username: str
    admin_password: str

    @property
    def url(self) -> str:
        return self.stack.url()

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=15)

    def login(self, username: str, password: str) -> str:
        with self.client() as c:
            response = c.post(
                "/v1/admin/auth/login", json={"username": username, "password": password}
            )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def admin_token(self) -> str:
        return self.login(self.admin_username, self.admin_password)

    def new_tenant(self) -> tuple[str, str]:
        """A new tenant owner (created the way the auth service does); returns credentials."""
        from auth.user.service import create_user

        username = f"seller-{uuid.uuid4().hex[:8]}"
        password = secrets.token_urlsafe(16)

        async def create() -> None:
            conn = await asyncpg.connect(self.database_url)
            try:
                async with conn.transaction():
                    await create_user(tx=conn, username=username, password=password)
            finally:
                await conn.close()

        asyncio.run(create())
        return username, password


def start_system(pg_url: str, root: Path) -> RunningSystem:
    name = f"e2e_{uuid.uuid4().hex[:12]}"

    async def prepare() -> None:
        conn = await asyncpg.connect(pg_url)
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        await apply_migrations(with_database(pg_url, name), find_migrations_dir())

    asyncio.run(prepare())
    database_url = with_database(pg_url, name)
    nats = EmbeddedNats(root / "nats")
    nats.start()
    password = secrets.token_urlsafe(16)
    stack = Stack(
        database_url=database_url,
        nats_url=nats.url,
        log_dir=root / "logs",
        ports={service: free_port() for service in SERVICES},
        env={
            "GATEWAY_SIGNING_KEY": secrets.token_urlsafe(32),
            "HMAC_SECRET": secrets.token_urlsafe(32),
            "ADMIN_BOOTSTRAP_USERNAME": "admin",
            "ADMIN_BOOTSTRAP_PASSWORD": password,
            "MPFLOW_ENV": "test",
        },
    )
    try:
        stack.start()
    except Exception:
        stack.stop()
        nats.stop()
        for service in SERVICES:
            print(f"--- {service} log ---\n{stack.log(service)[-3000:]}")
        raise
    return RunningSystem(stack, nats, database_url, "admin", password)


def stop_system(system: RunningSystem, pg_url: str) -> None:
    system.stack.stop()
    system.nats.stop()
    name = system.database_url.rsplit("/", 1)[1]

    async def drop() -> None:
        conn = await asyncpg.connect(pg_url)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    asyncio.run(drop())


@pytest.fixture(scope="module")
def system(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """One running system shared by a module's tests; each test uses its own tenants."""
    running = start_system(pg_url, tmp_path_factory.mktemp("system"))
    yield running
    stop_system(running, pg_url)


@pytest.fixture
def own_system(pg_url: str, tmp_path: Path) -> Iterator[RunningSystem]:
    """A running system of this test's own (for tests that stop its servers)."""
    running = start_system(pg_url, tmp_path)
    yield running
    stop_system(running, pg_url)
