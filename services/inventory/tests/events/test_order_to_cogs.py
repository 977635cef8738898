"""The issue's money path through inventory's own API and events, nothing arranged by SQL
but the card copy: order -> receive -> sales -> late freight -> backorder, every figure to
the kopeck, and the reconciliation holding after each step."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest

from mpflow_platform.events import new_event

Db = Callable[..., list[dict[str, Any]]]
ALICE_ID = UUID("00000000-0000-7000-8000-00000000a11c")
ORDERS = "/v1/admin/supplier-orders"


@pytest.fixture
def card(db: Db, inventory_url: str) -> UUID:
    card_id = uuid.uuid4()
    db(
        "INSERT INTO inventory.cards (user_id, card_id, sku, title, weight_g, version) "
        "VALUES ($1, $2, 'KETTLE-1', 'Чайник', 1000, 1)",
        ALICE_ID,
        card_id,
    )
    return card_id


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _order(alice: httpx.Client, card: UUID, qty: int, unit_price: str) -> dict[str, Any]:
    supplier = alice.get("/v1/admin/suppliers").json()["items"]
    if not supplier:
        supplier = [_ok(alice.post("/v1/admin/suppliers", json={"name": "Yiwu Co"}), 201)]
    order = _ok(
        alice.post(
            ORDERS,
            json={
                "supplier_id": supplier[0]["id"],
                "currency": "CNY",
                "fx_rate": "12.5",
                "fx_rate_date": "2026-11-20",
                "lines": [{"card_id": str(card), "qty": qty, "unit_price": unit_price}],
            },
        ),
        201,
    )
    _ok(alice.post(f"{ORDERS}/{order['id']}/status", json={"status": "ordered"}))
    return order


def _receive(alice: httpx.Client, order: dict[str, Any], qty: int) -> dict[str, Any]:
    line = order["lines"][0]["id"]
    body = {"lines": [{"order_line_id": line, "qty": qty}]}
    return dict(_ok(alice.post(f"{ORDERS}/{order['id']}/receive", json=body), 201))


def _sell(jetstream: Any, card: UUID, qty: int) -> str:
    sale_id = str(uuid.uuid4())
    event = new_event(
        "sales.sale.recorded",
        {
            "sale_id": sale_id,
            "marketplace": "manual",
            "external_id": None,
            "occurred_at": datetime.now(UTC).isoformat(),
            "lines": [{"line_id": str(uuid.uuid4()), "card_id": str(card), "qty": qty}],
        },
        user_id=ALICE_ID,
        source="finance",
    )
    jetstream.wait_handled(jetstream.publish(event)[0])
    return sale_id


def _events(db: Db, subject: str) -> list[dict[str, Any]]:
    rows = db("SELECT payload FROM inventory.outbox WHERE subject = $1 ORDER BY seq", subject)
    return [r["payload"]["data"] for r in rows]


def _lots(db: Db, card: UUID) -> list[tuple[int, Decimal]]:
    rows = db(
        "SELECT remaining_qty, remaining_value FROM inventory.lots WHERE card_id = $1 "
        "ORDER BY received_at, id",
        card,
    )
    return [(r["remaining_qty"], r["remaining_value"]) for r in rows]


def _reconciled(alice: httpx.Client) -> None:
    report = _ok(alice.get("/v1/admin/inventory/reconciliation"))
    assert report["ok"] is True, report


def test_late_freight_after_60_percent_sold_and_a_backorder_filled_by_the_next_order(
    alice: httpx.Client, jetstream: Any, card: UUID, db: Db
) -> None:
    # 10 units x 10 CNY x 12.5 = 1 250.00 landed: 125.00 a unit.
    first = _order(alice, card, 10, "10")
    _receive(alice, first, 10)
    assert _lots(db, card) == [(10, Decimal("1250.00"))]
    _reconciled(alice)

    _sell(jetstream, card, 6)
    (allocated,) = _events(db, "mpflow.inventory.cogs.allocated")
    assert allocated["lines"][0]["cost"] == "750.00"
    _reconciled(alice)

    # Late freight 100.00 RUB: 60.00 on the 6 sold (a COGS adjustment now), 40.00 on the 4
    # left, whose unit cost rises from 125.00 to 135.00.
    charge = alice.post(
        f"{ORDERS}/{first['id']}/charges",
        json={"kind": "freight", "amount": "100", "currency": "RUB", "method": "by_quantity"},
    )
    assert _ok(charge, 201)["after_receipt"] is True
    assert _lots(db, card) == [(4, Decimal("540.00"))]
    (late,) = _events(db, "mpflow.inventory.cogs.adjusted")
    assert (late["reason"], late["amount"]) == ("late_charge", "60.00")
    _reconciled(alice)

    # Sell 10 with 4 in stock: 4 costed at 135.00, 6 wait for stock.
    _sell(jetstream, card, 10)
    costed = _events(db, "mpflow.inventory.cogs.allocated")[-1]["lines"][0]
    assert (costed["qty_filled"], costed["qty_pending"], costed["cost"]) == (4, 6, "540.00")
    _reconciled(alice)

    # Receive 20 at 8 CNY (100.00 a unit): the 6 pending fill from the new lot, in one
    # adjustment event carrying their cost.
    second = _order(alice, card, 20, "8")
    _receive(alice, second, 20)
    filled = _events(db, "mpflow.inventory.cogs.adjusted")[-1]
    assert (filled["reason"], filled["amount"]) == ("backorder_filled", "600.00")
    assert [(x["qty_filled"], x["qty_pending"]) for x in filled["lines"]] == [(6, 0)]
    assert _lots(db, card) == [(0, Decimal("0.00")), (14, Decimal("1400.00"))]
    stock = _ok(alice.get("/v1/admin/inventory"))["items"][0]
    assert (stock["quantity"], stock["value"]) == (14, "1400.00")
    _reconciled(alice)
