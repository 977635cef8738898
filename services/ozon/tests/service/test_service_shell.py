"""What ozon does before its domain arrives: it migrates its schema, answers /health,
/ready and /metrics, and refuses calls the gateway did not sign."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx

from mpflow_devstack.ports import free_port
from mpflow_platform.http.identity import Identity
from mpflow_platform.settings import find_migrations_dir
from mpflow_testing.identity import signed_headers

SERVICE = "ozon"
ADMIN_PATH = "/v1/admin/ozon/sync/runs"


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


def test_start_up_applies_every_migration_of_the_service(ozon_url: str, database_url: str) -> None:
    expected = {p.name for p in (find_migrations_dir() / SERVICE).glob("*.sql")}

    rows = _fetch(database_url, "SELECT service, filename FROM public.schema_migrations")
    tables = _fetch(
        database_url,
        f"SELECT to_regclass('{SERVICE}.outbox') IS NOT NULL AS outbox, "
        f"to_regclass('{SERVICE}.inbox') IS NOT NULL AS inbox",
    )

    assert expected and {r["filename"] for r in rows if r["service"] == SERVICE} == expected
    assert {r["service"] for r in rows} == {"init", SERVICE}
    assert tables == [{"outbox": True, "inbox": True}]


def test_health_is_ok_and_names_the_service(ozon_url: str) -> None:
    response = httpx.get(f"{ozon_url}/health", trust_env=False)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": SERVICE}


def test_ready_reports_database_and_nats_ok(ozon_url: str) -> None:
    response = _ready(ozon_url)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["service"] == SERVICE
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["nats"] == {"status": "ok"}


def test_ready_is_503_naming_nats_when_nats_is_unreachable(
    start_ozon: Callable[..., str],
) -> None:
    base_url = start_ozon(NATS_URL=f"nats://127.0.0.1:{free_port()}")

    response = httpx.get(f"{base_url}/ready", trust_env=False)

    assert response.status_code == 503
    assert response.json()["checks"]["nats"]["status"] == "down"
    assert response.json()["checks"]["database"]["status"] == "ok"


def test_metrics_count_http_requests_by_route_and_status(ozon_url: str) -> None:
    httpx.get(f"{ozon_url}/health", trust_env=False)

    response = httpx.get(f"{ozon_url}/metrics", trust_env=False)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE http_requests_total counter" in response.text
    assert (
        f'http_requests_total{{method="GET",route="/health",service="{SERVICE}",status="200"}}'
        in response.text
    )


def test_an_unsigned_admin_call_is_a_401_problem(ozon_url: str) -> None:
    response = httpx.get(f"{ozon_url}{ADMIN_PATH}", trust_env=False)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["error_code"] == "gateway_signature_required"
    assert problem["instance"] == ADMIN_PATH


def test_a_signed_call_to_a_path_it_does_not_serve_yet_is_a_404_problem(
    ozon_url: str,
) -> None:
    headers = signed_headers(Identity(username="someone"), "GET", ADMIN_PATH)

    response = httpx.get(f"{ozon_url}{ADMIN_PATH}", headers=headers, trust_env=False)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
