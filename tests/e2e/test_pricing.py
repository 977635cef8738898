"""Pricing through the gateway: the product list carries inventory's FIFO unit cost."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

from mpflow_testing.waiting import wait_until
from tests.e2e.conftest import RunningSystem


def _add_lots(system: RunningSystem, tenant: str, card_id: str) -> None:
    """Two lots as receipts would leave them: 4 units at 100.00 (older), 6 at 90.00."""

    async def insert() -> None:
        conn = await asyncpg.connect(system.database_url)
        try:
            now = datetime.now(UTC)
            for age, qty, value in ((2, 4, Decimal("400.00")), (1, 6, Decimal("540.00"))):
                await conn.execute(
                    "INSERT INTO inventory.lots (id, user_id, card_id, source, received_at, "
                    "initial_qty, remaining_qty, initial_value, remaining_value) "
                    "VALUES ($1, $2, $3, 'initial_balance', $4, $5, $5, $6, $6)",
                    uuid.uuid4(),
                    uuid.UUID(tenant),
                    uuid.UUID(card_id),
                    now - timedelta(days=age),
                    qty,
                    value,
                )
        finally:
            await conn.close()

    asyncio.run(insert())


def test_products_show_the_fifo_unit_cost_from_inventory(system: RunningSystem) -> None:
    with system.client(system.login(*system.new_tenant())) as client:
        me = client.get("/v1/admin/auth/me").json()
        kettle = client.post(
            "/v1/admin/master-cards", json={"sku": "KETTLE-1", "title": "Чайник"}
        ).json()
        client.post("/v1/admin/master-cards", json={"sku": "MUG-1", "title": "Кружка"})
        wait_until(
            lambda: client.get("/v1/admin/inventory", params={"q": "KETTLE-1"}).json()["total"] == 1
        )
        _add_lots(system, me["user_id"], kettle["id"])

        answer = client.get("/v1/admin/pricing/products")

    assert answer.status_code == 200, answer.text
    items = {item["sku"]: item for item in answer.json()["items"]}
    assert items["KETTLE-1"]["stock_qty"] == 10
    assert items["KETTLE-1"]["stock_value"] == "940.00"
    assert items["KETTLE-1"]["fifo_unit_cost"] == "100.0000"  # the older lot goes first
    assert items["KETTLE-1"]["average_unit_cost"] == "94.0000"
    assert items["MUG-1"]["stock_qty"] == 0 and items["MUG-1"]["fifo_unit_cost"] is None


def test_the_calculator_takes_the_tenants_tax_unless_told_otherwise(system: RunningSystem) -> None:
    body = {"mode": "forward", "price": "1000", "cogs": "400", "commission_percent": "10"}
    with system.client(system.login(*system.new_tenant())) as client:
        default = client.post("/v1/admin/pricing/calculate", json=body)
        client.put("/v1/admin/settings", json={"tax_mode": "usn_income_minus_expense"})
        tenant = client.post("/v1/admin/pricing/calculate", json=body)
        told = client.post("/v1/admin/pricing/calculate", json={**body, "tax": {"mode": "none"}})

    assert default.status_code == 200, default.text
    # usn_income 6 % of 1000; then 15 % of (1000 - 400 - 100 commission - 15 acquiring).
    assert default.json()["breakdown"]["tax"]["amount"] == "60.00"
    assert tenant.json()["breakdown"]["tax"] == {
        "amount": "72.75",
        "mode": "usn_income_minus_expense",
        "rate_percent": "15.00",
        "base": "485.00",
    }
    assert told.json()["breakdown"]["tax"]["amount"] == "0.00"
