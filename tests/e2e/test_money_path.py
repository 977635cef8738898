"""The money path end to end, through the gateway only: card -> supplier order with two
charges -> receive -> two sales -> a restocked return -> a cancellation -> P&L, unit
economics, stock valuation and cash flow, every figure computed by hand to the kopeck
(DOMAIN.md §2 worked example, §4a arithmetic, §7 reports)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from mpflow_testing.waiting import wait_until
from tests.e2e.conftest import RunningSystem

ORDERS = "/v1/admin/supplier-orders"
SALES = "/v1/admin/sales"


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _card(client: httpx.Client, sku: str, weight_g: int) -> str:
    card = ok(
        client.post(
            "/v1/admin/master-cards",
            json={"sku": sku, "title": f"Товар {sku}", "weight_g": weight_g},
        ),
        201,
    )
    return str(card["id"])


def _in_inventory(client: httpx.Client, *card_ids: str) -> bool:
    rows = ok(client.get("/v1/admin/inventory", params={"limit": 500}))["items"]
    return set(card_ids) <= {row["card_id"] for row in rows}


def _sale(client: httpx.Client, **body: Any) -> dict[str, Any]:
    sale: dict[str, Any] = ok(client.post(SALES, json=body), 201)
    return sale


def _get_sale(client: httpx.Client, sale_id: str) -> dict[str, Any]:
    sale: dict[str, Any] = ok(client.get(f"{SALES}/{sale_id}"))
    return sale


def _period() -> dict[str, str]:
    """A range that holds today in any tenant timezone."""
    today = datetime.now(UTC).date()
    return {
        "date_from": (today - timedelta(days=1)).isoformat(),
        "date_to": (today + timedelta(days=1)).isoformat(),
    }


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


def _by_card(rows: list[dict[str, Any]], card_id: str) -> dict[str, Any]:
    return next(row for row in rows if row["card_id"] == card_id)


def test_card_order_receipt_sales_return_cancel_reconcile_to_the_kopeck(
    system: RunningSystem,
) -> None:
    with system.client(system.login(*system.new_tenant())) as client:
        # DOMAIN.md §2: A 100 pcs × 10 CNY, 0.2 kg; B 50 pcs × 40 CNY, 1.0 kg; 12.5 RUB/CNY;
        # freight 3 000 RUB by weight, customs 1 875 RUB by value.
        a = _card(client, f"A-{uuid.uuid4().hex[:6]}", 200)
        b = _card(client, f"B-{uuid.uuid4().hex[:6]}", 1000)
        wait_until(lambda: _in_inventory(client, a, b))
        supplier = ok(client.post("/v1/admin/suppliers", json={"name": "Yiwu Trading"}), 201)
        order = ok(
            client.post(
                ORDERS,
                json={
                    "supplier_id": supplier["id"],
                    "currency": "CNY",
                    "fx_rate": "12.5",
                    "fx_rate_date": "2026-11-20",
                    "lines": [
                        {"card_id": a, "qty": 100, "unit_price": "10"},
                        {"card_id": b, "qty": 50, "unit_price": "40"},
                    ],
                },
            ),
            201,
        )
        for charge in (
            {"kind": "freight", "amount": "3000", "currency": "RUB", "method": "by_weight"},
            {"kind": "customs", "amount": "1875", "currency": "RUB", "method": "by_value"},
        ):
            ok(client.post(f"{ORDERS}/{order['id']}/charges", json=charge), 201)
        ok(client.post(f"{ORDERS}/{order['id']}/status", json={"status": "ordered"}))
        line_of = {line["card_id"]: line["id"] for line in order["lines"]}
        ok(
            client.post(
                f"{ORDERS}/{order['id']}/receive",
                json={
                    "lines": [
                        {"order_line_id": line_of[a], "qty": 100},
                        {"order_line_id": line_of[b], "qty": 50},
                    ]
                },
            ),
            201,
        )
        # Lots: A 13 982.14 (12 500 + 857.14 + 625), B 28 392.86 (25 000 + 2 142.86 + 1 250).
        # Paying the supplier is cash, not P&L.
        ok(
            client.post(
                "/v1/admin/finance/transactions",
                json={
                    "direction": "out",
                    "amount": "37500.00",
                    "category": "supplier_payment",
                    "supplier_order_id": order["id"],
                    "description": "Оплата поставщику",
                },
            ),
            201,
        )

        first = _sale(
            client,
            marketplace="manual",
            external_id="M-1",
            lines=[
                {
                    "card_id": a,
                    "qty": 10,
                    "unit_price": "300.00",
                    "fees": {"commission": "450.00", "logistics": "100.00"},
                },
                {"card_id": b, "qty": 2, "unit_price": "1200.00", "fees": {"commission": "360.00"}},
            ],
        )
        second = _sale(
            client,
            marketplace="manual",
            external_id="M-2",
            lines=[
                {"card_id": a, "qty": 5, "unit_price": "320.00", "fees": {"commission": "240.00"}}
            ],
        )
        for sale in (first, second):
            wait_until(lambda s=sale: _get_sale(client, s["id"])["cogs_status"] == "costed")
        # FIFO: A 10 of 100 -> round2(10 × 13 982.14 / 100) = 1 398.21; B 2 of 50 ->
        # round2(2 × 28 392.86 / 50) = 1 135.71; A 5 of the 90 left (12 583.93) -> 699.11.
        assert _money(_get_sale(client, first["id"])["totals"]["cogs"]) == Decimal("2533.92")
        assert _money(_get_sale(client, second["id"])["totals"]["cogs"]) == Decimal("699.11")

        # Re-posting the same external sale changes nothing.
        again = client.post(
            SALES,
            json={
                "marketplace": "manual",
                "external_id": "M-2",
                "lines": [{"card_id": a, "qty": 5, "unit_price": "320.00"}],
            },
        )
        assert ok(again)["id"] == second["id"]

        # 3 units of A come back sellable: refund round2(3 × 3 000 / 10) = 900.00, COGS put
        # back round2(3 × 1 398.21 / 10) = 419.46.
        line_a = next(line for line in first["lines"] if line["card_id"] == a)
        ok(
            client.post(
                f"{SALES}/{first['id']}/return",
                json={"kind": "restock", "lines": [{"line_id": line_a["id"], "qty": 3}]},
            ),
            201,
        )
        # The second sale is cancelled: its revenue, fee and COGS (699.11) all go.
        ok(client.post(f"{SALES}/{second['id']}/cancel", json={}))
        wait_until(
            lambda: _money(_get_sale(client, first["id"])["totals"]["cogs"]) == Decimal("2114.46")
        )
        wait_until(
            lambda: _money(_get_sale(client, second["id"])["totals"]["cogs"]) == Decimal("0.00")
        )
        cancelled = _get_sale(client, second["id"])
        assert cancelled["status"] == "cancelled"
        assert _money(cancelled["totals"]["revenue"]) == Decimal("0.00")

        pnl = ok(client.get("/v1/admin/reports/pnl", params=_period()))
        unit = ok(client.get("/v1/admin/reports/unit-economics", params=_period()))
        stock = ok(client.get("/v1/admin/reports/stock-valuation"))
        dds = ok(client.get("/v1/admin/reports/dds", params=_period()))

    totals = pnl["totals"]
    # Revenue 3 000 + 2 400 (+ 1 600 − 1 600 cancelled) = 5 400; refunds 900.
    assert _money(totals["revenue"]) == Decimal("5400.00")
    assert _money(totals["returns"]) == Decimal("900.00")
    assert _money(totals["net_revenue"]) == Decimal("4500.00")
    assert _money(totals["fees"]["commission"]) == Decimal("810.00")
    assert _money(totals["fees"]["logistics"]) == Decimal("100.00")
    assert _money(totals["fees_total"]) == Decimal("910.00")
    # COGS 1 398.21 + 1 135.71 + 699.11; adjustments −419.46 (return) − 699.11 (cancel).
    assert _money(totals["cogs"]) == Decimal("3233.03")
    assert _money(totals["cogs_adjustments"]) == Decimal("-1118.57")
    assert _money(totals["gross_profit"]) == Decimal("1475.54")
    # The supplier payment is no operating expense; tax 6 % of 4 500 (the default mode).
    assert _money(totals["operating_expenses"]) == Decimal("0.00")
    assert _money(totals["tax"]) == Decimal("270.00")
    assert _money(totals["net_profit"]) == Decimal("1205.54")

    unit_a, unit_b = _by_card(unit["items"], a), _by_card(unit["items"], b)
    assert (unit_a["units_sold"], unit_a["units_returned"]) == (10, 3)
    assert _money(unit_a["revenue"]) == Decimal("3000.00")
    # COGS 1 398.21 + 699.11, adjusted −699.11 (cancel) − 419.46 (return): 978.75 net.
    assert _money(unit_a["cogs"]) == Decimal("2097.32")
    assert _money(unit_a["cogs"]) + _money(unit_a["cogs_adjustments"]) == Decimal("978.75")
    # 3 000 − 900 − 550 − 978.75 = 571.25 over 7 units kept.
    assert _money(unit_a["profit"]) == Decimal("571.25")
    assert _money(unit_a["profit_per_unit"]) == Decimal("81.61")
    assert (unit_b["units_sold"], unit_b["units_returned"]) == (2, 0)
    assert _money(unit_b["profit"]) == Decimal("904.29")
    assert _money(unit_b["profit_per_unit"]) == Decimal("452.15")

    # A: 100 − 10 − 5 + 5 + 3 = 93 units worth 13 003.39; B: 48 worth 27 257.15.
    stock_a, stock_b = _by_card(stock["items"], a), _by_card(stock["items"], b)
    assert (stock_a["qty"], _money(stock_a["value"])) == (93, Decimal("13003.39"))
    assert (stock_b["qty"], _money(stock_b["value"])) == (48, Decimal("27257.15"))
    assert _money(stock["value"]) == Decimal("40260.54")

    # Cash: only the supplier payment; receiving goods wrote no cash row.
    assert _money(dds["total_in"]) == Decimal("0.00")
    assert _money(dds["total_out"]) == Decimal("37500.00")
    assert [c["category"] for c in dds["categories"]] == ["supplier_payment"]
    assert _money(dds["closing_balance"]) == Decimal("-37500.00")


def test_backorder_and_late_charge_adjustments_land_in_the_period_they_happen(
    system: RunningSystem,
) -> None:
    october = {"date_from": "2026-10-01", "date_to": "2026-10-31"}
    with system.client(system.login(*system.new_tenant())) as client:
        c = _card(client, f"C-{uuid.uuid4().hex[:6]}", 100)
        other = _card(client, f"D-{uuid.uuid4().hex[:6]}", 100)
        wait_until(lambda: _in_inventory(client, c, other))
        # Sold in October before any stock was booked: 4 units wait for a lot.
        sale = _sale(
            client,
            marketplace="ozon",
            external_id="0132112277-0101-1",
            occurred_at="2026-10-15T10:00:00Z",
            lines=[{"card_id": c, "qty": 4, "unit_price": "500.00"}],
        )
        wait_until(lambda: _get_sale(client, sale["id"])["cogs_status"] == "partial")
        # An initial balance of another card is stock, not cash.
        ok(
            client.post(
                "/v1/admin/inventory/initial-balance",
                json={"lines": [{"card_id": other, "qty": 5, "unit_cost": "10"}]},
            ),
            201,
        )
        supplier = ok(client.post("/v1/admin/suppliers", json={"name": "Ningbo"}), 201)
        order = ok(
            client.post(
                ORDERS,
                json={
                    "supplier_id": supplier["id"],
                    "currency": "CNY",
                    "fx_rate": "12.5",
                    "fx_rate_date": "2026-11-20",
                    "lines": [{"card_id": c, "qty": 10, "unit_price": "8"}],
                },
            ),
            201,
        )
        ok(client.post(f"{ORDERS}/{order['id']}/status", json={"status": "ordered"}))
        ok(
            client.post(
                f"{ORDERS}/{order['id']}/receive",
                json={
                    "lines": [{"order_line_id": order["lines"][0]["id"], "qty": 10}],
                    # The stock is physically where the marketplace ships from.
                    "location": "marketplace:ozon",
                },
            ),
            201,
        )
        # 10 × 8 × 12.5 = 1 000.00: the 4 pending units fill now at 100.00 each.
        wait_until(lambda: _get_sale(client, sale["id"])["cogs_status"] == "costed")
        # Late freight 200.00 by quantity: 120.00 stays on the 6 left, 80.00 is COGS now.
        ok(
            client.post(
                f"{ORDERS}/{order['id']}/charges",
                json={
                    "kind": "freight",
                    "amount": "200",
                    "currency": "RUB",
                    "method": "by_quantity",
                },
            ),
            201,
        )
        wait_until(
            lambda: _money(_get_sale(client, sale["id"])["totals"]["cogs"]) == Decimal("480.00")
        )
        then = ok(client.get("/v1/admin/reports/pnl", params=october))["totals"]
        now = ok(client.get("/v1/admin/reports/pnl", params=_period()))["totals"]
        cash_then = ok(client.get("/v1/admin/reports/dds", params=october))
        cash_now = ok(client.get("/v1/admin/reports/dds", params=_period()))

    # October keeps what was known in October: the revenue, no COGS yet.
    assert _money(then["revenue"]) == Decimal("2000.00")
    assert _money(then["cogs"]) == Decimal("0.00")
    assert _money(then["cogs_adjustments"]) == Decimal("0.00")
    # The backorder (400.00) and the late freight (80.00) are costs of now.
    assert _money(now["revenue"]) == Decimal("0.00")
    assert _money(now["cogs_adjustments"]) == Decimal("480.00")
    # Receiving goods and an initial balance moved no cash.
    for cash in (cash_then, cash_now):
        assert (cash["total_in"], cash["total_out"]) == ("0.00", "0.00")
        assert cash["categories"] == []
        assert all((d["in"], d["out"]) == ("0.00", "0.00") for d in cash["days"])
