"""The first cross-service slice: a card created in catalog shows up in inventory."""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import httpx

from mpflow_testing.waiting import wait_until
from tests.e2e.conftest import RunningSystem


def inventory_skus(client: httpx.Client) -> set[str]:
    response = client.get("/v1/admin/inventory", params={"limit": 500})
    assert response.status_code == 200, response.text
    return {row["sku"] for row in response.json()["items"]}


def test_ready_reports_every_service_the_database_and_nats(system: RunningSystem) -> None:
    response = httpx.get(f"{system.url}/ready", timeout=10)

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["nats"]["status"] == "ok"
    for service in ("auth", "catalog", "inventory", "finance", "ozon"):
        assert checks["services"][service]["status"] == "ok"


def test_a_card_created_through_the_gateway_appears_in_inventory_with_zero_stock(
    system: RunningSystem,
) -> None:
    sku = f"SKU-{uuid.uuid4().hex[:8]}"
    with system.client(system.admin_token()) as client:
        created = client.post("/v1/admin/master-cards", json={"sku": sku, "title": "Чайник"})

        assert created.status_code == 201, created.text
        card = created.json()
        listed = client.get("/v1/admin/master-cards", params={"q": sku}).json()
        assert [c["id"] for c in listed["items"]] == [card["id"]]
        wait_until(lambda: sku in inventory_skus(client))
        row = next(r for r in client.get("/v1/admin/inventory").json()["items"] if r["sku"] == sku)
    assert row == {
        "card_id": card["id"],
        "sku": sku,
        "title": "Чайник",
        "quantity": 0,
        "value": "0.00",
        "locations": [],
    }


def test_a_second_tenant_sees_nothing_of_the_first(system: RunningSystem) -> None:
    first = system.login(*system.new_tenant())
    second = system.login(*system.new_tenant())
    sku = f"MINE-{uuid.uuid4().hex[:8]}"
    with system.client(first) as client:
        card = client.post("/v1/admin/master-cards", json={"sku": sku, "title": "x"}).json()
        wait_until(lambda: sku in inventory_skus(client))

    with system.client(second) as client:
        cards = client.get("/v1/admin/master-cards").json()
        one = client.get(f"/v1/admin/master-cards/{card['id']}")
        stock = client.get("/v1/admin/inventory").json()
        # The same SKU is free in another tenant.
        own = client.post("/v1/admin/master-cards", json={"sku": sku, "title": "theirs"})

    assert cards == {"items": [], "total": 0, "next_cursor": None}
    assert one.status_code == 404
    assert one.headers["content-type"].startswith("application/problem+json")
    assert stock["total"] == 0
    assert own.status_code == 201


def test_the_request_id_travels_from_the_gateway_through_the_event_into_the_consumer_log(
    system: RunningSystem,
) -> None:
    request_id = f"e2e-{uuid.uuid4().hex}"
    sku = f"RID-{uuid.uuid4().hex[:8]}"
    with system.client(system.admin_token()) as client:
        response = client.post(
            "/v1/admin/master-cards",
            json={"sku": sku, "title": "t"},
            headers={"X-Request-ID": request_id},
        )
        wait_until(lambda: sku in inventory_skus(client))

    assert response.headers["x-request-id"] == request_id
    import asyncio

    import asyncpg

    async def correlation() -> str:
        conn = await asyncpg.connect(system.database_url)
        try:
            return str(
                await conn.fetchval(
                    "SELECT payload->>'correlation_id' FROM catalog.outbox "
                    "WHERE payload->'data'->>'sku' = $1",
                    sku,
                )
            )
        finally:
            await conn.close()

    assert asyncio.run(correlation()) == request_id
    handled = [
        json.loads(line)
        for line in system.stack.log("inventory").splitlines()
        if line.startswith("{") and request_id in line
    ]
    assert any(
        entry["msg"] == "event handled"
        and entry["request_id"] == request_id
        and entry["subject"] == "mpflow.catalog.card.created"
        for entry in handled
    )


def _inventory_copy(system: RunningSystem, card_id: str) -> dict[str, object] | None:
    async def read() -> dict[str, object] | None:
        conn = await asyncpg.connect(system.database_url)
        try:
            row = await conn.fetchrow(
                "SELECT title, status, length_mm, width_mm, height_mm, weight_g, version "
                "FROM inventory.cards WHERE card_id = $1",
                uuid.UUID(card_id),
            )
        finally:
            await conn.close()
        return None if row is None else dict(row)

    return asyncio.run(read())


def test_card_changes_reach_inventorys_copy_with_dimensions_and_weight(
    system: RunningSystem,
) -> None:
    with system.client(system.login(*system.new_tenant())) as client:
        card = client.post(
            "/v1/admin/master-cards",
            json={
                "sku": "BOX-1",
                "title": "Коробка",
                "dimensions": {"length_mm": 300, "width_mm": 200, "height_mm": 100},
                "weight_g": 450,
            },
        ).json()
        client.patch(f"/v1/admin/master-cards/{card['id']}", json={"weight_g": 480})
        client.delete(f"/v1/admin/master-cards/{card['id']}")

    wait_until(lambda: (_inventory_copy(system, card["id"]) or {}).get("version") == 3)
    assert _inventory_copy(system, card["id"]) == {
        "title": "Коробка",
        "status": "archived",
        "length_mm": 300,
        "width_mm": 200,
        "height_mm": 100,
        "weight_g": 480,
        "version": 3,
    }
