"""Receiving supplier orders: lots, ledger rows, events, shortage settlement, unreceive.

Orders are arranged with SQL (`add_order`), as the orders endpoints would leave them: the
line's `landed_value` is set directly (DOMAIN.md §4a is the orders engineer's computation).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest

Db = Callable[..., list[dict[str, Any]]]
ALICE_ID = UUID("00000000-0000-7000-8000-00000000a11c")
BOB_ID = UUID("00000000-0000-7000-8000-000000000b0b")
ORDERS = "/v1/admin/supplier-orders"


# --- arrangement helpers (kept here: the orders endpoints are another engineer's) -----------


@pytest.fixture
def add_order(db: Db, inventory_url: str) -> Callable[..., tuple[UUID, list[UUID]]]:
    """`add_order([(card_id, qty_ordered, "landed value"), ...], status=, policy=, user_id=)`:
    a supplier order with its supplier and lines; returns (order id, line ids)."""

    def add(
        lines: list[tuple[UUID, int, str]],
        *,
        status: str = "ordered",
        policy: str = "redistribute",
        user_id: UUID = ALICE_ID,
    ) -> tuple[UUID, list[UUID]]:
        supplier_id, order_id = uuid.uuid4(), uuid.uuid4()
        db(
            "INSERT INTO inventory.suppliers (id, user_id, name) VALUES ($1, $2, $3)",
            supplier_id,
            user_id,
            f"supplier {supplier_id}",
        )
        db(
            "INSERT INTO inventory.supplier_orders (id, user_id, number, supplier_id, fx_rate, "
            "fx_rate_date, status, shortage_policy) "
            "VALUES ($1, $2, $3, $4, 12.5, '2026-11-01', $5, $6)",
            order_id,
            user_id,
            f"PO-{order_id.hex[:8]}",
            supplier_id,
            status,
            policy,
        )
        line_ids = []
        for no, (card_id, qty, landed) in enumerate(lines, start=1):
            line_id = uuid.uuid4()
            db(
                "INSERT INTO inventory.supplier_order_lines (id, user_id, order_id, line_no, "
                "card_id, qty_ordered, unit_price, line_value_base, landed_value) "
                "VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
                line_id,
                user_id,
                order_id,
                no,
                card_id,
                qty,
                Decimal(landed),
            )
            line_ids.append(line_id)
        return order_id, line_ids

    return add


def receive(
    client: httpx.Client, order_id: UUID, lines: list[tuple[UUID, int]], **extra: Any
) -> httpx.Response:
    body = {"lines": [{"order_line_id": str(li), "qty": q} for li, q in lines], **extra}
    return client.post(f"{ORDERS}/{order_id}/receive", json=body)


def received(
    client: httpx.Client, order_id: UUID, lines: list[tuple[UUID, int]], **extra: Any
) -> dict[str, Any]:
    response = receive(client, order_id, lines, **extra)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def events(db: Db, event_type: str) -> list[dict[str, Any]]:
    rows = db("SELECT payload FROM inventory.outbox ORDER BY seq")
    return [r["payload"]["data"] for r in rows if r["payload"]["type"] == event_type]


def reconciliation(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/v1/admin/inventory/reconciliation")
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


# --- receiving ---------------------------------------------------------------------------


def test_partial_and_repeated_receipts_make_lots_summing_exactly_to_the_landed_value(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a, b = add_card("A"), add_card("B")
    order_id, (line_a, line_b) = add_order([(a, 3, "100.00"), (b, 7, "1000.01")])

    first = received(alice, order_id, [(line_a, 1), (line_b, 2)])
    second = received(alice, order_id, [(line_a, 1), (line_b, 2)])
    third = received(alice, order_id, [(line_a, 1), (line_b, 3)])

    assert [first["order_status"], second["order_status"], third["order_status"]] == [
        "partially_received",
        "partially_received",
        "received",
    ]
    lots = db(
        "SELECT order_line_id, initial_qty, initial_value, remaining_value FROM inventory.lots "
        "ORDER BY received_at, created_at"
    )
    a_values = [r["initial_value"] for r in lots if r["order_line_id"] == line_a]
    b_values = [r["initial_value"] for r in lots if r["order_line_id"] == line_b]
    assert a_values == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert b_values == [Decimal("285.72"), Decimal("285.72"), Decimal("428.57")]
    assert sum(a_values) == Decimal("100.00") and sum(b_values) == Decimal("1000.01")
    assert len(lots) == 6
    order_lines = db(
        "SELECT qty_received, value_received FROM inventory.supplier_order_lines ORDER BY line_no"
    )
    assert order_lines == [
        {"qty_received": 3, "value_received": Decimal("100.00")},
        {"qty_received": 7, "value_received": Decimal("1000.01")},
    ]


def test_a_receipt_answers_its_lots_and_value(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any]
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 4, "139.82")])

    body = received(alice, order_id, [(line, 3)], received_at="2026-11-20T10:00:00Z")

    assert body["order_id"] == str(order_id)
    assert body["location"] == "home"
    assert body["received_at"] == "2026-11-20T10:00:00Z"
    assert body["value"] == "104.87"
    assert [(lot["qty"], lot["value"]) for lot in body["lots"]] == [(3, "104.87")]
    assert body["shortages"] == []


def test_a_receipt_writes_ledger_rows_and_announces_lots_and_the_purchase(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a, b = add_card("A"), add_card("B")
    order_id, (line_a, line_b) = add_order([(a, 2, "50.00"), (b, 1, "70.00")])

    body = received(alice, order_id, [(line_a, 2), (line_b, 1)], location="marketplace:ozon")

    moves = db(
        "SELECT card_id, location, qty, type, ref_type, ref_id, lot_id, value "
        "FROM inventory.movements ORDER BY value"
    )
    lot_ids = {lot["card_id"]: lot["lot_id"] for lot in body["lots"]}
    assert moves == [
        {
            "card_id": card,
            "location": "marketplace:ozon",
            "qty": qty,
            "type": "receipt",
            "ref_type": "receipt",
            "ref_id": UUID(body["id"]),
            "lot_id": UUID(lot_ids[str(card)]),
            "value": Decimal(value),
        }
        for card, qty, value in ((a, 2, "50.00"), (b, 1, "70.00"))
    ]
    lots = events(db, "inventory.lot.received")
    assert sorted((e["card_id"], e["qty"], e["value"], e["source"]) for e in lots) == sorted(
        [(str(a), 2, "50.00", "receipt"), (str(b), 1, "70.00", "receipt")]
    )
    assert {e["receipt_id"] for e in lots} == {body["id"]}
    (purchase,) = events(db, "inventory.purchase.received")
    assert purchase["value"] == "120.00"
    assert purchase["order_id"] == str(order_id)
    assert len(purchase["lines"]) == 2


def test_receiving_more_than_is_open_on_a_line_is_a_422_naming_it(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 5, "50.00")])
    received(alice, order_id, [(line, 3)])

    response = receive(alice, order_id, [(line, 3)])

    body = assert_problem(response, 422)
    assert body["error_code"] == "over_receipt"
    assert [p["name"] for p in body["invalid_params"]] == ["lines.0.qty"]
    assert db("SELECT count(*) AS n FROM inventory.lots")[0]["n"] == 1


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_receiving_a_draft_or_cancelled_order_is_a_409(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], status: str
) -> None:
    order_id, (line,) = add_order([(add_card("A"), 5, "50.00")], status=status)

    response = receive(alice, order_id, [(line, 1)])

    assert assert_problem(response, 409)["error_code"] == "order_not_receivable"


def test_an_in_transit_order_can_be_received(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any]
) -> None:
    order_id, (line,) = add_order([(add_card("A"), 5, "50.00")], status="in_transit")

    assert received(alice, order_id, [(line, 5)])["order_status"] == "received"


def test_a_fully_received_order_takes_no_more_receipts(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any]
) -> None:
    order_id, (line,) = add_order([(add_card("A"), 2, "50.00")])
    received(alice, order_id, [(line, 2)])

    response = receive(alice, order_id, [(line, 1)])

    assert assert_problem(response, 409)["error_code"] == "order_not_receivable"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"order_line_id": "nope", "qty": 1}]}, "lines.0.order_line_id"),
        ({"lines": [{"order_line_id": str(uuid.uuid4()), "qty": 0}]}, "lines.0.qty"),
        ({"lines": [{"order_line_id": str(uuid.uuid4()), "qty": -2}]}, "lines.0.qty"),
        ({"lines": [{"order_line_id": str(uuid.uuid4()), "qty": 1}]}, "lines.0.order_line_id"),
        ({"location": "supplier", "close": True}, "location"),
        ({"received_at": "2026-11-20T10:00:00", "close": True}, "received_at"),
        ({"received_at": "2999-01-01T00:00:00Z", "close": True}, "received_at"),
        ({"close": True, "surprise": 1}, "surprise"),
    ],
)
def test_bad_receipt_bodies_are_422_problems_naming_the_field(
    alice: httpx.Client,
    add_card: Callable[..., UUID],
    add_order: Callable[..., Any],
    body: dict[str, Any],
    field: str,
) -> None:
    order_id, _ = add_order([(add_card("A"), 2, "50.00")])

    response = alice.post(f"{ORDERS}/{order_id}/receive", json=body)

    problem = assert_problem(response, 422)
    assert field in [p["name"] for p in problem["invalid_params"]]


def test_a_line_named_twice_in_one_receipt_is_a_422(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any]
) -> None:
    order_id, (line,) = add_order([(add_card("A"), 5, "50.00")])

    response = receive(alice, order_id, [(line, 1), (line, 1)])

    problem = assert_problem(response, 422)
    assert [p["name"] for p in problem["invalid_params"]] == ["lines.1.order_line_id"]


def test_an_unknown_order_is_a_404(alice: httpx.Client) -> None:
    response = receive(alice, uuid.uuid4(), [(uuid.uuid4(), 1)])

    assert assert_problem(response, 404)["error_code"] == "supplier_order_not_found"


def test_another_tenants_order_cannot_be_received_listed_or_unreceived(
    bob: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    order_id, (line,) = add_order([(add_card("A"), 5, "50.00")])

    responses = [
        receive(bob, order_id, [(line, 1)]),
        bob.get(f"{ORDERS}/{order_id}/receipts"),
        bob.post(f"{ORDERS}/{order_id}/unreceive", json={"receipt_id": str(uuid.uuid4())}),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert db("SELECT count(*) AS n FROM inventory.lots")[0]["n"] == 0


# --- closing short -----------------------------------------------------------------------


def test_closing_short_with_write_off_books_the_missing_value_as_a_loss(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 3, "100.00")], policy="write_off")

    body = received(alice, order_id, [(line, 2)], close=True)

    assert body["order_status"] == "received"
    assert body["shortages"] == [
        {
            "order_line_id": str(line),
            "card_id": str(a),
            "qty": 1,
            "value": "33.33",
            "settled_by": "write_off",
        }
    ]
    (loss,) = events(db, "inventory.loss.accrued")
    assert (loss["reason"], loss["qty"], loss["value"]) == ("shortage", 1, "33.33")
    assert loss["ref_id"] == body["id"]
    assert db("SELECT closed_at IS NOT NULL AS closed FROM inventory.supplier_orders") == [
        {"closed": True}
    ]


def test_closing_short_with_redistribute_puts_the_missing_value_into_the_lines_lots(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 4, "100.00")])
    received(alice, order_id, [(line, 1)])

    body = received(alice, order_id, [(line, 2)], close=True)

    assert body["shortages"][0]["settled_by"] == "redistribute"
    assert body["shortages"][0]["value"] == "25.00"
    lots = db("SELECT remaining_value FROM inventory.lots ORDER BY received_at, created_at")
    assert sum(r["remaining_value"] for r in lots) == Decimal("100.00")
    assert events(db, "inventory.loss.accrued") == []
    assert reconciliation(alice)["ok"] is True


def test_a_redistributed_shortage_skips_the_lots_of_unreceived_receipts(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 4, "100.00")])
    mistake = received(alice, order_id, [(line, 1)])
    alice.post(f"{ORDERS}/{order_id}/unreceive", json={"receipt_id": mistake["id"]})

    received(alice, order_id, [(line, 2)], close=True)

    lots = db("SELECT remaining_value FROM inventory.lots WHERE remaining_qty > 0")
    assert lots == [{"remaining_value": Decimal("100.00")}]


def test_closing_a_line_of_which_nothing_arrived_writes_its_value_off(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a, b = add_card("A"), add_card("B")
    order_id, (line_a, line_b) = add_order([(a, 2, "20.00"), (b, 5, "55.55")])

    body = received(alice, order_id, [(line_a, 2)], close=True)

    assert [(s["card_id"], s["value"], s["settled_by"]) for s in body["shortages"]] == [
        (str(b), "55.55", "write_off")
    ]
    assert [e["value"] for e in events(db, "inventory.loss.accrued")] == ["55.55"]


def test_closing_an_order_of_which_nothing_arrived_is_a_409(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any]
) -> None:
    order_id, _ = add_order([(add_card("A"), 2, "20.00")])

    response = alice.post(f"{ORDERS}/{order_id}/receive", json={"close": True})

    assert assert_problem(response, 409)["error_code"] == "order_not_receivable"


def test_a_receipt_fills_a_sale_that_waited_for_stock(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a = add_card("A")
    sale_line = _pending_sale(db, a, qty=2)
    order_id, (line,) = add_order([(a, 5, "50.00")])

    received(alice, order_id, [(line, 5)])

    assert db("SELECT qty_pending FROM inventory.sale_lines") == [{"qty_pending": 0}]
    allocations = db("SELECT sale_line_id, qty, cost FROM inventory.cogs_allocations")
    assert allocations == [{"sale_line_id": sale_line, "qty": 2, "cost": Decimal("20.00")}]
    assert reconciliation(alice)["ok"] is True


def _pending_sale(db: Db, card_id: UUID, *, qty: int) -> UUID:
    line_id = uuid.uuid4()
    db(
        "INSERT INTO inventory.sale_lines (id, user_id, sale_id, card_id, location, qty, "
        "qty_pending, occurred_at) VALUES ($1, $2, $3, $4, 'home', $5, $5, now())",
        line_id,
        ALICE_ID,
        uuid.uuid4(),
        card_id,
        qty,
    )
    return line_id


# --- listing and unreceiving ---------------------------------------------------------------


def test_receipts_are_listed_oldest_first_with_their_lots(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any]
) -> None:
    order_id, (line,) = add_order([(add_card("A"), 5, "50.00")])
    first = received(alice, order_id, [(line, 2)], received_at="2026-11-01T00:00:00Z")
    second = received(alice, order_id, [(line, 3)], received_at="2026-11-02T00:00:00Z")

    response = alice.get(f"{ORDERS}/{order_id}/receipts")

    assert response.status_code == 200, response.text
    page = response.json()
    assert [r["id"] for r in page["items"]] == [first["id"], second["id"]]
    assert [r["value"] for r in page["items"]] == ["20.00", "30.00"]
    assert page["total"] == 2


def test_unreceiving_an_untouched_receipt_reverses_it(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 5, "50.00")])
    first = received(alice, order_id, [(line, 2)])
    second = received(alice, order_id, [(line, 3)])

    response = alice.post(f"{ORDERS}/{order_id}/unreceive", json={"receipt_id": second["id"]})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["order_status"] == "partially_received"
    assert body["receipt"]["reversed_at"] is not None
    assert [(lot["remaining_qty"], lot["remaining_value"]) for lot in body["receipt"]["lots"]] == [
        (0, "0.00")
    ]
    assert db("SELECT qty_received, value_received FROM inventory.supplier_order_lines") == [
        {"qty_received": 2, "value_received": Decimal("20.00")}
    ]
    reversal = db("SELECT qty, value FROM inventory.movements WHERE type = 'unreceive'")
    assert reversal == [{"qty": -3, "value": Decimal("-30.00")}]
    assert db("SELECT qty, value FROM inventory.balances") == [
        {"qty": 2, "value": Decimal("20.00")}
    ]
    assert reconciliation(alice)["ok"] is True
    # The first receipt can go too; the order is back to ordered and can be received again.
    again = alice.post(f"{ORDERS}/{order_id}/unreceive", json={"receipt_id": first["id"]})
    assert again.json()["order_status"] == "ordered"
    assert received(alice, order_id, [(line, 5)])["value"] == "50.00"


def test_a_receipt_cannot_be_unreceived_twice(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any]
) -> None:
    order_id, (line,) = add_order([(add_card("A"), 5, "50.00")])
    receipt = received(alice, order_id, [(line, 2)])
    alice.post(f"{ORDERS}/{order_id}/unreceive", json={"receipt_id": receipt["id"]})

    response = alice.post(f"{ORDERS}/{order_id}/unreceive", json={"receipt_id": receipt["id"]})

    assert assert_problem(response, 409)["error_code"] == "receipt_reversed"


def test_unreceiving_after_a_sale_is_a_409_naming_the_sale(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 5, "50.00")])
    receipt = received(alice, order_id, [(line, 5)])
    lot_id = UUID(receipt["lots"][0]["lot_id"])
    sale_id = _simulate_sale(db, a, lot_id, qty=2, cost=Decimal("20.00"))

    response = alice.post(f"{ORDERS}/{order_id}/unreceive", json={"receipt_id": receipt["id"]})

    problem = assert_problem(response, 409)
    assert problem["error_code"] == "receipt_consumed"
    assert str(sale_id) in problem["detail"]
    assert problem["sale_ids"] == [str(sale_id)]
    assert problem["consumed_by"][0]["lot_id"] == str(lot_id)
    assert problem["invalid_params"][0]["name"] == "receipt_id"
    assert db("SELECT reversed_at FROM inventory.receipts") == [{"reversed_at": None}]


def _simulate_sale(db: Db, card_id: UUID, lot_id: UUID, *, qty: int, cost: Decimal) -> UUID:
    """What the costing of a sale leaves behind: a sale line, its allocation, a lower lot."""
    sale_id, line_id = uuid.uuid4(), uuid.uuid4()
    db(
        "INSERT INTO inventory.sale_lines (id, user_id, sale_id, card_id, location, qty, "
        "qty_pending, occurred_at) VALUES ($1, $2, $3, $4, 'home', $5, 0, now())",
        line_id,
        ALICE_ID,
        sale_id,
        card_id,
        qty,
    )
    db(
        "INSERT INTO inventory.cogs_allocations (id, user_id, sale_line_id, lot_id, qty, cost) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        uuid.uuid4(),
        ALICE_ID,
        line_id,
        lot_id,
        qty,
        cost,
    )
    db(
        "UPDATE inventory.lots SET remaining_qty = remaining_qty - $2, "
        "remaining_value = remaining_value - $3 WHERE id = $1",
        lot_id,
        qty,
        cost,
    )
    return sale_id


def test_unreceiving_after_units_were_written_off_is_a_409(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any]
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 5, "50.00")])
    receipt = received(alice, order_id, [(line, 5)])
    write_off = {"card_id": str(a), "qty": 1, "reason": "damage"}
    assert alice.post("/v1/admin/inventory/write-offs", json=write_off).status_code == 201

    response = alice.post(f"{ORDERS}/{order_id}/unreceive", json={"receipt_id": receipt["id"]})

    problem = assert_problem(response, 409)
    assert problem["error_code"] == "receipt_consumed"
    assert problem["sale_ids"] == []


def test_unreceiving_units_that_moved_to_another_location_is_a_409(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any]
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 5, "50.00")])
    receipt = received(alice, order_id, [(line, 5)])
    move = {"card_id": str(a), "from": "home", "to": "marketplace:ozon", "qty": 2}
    assert alice.post("/v1/admin/inventory/transfers", json=move).status_code == 201

    response = alice.post(f"{ORDERS}/{order_id}/unreceive", json={"receipt_id": receipt["id"]})

    assert assert_problem(response, 409)["error_code"] == "receipt_units_moved"


def test_unreceiving_an_order_closed_short_is_a_409(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any]
) -> None:
    order_id, (line,) = add_order([(add_card("A"), 5, "50.00")], policy="write_off")
    receipt = received(alice, order_id, [(line, 3)], close=True)

    response = alice.post(f"{ORDERS}/{order_id}/unreceive", json={"receipt_id": receipt["id"]})

    assert assert_problem(response, 409)["error_code"] == "order_closed_short"


def test_unreceiving_a_receipt_of_another_order_is_a_404(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any]
) -> None:
    a = add_card("A")
    order_1, (line_1,) = add_order([(a, 5, "50.00")])
    order_2, _ = add_order([(a, 5, "50.00")])
    receipt = received(alice, order_1, [(line_1, 2)])

    response = alice.post(f"{ORDERS}/{order_2}/unreceive", json={"receipt_id": receipt["id"]})

    assert assert_problem(response, 404)["error_code"] == "receipt_not_found"
