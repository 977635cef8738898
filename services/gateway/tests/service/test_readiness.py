"""`/ready` of the gateway: its database, NATS and every domain service."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.routing import SERVICES


def test_ready_is_ok_and_lists_database_nats_and_every_service(client: httpx.Client) -> None:
    response = client.get("/ready")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["nats"]["status"] == "ok"
    assert body["checks"]["services"]["status"] == "ok"
    for service in SERVICES:
        assert body["checks"]["services"][service]["status"] == "ok"


def test_ready_is_503_and_names_the_service_that_is_down(
    start_gateway: Any, upstreams: Any, down_url: str
) -> None:
    base = start_gateway(**{**upstreams.env, "GATEWAY_OZON_URL": down_url})

    response = httpx.get(f"{base}/ready", trust_env=False)

    assert response.status_code == 503
    services = response.json()["checks"]["services"]
    assert response.json()["status"] == "down"
    assert services["status"] == "down"
    assert services["ozon"]["status"] == "down"
    assert services["auth"]["status"] == "ok"


def test_health_needs_nothing_but_the_gateway(start_gateway: Any, down_url: str) -> None:
    base = start_gateway(**{f"GATEWAY_{s.upper()}_URL": down_url for s in SERVICES})

    response = httpx.get(f"{base}/health", trust_env=False)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "gateway"}
