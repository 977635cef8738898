"""Fixes from the review of receipts, stock operations, orders and the ledger: late charges
on orders closed short (DOMAIN.md §3, §5), a location's value follows its units (§6), values
that would overflow a balance, date bounds, the unreceive event and order numbering."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest

Db = Callable[..., list[dict[str, Any]]]
ALICE_ID = UUID("00000000-0000-7000-8000-00000000a11c")
ORDERS = "/v1/admin/supplier-orders"
STOCK = "/v1/admin/inventory"


@pytest.fixture
def add_order(db: Db, inventory_url: str) -> Callable[..., tuple[UUID, list[UUID]]]:
    """`add_order([(card_id, qty_ordered, "landed value"), ...], policy=)`: an ordered
    supplier order (in RUB at 1) with its supplier and lines; (order id, line ids)."""

    def add(
        lines: list[tuple[UUID, int, str]], *, policy: str = "redistribute"
    ) -> tuple[UUID, list[UUID]]:
        supplier_id, order_id = uuid.uuid4(), uuid.uuid4()
        db(
            "INSERT INTO inventory.suppliers (id, user_id, name) VALUES ($1, $2, $3)",
            supplier_id,
            ALICE_ID,
            f"supplier {supplier_id}",
        )
        db(
            "INSERT INTO inventory.supplier_orders (id, user_id, number, supplier_id, currency, "
            "fx_rate, fx_rate_date, status, shortage_policy) "
            "VALUES ($1, $2, $3, $4, 'RUB', 1, '2026-11-01', 'ordered', $5)",
            order_id,
            ALICE_ID,
            f"PO-{order_id.hex[:8]}",
            supplier_id,
            policy,
        )
        line_ids = []
        for no, (card_id, qty, landed) in enumerate(lines, start=1):
            line_id = uuid.uuid4()
            db(
                "INSERT INTO inventory.supplier_order_lines (id, user_id, order_id, line_no, "
                "card_id, qty_ordered, unit_price, line_value_base, landed_value) "
                "VALUES ($1, $2, $3, $4, $5, $6::int, $7::numeric / $6::int, $7, $7)",
                line_id,
                ALICE_ID,
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
) -> dict[str, Any]:
    body = {"lines": [{"order_line_id": str(li), "qty": q} for li, q in lines], **extra}
    response = client.post(f"{ORDERS}/{order_id}/receive", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def events(db: Db, event_type: str) -> list[dict[str, Any]]:
    rows = db("SELECT payload FROM inventory.outbox ORDER BY seq")
    return [r["payload"]["data"] for r in rows if r["payload"]["type"] == event_type]


def lot_value(db: Db) -> Decimal:
    (row,) = db("SELECT coalesce(sum(remaining_value), 0) AS v FROM inventory.lots")
    return Decimal(row["v"])


def losses(db: Db) -> Decimal:
    return sum((Decimal(e["value"]) for e in events(db, "inventory.loss.accrued")), Decimal(0))


def cogs(db: Db) -> Decimal:
    (row,) = db("SELECT coalesce(sum(cost), 0) AS v FROM inventory.cogs_allocations")
    return Decimal(row["v"])


def landed(db: Db) -> Decimal:
    (row,) = db("SELECT sum(landed_value) AS v FROM inventory.supplier_order_lines")
    return Decimal(row["v"])


def reconciles(client: httpx.Client) -> bool:
    response = client.get(f"{STOCK}/reconciliation")
    assert response.status_code == 200, response.text
    return bool(response.json()["ok"])


def freight(client: httpx.Client, order_id: UUID, amount: str) -> None:
    response = client.post(
        f"{ORDERS}/{order_id}/charges",
        json={"kind": "freight", "amount": amount, "method": "by_quantity"},
    )
    assert response.status_code == 201, response.text


# --- 1. a charge after a short close ------------------------------------------------------


def test_a_late_charge_on_an_order_closed_short_by_write_off_loses_nothing(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 10, "100.00")], policy="write_off")
    receive(alice, order_id, [(line, 5)], close=True)

    freight(alice, order_id, "100")

    assert lot_value(db) == Decimal("100.00")  # 50 received + 50 of the freight
    assert [e["value"] for e in events(db, "inventory.loss.accrued")] == ["50.00", "50.00"]
    late_loss = events(db, "inventory.loss.accrued")[-1]
    assert (late_loss["reason"], late_loss["ref_type"], late_loss["qty"]) == (
        "shortage",
        "charge",
        5,
    )
    assert lot_value(db) + losses(db) + cogs(db) == landed(db) == Decimal("200.00")
    (row,) = db("SELECT value_received, landed_value FROM inventory.supplier_order_lines")
    assert row["value_received"] == row["landed_value"] == Decimal("200.00")
    assert reconciles(alice)


def test_a_late_charge_on_an_order_closed_short_by_redistribute_reaches_the_lots(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a, b = add_card("A"), add_card("B")
    order_id, (line_a, line_b) = add_order([(a, 10, "100.00"), (b, 10, "100.00")])
    receive(alice, order_id, [(line_a, 5)], close=True)  # B: nothing arrived, written off

    freight(alice, order_id, "100")  # 50 each

    assert lot_value(db) == Decimal("150.00")  # A: 100 landed + its whole 50
    assert [e["value"] for e in events(db, "inventory.loss.accrued")] == ["100.00", "50.00"]
    assert lot_value(db) + losses(db) + cogs(db) == landed(db) == Decimal("300.00")
    rows = db(
        "SELECT value_received, landed_value FROM inventory.supplier_order_lines ORDER BY line_no"
    )
    assert [(r["value_received"], r["landed_value"]) for r in rows] == [
        (Decimal("150.00"), Decimal("150.00")),
        (Decimal("150.00"), Decimal("150.00")),
    ]
    assert reconciles(alice)


def test_a_late_charge_on_an_open_order_keeps_the_rest_for_later_receipts(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 10, "100.00")], policy="write_off")
    receive(alice, order_id, [(line, 5)])

    freight(alice, order_id, "100")
    receive(alice, order_id, [(line, 5)])

    assert lot_value(db) == Decimal("200.00")
    assert events(db, "inventory.loss.accrued") == []


# --- 2. a location's value follows its units ----------------------------------------------


def balances(db: Db, card_id: UUID) -> dict[str, tuple[int, Decimal]]:
    rows = db("SELECT location, qty, value FROM inventory.balances WHERE card_id = $1", card_id)
    return {r["location"]: (r["qty"], r["value"]) for r in rows}


def initial_balance(client: httpx.Client, card_id: UUID, qty: int, unit_cost: str) -> None:
    response = client.post(
        f"{STOCK}/initial-balance",
        json={"lines": [{"card_id": str(card_id), "qty": qty, "unit_cost": unit_cost}]},
    )
    assert response.status_code == 201, response.text


def test_a_location_emptied_by_a_write_off_keeps_no_value(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a = add_card("A")
    initial_balance(alice, a, 1, "10")
    initial_balance(alice, a, 1, "50")
    moved = alice.post(
        f"{STOCK}/transfers", json={"card_id": str(a), "from": "home", "to": "in_transit", "qty": 1}
    )
    assert moved.json()["value"] == "30.00"

    written = alice.post(
        f"{STOCK}/write-offs",
        json={"card_id": str(a), "location": "in_transit", "qty": 1, "reason": "damage"},
    )

    assert written.status_code == 201, written.text
    assert written.json()["value"] == "-10.00"  # FIFO cost, card-wide
    assert balances(db, a) == {
        "home": (1, Decimal("50.00")),
        "in_transit": (0, Decimal("0.00")),
    }
    assert lot_value(db) == Decimal("50.00")
    assert reconciles(alice)


def test_a_location_emptied_by_a_negative_adjustment_keeps_no_value(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a = add_card("A")
    initial_balance(alice, a, 1, "50")
    initial_balance(alice, a, 1, "10")  # FIFO: the 50 goes first
    alice.post(
        f"{STOCK}/transfers", json={"card_id": str(a), "from": "home", "to": "in_transit", "qty": 1}
    )

    response = alice.post(
        f"{STOCK}/adjustments",
        json={"card_id": str(a), "location": "home", "qty": -1, "reason": "broken"},
    )

    assert response.status_code == 201, response.text
    assert balances(db, a) == {
        "home": (0, Decimal("0.00")),
        "in_transit": (1, Decimal("10.00")),
    }
    assert reconciles(alice)


# --- 3. values a balance cannot hold ------------------------------------------------------


def test_initial_balance_lines_overflowing_a_balance_are_a_422(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a = add_card("A")
    line = {"card_id": str(a), "qty": 1, "unit_cost": "900000000000"}

    response = alice.post(f"{STOCK}/initial-balance", json={"lines": [line]})
    assert response.status_code == 201, response.text
    again = alice.post(f"{STOCK}/initial-balance", json={"lines": [line]})

    assert again.status_code == 422, again.text
    assert again.json()["error_code"] == "stock_value_too_large"
    assert balances(db, a) == {"home": (1, Decimal("900000000000.00"))}


def test_a_receipt_overflowing_a_balance_is_a_422_and_books_nothing(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a = add_card("A")
    order_id, (one, two) = add_order([(a, 1, "900000000000.00"), (a, 1, "900000000000.00")])

    response = alice.post(
        f"{ORDERS}/{order_id}/receive",
        json={"lines": [{"order_line_id": str(li), "qty": 1} for li in (one, two)]},
    )

    assert response.status_code == 422, response.text
    assert response.json()["error_code"] == "stock_value_too_large"
    assert db("SELECT id FROM inventory.lots") == []


# --- 4, 5. dates at the edges -------------------------------------------------------------


def test_movements_up_to_the_last_date_are_listed(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    initial_balance(alice, add_card("A"), 1, "10")

    response = alice.get(
        f"{STOCK}/movements", params={"date_from": "0001-01-01", "date_to": "9999-12-31"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["total"] == 1


@pytest.mark.parametrize("moment", ["0001-01-01T00:30:00+01:00", "1999-12-31T23:59:59Z"])
def test_moments_before_2000_are_a_422_naming_the_field(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], moment: str
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 1, "10.00")])
    calls = [
        (
            f"{ORDERS}/{order_id}/receive",
            {"lines": [{"order_line_id": str(line), "qty": 1}], "received_at": moment},
            "received_at",
        ),
        (
            f"{STOCK}/initial-balance",
            {"lines": [{"card_id": str(a), "qty": 1, "unit_cost": "1"}], "occurred_at": moment},
            "occurred_at",
        ),
        (
            f"{STOCK}/stocktakes",
            {"lines": [{"card_id": str(a), "counted_qty": 1}], "counted_at": moment},
            "counted_at",
        ),
    ]
    for path, body, field in calls:
        response = alice.post(path, json=body)
        assert response.status_code == 422, (path, response.text)
        names = [p["name"] for p in response.json()["invalid_params"]]
        assert any(field in name for name in names), names


# --- 6. unreceive announces itself --------------------------------------------------------


def test_unreceiving_publishes_purchase_unreceived_in_its_transaction(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a, b = add_card("A"), add_card("B")
    order_id, (line_a, line_b) = add_order([(a, 4, "100.00"), (b, 2, "30.00")])
    receipt = receive(alice, order_id, [(line_a, 1), (line_b, 2)])

    response = alice.post(f"{ORDERS}/{order_id}/unreceive", json={"receipt_id": receipt["id"]})

    assert response.status_code == 200, response.text
    (event,) = events(db, "inventory.purchase.unreceived")
    assert (event["receipt_id"], event["order_id"], event["value"]) == (
        receipt["id"],
        str(order_id),
        "55.00",
    )
    assert [(x["order_line_id"], x["qty"], x["value"]) for x in event["lines"]] == [
        (str(line_a), 1, "25.00"),
        (str(line_b), 2, "30.00"),
    ]
    (supplier,) = db("SELECT supplier_id FROM inventory.supplier_orders")
    assert event["supplier_id"] == str(supplier["supplier_id"])


def test_a_refused_unreceive_publishes_nothing(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 4, "100.00")])
    receipt = receive(alice, order_id, [(line, 1)])
    alice.post(f"{ORDERS}/{order_id}/unreceive", json={"receipt_id": receipt["id"]})

    again = alice.post(f"{ORDERS}/{order_id}/unreceive", json={"receipt_id": receipt["id"]})

    assert again.status_code == 409
    assert len(events(db, "inventory.purchase.unreceived")) == 1


# --- 10. receipts are paged ---------------------------------------------------------------


def test_receipts_are_listed_a_page_at_a_time(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any]
) -> None:
    a = add_card("A")
    order_id, (line,) = add_order([(a, 5, "50.00")])
    ids = [receive(alice, order_id, [(line, 1)])["id"] for _ in range(3)]

    first = alice.get(f"{ORDERS}/{order_id}/receipts", params={"limit": 2}).json()
    second = alice.get(
        f"{ORDERS}/{order_id}/receipts", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()

    assert (first["total"], [r["id"] for r in first["items"]]) == (3, ids[:2])
    assert first["next_cursor"] is not None
    assert ([r["id"] for r in second["items"]], second["next_cursor"]) == (ids[2:], None)


# --- 8. order numbers ---------------------------------------------------------------------


@pytest.fixture
def create_order(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> Callable[..., httpx.Response]:
    supplier = alice.post("/v1/admin/suppliers", json={"name": "Yiwu Trading"}).json()
    card = add_card("N")

    def create(number: str | None = None) -> httpx.Response:
        body: dict[str, Any] = {
            "supplier_id": supplier["id"],
            "fx_rate": "12.5",
            "fx_rate_date": "2026-03-02",
            "lines": [{"card_id": str(card), "qty": 1, "unit_price": "1"}],
        }
        if number is not None:
            body["number"] = number
        return alice.post(ORDERS, json=body)

    return create


def test_a_huge_client_number_does_not_block_generated_numbers(
    create_order: Callable[..., httpx.Response],
) -> None:
    assert create_order("PO-" + "9" * 30).status_code == 201
    assert create_order("PO-999999999999").status_code == 201  # the last 12-digit one

    numbers = []
    for _ in range(3):
        response = create_order()
        assert response.status_code == 201, response.text
        numbers.append(response.json()["number"])

    assert numbers == ["PO-000001", "PO-000002", "PO-000003"]


def test_generated_numbers_continue_after_the_highest(
    create_order: Callable[..., httpx.Response],
) -> None:
    assert create_order("PO-000041").status_code == 201

    assert create_order().json()["number"] == "PO-000042"


def test_a_create_with_a_given_number_waits_for_the_numbering_lock(
    create_order: Callable[..., httpx.Response], db: Db
) -> None:
    """A generated create holds the tenant's numbering lock from choosing its number until it
    commits; a create with a given number must wait for it too, or it can take that number
    in between and the generated create fails with duplicate_order_number."""
    holder = threading.Thread(
        target=db,
        args=(
            "SELECT pg_advisory_xact_lock(hashtextextended('inventory.order_number:' || $1, 0)),"
            " pg_sleep(2)",
            str(ALICE_ID),
        ),
    )
    holder.start()
    time.sleep(0.5)
    started = time.monotonic()
    response = create_order("PO-000001")
    waited = time.monotonic() - started
    holder.join()

    assert response.status_code == 201, response.text
    assert waited > 1.0
