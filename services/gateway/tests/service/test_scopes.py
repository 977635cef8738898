"""Scopes are enforced on every Admin API route; auth's answers about abuse and revocation
reach the client and the identity cache."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import nats
import pytest

from mpflow_platform.events import Envelope, new_event, subject_for
from mpflow_testing.waiting import wait_until

from .conftest import ALICE, THROTTLED_TOKEN

PROBLEM_JSON = "application/problem+json"
BOB = {"Authorization": "Bearer tok-bob"}  # scopes: catalog:read


@pytest.mark.parametrize("path", ["master-cards", "master-cards/x/y", "pricing/calc"])
def test_a_catalog_read_key_reads_the_catalog(client: httpx.Client, path: str) -> None:
    response = client.get(f"/v1/admin/{path}", headers=BOB)

    assert response.status_code == 200
    assert response.json()["service"] == "catalog"


@pytest.mark.parametrize(
    ("method", "path", "needed"),
    [
        ("POST", "master-cards", "catalog:write"),
        ("PATCH", "master-cards/x", "catalog:write"),
        ("DELETE", "master-cards/x", "catalog:write"),
        ("GET", "sales", "finance:read"),
        ("GET", "inventory", "inventory:read"),
        ("GET", "ozon/sync/runs", "ozon:read"),
        ("GET", "users", "admin:read"),
        ("POST", "api-keys", "admin:write"),
        ("PUT", "settings", "admin:write"),
    ],
)
def test_anything_else_is_a_403_naming_the_missing_scope(
    client: httpx.Client, upstreams: Any, method: str, path: str, needed: str
) -> None:
    response = client.request(method, f"/v1/admin/{path}", headers=BOB, json={})

    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["error_code"] == "insufficient_scope"
    assert problem["required_scope"] == needed
    assert f'scope="{needed}"' in response.headers["www-authenticate"]


def test_auth_routes_need_no_scope(client: httpx.Client) -> None:
    response = client.get("/v1/admin/auth/me", headers=BOB)

    assert response.status_code == 200
    assert response.json()["service"] == "auth"


def test_a_refused_request_never_reaches_the_service(client: httpx.Client) -> None:
    response = client.post("/v1/admin/master-cards", headers=BOB, json={})

    assert "service" not in response.json()


def test_too_many_failures_reach_the_client_as_429_with_retry_after(
    client: httpx.Client, upstreams: Any
) -> None:
    response = client.get(
        "/v1/admin/master-cards", headers={"Authorization": f"Bearer {THROTTLED_TOKEN}"}
    )

    assert response.status_code == 429
    assert response.headers["retry-after"] == "42"
    assert response.json()["error_code"] == "too_many_attempts"
    assert upstreams.auth.client_ips[-1] == "127.0.0.1"


def test_a_write_to_auth_makes_the_tenant_credentials_checked_again(
    alice: httpx.Client, upstreams: Any
) -> None:
    alice.get("/v1/admin/master-cards")
    alice.delete("/v1/admin/api-keys/some-key")  # e.g. revoking a key

    alice.get("/v1/admin/master-cards")

    assert upstreams.auth.checks_of("tok-alice") == 2


def _publish(nats_url: str, event: Envelope) -> None:
    async def publish() -> None:
        nc = await nats.connect(nats_url)
        payload = json.dumps(event.model_dump(mode="json")).encode()
        await nc.publish(subject_for(event.type), payload)
        await nc.flush()
        await nc.close()

    asyncio.run(publish())


def test_a_revocation_event_makes_the_tenant_credentials_checked_again(
    alice: httpx.Client, client: httpx.Client, upstreams: Any, nats_url: str
) -> None:
    alice.get("/v1/admin/master-cards")
    client.get("/v1/admin/master-cards", headers=BOB)

    def rechecked() -> bool:
        # Published until heard: the gateway subscribes once it has connected to NATS.
        event = new_event(
            "auth.access.revoked",
            {"reason": "api_key_revoked"},
            user_id=ALICE.user_id,
            source="auth",
        )
        _publish(nats_url, event)
        alice.get("/v1/admin/master-cards")
        return upstreams.auth.checks_of("tok-alice") > 1

    wait_until(rechecked)
    client.get("/v1/admin/master-cards", headers=BOB)
    assert upstreams.auth.checks_of("tok-bob") == 1  # another tenant stays cached
