"""The shell every domain service gets from the platform: it migrates its own schema at
start-up, answers /health, /ready and /metrics, and refuses calls the gateway did not sign.
One parametrized spec for all five, run against each real app."""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import asyncpg
import httpx
import pytest

from mpflow_devstack.ports import free_port
from mpflow_platform.settings import find_migrations_dir
from mpflow_testing.servers import run_app

#: service -> an admin path it owns (API.md router table).
ADMIN_PATHS = {
    "auth": "/v1/admin/auth/me",
    "catalog": "/v1/admin/master-cards",
    "inventory": "/v1/admin/inventory",
    "finance": "/v1/admin/sales",
    "ozon": "/v1/admin/ozon/sync/runs",
}


@pytest.fixture(params=sorted(ADMIN_PATHS))
def service(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def start(service: str, service_env: Callable[..., None]) -> Iterator[Callable[..., str]]:
    """`start(NAME=value, ...)` runs the service with extra settings; its base URL."""
    create_app = importlib.import_module(f"{service}.main").create_app
    with ExitStack() as stack:

        def run(**env: str) -> str:
            service_env(**env)
            return str(stack.enter_context(run_app(create_app())))

        yield run


@pytest.fixture
def base_url(start: Callable[..., str]) -> str:
    return start()


def _fetch(database_url: str, query: str) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(database_url)
        try:
            return [dict(r) for r in await conn.fetch(query)]
        finally:
            await conn.close()

    return asyncio.run(run())


def _ready(base_url: str, timeout: float = 15.0) -> httpx.Response:
    """/ready once NATS is connected (the connection is made in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(f"{base_url}/ready", trust_env=False)
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def test_start_up_applies_every_migration_of_the_service(
    service: str, base_url: str, database_url: str
) -> None:
    expected = {p.name for p in (find_migrations_dir() / service).glob("*.sql")}

    rows = _fetch(database_url, "SELECT service, filename FROM public.schema_migrations")
    tables = _fetch(
        database_url,
        f"SELECT to_regclass('{service}.outbox') IS NOT NULL AS outbox, "
        f"to_regclass('{service}.inbox') IS NOT NULL AS inbox",
    )

    assert expected and {r["filename"] for r in rows if r["service"] == service} == expected
    assert {r["service"] for r in rows} == {"init", service}
    assert tables == [{"outbox": True, "inbox": True}]


def test_health_is_ok_and_names_the_service(service: str, base_url: str) -> None:
    response = httpx.get(f"{base_url}/health", trust_env=False)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": service}


def test_ready_reports_database_and_nats_ok(service: str, base_url: str) -> None:
    response = _ready(base_url)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["service"] == service
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["nats"] == {"status": "ok"}


def test_ready_is_503_naming_nats_when_nats_is_unreachable(
    start: Callable[..., str],
) -> None:
    base_url = start(NATS_URL=f"nats://127.0.0.1:{free_port()}")

    response = httpx.get(f"{base_url}/ready", trust_env=False)

    assert response.status_code == 503
    assert response.json()["checks"]["nats"]["status"] == "down"
    assert response.json()["checks"]["database"]["status"] == "ok"


def test_metrics_count_http_requests_by_route_and_status(service: str, base_url: str) -> None:
    httpx.get(f"{base_url}/health", trust_env=False)

    response = httpx.get(f"{base_url}/metrics", trust_env=False)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE http_requests_total counter" in response.text
    assert (
        f'http_requests_total{{method="GET",route="/health",service="{service}",status="200"}}'
        in response.text
    )


def test_an_unsigned_admin_call_is_a_401_problem(service: str, base_url: str) -> None:
    admin_path = ADMIN_PATHS[service]
    response = httpx.get(f"{base_url}{admin_path}", trust_env=False)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["error_code"] == "gateway_signature_required"
    assert problem["instance"] == admin_path
