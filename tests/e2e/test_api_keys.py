"""API keys through the real gateway: scopes enforced, revocation and expiry immediate, on
every gateway replica."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mpflow_devstack.ports import free_port
from mpflow_testing.waiting import wait_until
from tests.e2e.conftest import RunningSystem


def _owner(system: RunningSystem) -> httpx.Client:
    username, password = system.new_tenant()
    return system.client(system.login(username, password))


def _key(owner: httpx.Client, scopes: list[str], **extra: Any) -> dict[str, Any]:
    response = owner.post("/v1/admin/api-keys", json={"name": "agent", "scopes": scopes, **extra})
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


def test_a_catalog_read_key_lists_cards_and_cannot_create_one(system: RunningSystem) -> None:
    with _owner(system) as owner:
        owner.post("/v1/admin/master-cards", json={"sku": "KEY-1", "title": "Чайник"})
        key = _key(owner, ["catalog:read"])["key"]

        with system.client(key) as agent:
            listed = agent.get("/v1/admin/master-cards")
            created = agent.post("/v1/admin/master-cards", json={"sku": "KEY-2", "title": "x"})
            keys = agent.get("/v1/admin/api-keys")

        assert listed.status_code == 200
        assert [c["sku"] for c in listed.json()["items"]] == ["KEY-1"]
        assert created.status_code == 403
        assert created.json()["error_code"] == "insufficient_scope"
        assert keys.status_code == 403  # account administration needs an admin scope
        assert owner.get("/v1/admin/master-cards").json()["total"] == 1


def test_a_revoked_key_gets_401_on_the_next_request(system: RunningSystem) -> None:
    with _owner(system) as owner:
        created = _key(owner, ["catalog:read"])
        with system.client(created["key"]) as agent:
            assert agent.get("/v1/admin/master-cards").status_code == 200  # now cached

            revoked = owner.delete(f"/v1/admin/api-keys/{created['id']}")
            after = agent.get("/v1/admin/master-cards")

    assert revoked.status_code == 200
    assert after.status_code == 401
    assert after.json()["error_code"] == "invalid_credential"


def test_an_expired_key_gets_401(system: RunningSystem) -> None:
    expires = datetime.now(UTC) + timedelta(seconds=2)
    with _owner(system) as owner:
        created = _key(owner, ["catalog:read"], expires_at=expires.isoformat())
        with system.client(created["key"]) as agent:
            assert agent.get("/v1/admin/master-cards").status_code == 200

            time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.5)
            after = agent.get("/v1/admin/master-cards")

    assert after.status_code == 401


@pytest.fixture
def second_gateway(system: RunningSystem, tmp_path: Any) -> Iterator[str]:
    """Another gateway replica in front of the same services, caching identities long."""
    port = free_port()
    with open(tmp_path / "gateway-2.log", "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "gateway.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            # A cache far longer than the test: only the revocation event can end the key.
            env={**system.stack.service_env(), "GATEWAY_IDENTITY_CACHE_SECONDS": "600"},
            stdout=log,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return httpx.get(f"{url}/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(ready, timeout=30)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_revoking_on_one_gateway_stops_the_key_on_the_others(
    system: RunningSystem, second_gateway: str
) -> None:
    with _owner(system) as owner:
        created = _key(owner, ["catalog:read"])
        headers = {"Authorization": f"Bearer {created['key']}"}
        with httpx.Client(base_url=second_gateway, headers=headers, timeout=15) as elsewhere:
            assert elsewhere.get("/v1/admin/master-cards").status_code == 200  # cached there

            assert owner.delete(f"/v1/admin/api-keys/{created['id']}").status_code == 200

            # The event travels outbox -> relay -> NATS -> every replica.
            wait_until(lambda: elsewhere.get("/v1/admin/master-cards").status_code == 401)
