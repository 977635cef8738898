"""Stock views: the overview per card and location, lots, the ledger and the reconciliation
of Σ lot remaining with Σ ledger quantity (DOMAIN.md §6) through a mixed scenario."""

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
INVENTORY = "/v1/admin/inventory"
ORDERS = "/v1/admin/supplier-orders"


@pytest.fixture
def add_order(db: Db, inventory_url: str) -> Callable[..., tuple[UUID, list[UUID]]]:
    """`add_order([(card_id, qty_ordered, "landed value"), ...])`: an ordered supplier order
    arranged by SQL (the orders endpoints are another engineer's); (order id, line ids)."""

    def add(lines: list[tuple[UUID, int, str]]) -> tuple[UUID, list[UUID]]:
        supplier_id, order_id = uuid.uuid4(), uuid.uuid4()
        db(
            "INSERT INTO inventory.suppliers (id, user_id, name) VALUES ($1, $2, $3)",
            supplier_id,
            ALICE_ID,
            f"supplier {supplier_id}",
        )
        db(
            "INSERT INTO inventory.supplier_orders (id, user_id, number, supplier_id, fx_rate, "
            "fx_rate_date, status) VALUES ($1, $2, $3, $4, 1, '2026-11-01', 'ordered')",
            order_id,
            ALICE_ID,
            f"PO-{order_id.hex[:8]}",
            supplier_id,
        )
        line_ids = []
        for no, (card_id, qty, landed) in enumerate(lines, start=1):
            line_ids.append(uuid.uuid4())
            db(
                "INSERT INTO inventory.supplier_order_lines (id, user_id, order_id, line_no, "
                "card_id, qty_ordered, unit_price, line_value_base, landed_value) "
                "VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
                line_ids[-1],
                ALICE_ID,
                order_id,
                no,
                card_id,
                qty,
                Decimal(landed),
            )
        return order_id, line_ids

    return add


def ok(client: httpx.Client, method: str, path: str, body: Any = None, **params: Any) -> Any:
    response = client.request(method, path, json=body, params=params or None)
    assert response.status_code in (200, 201), response.text
    return response.json()


def opening(client: httpx.Client, card: UUID, qty: int, cost: str, **extra: Any) -> Any:
    body = {"lines": [{"card_id": str(card), "qty": qty, "unit_cost": cost}], **extra}
    return ok(client, "POST", f"{INVENTORY}/initial-balance", body)


def receive(client: httpx.Client, order_id: UUID, lines: list[tuple[UUID, int]]) -> Any:
    body = {"lines": [{"order_line_id": str(li), "qty": q} for li, q in lines]}
    return ok(client, "POST", f"{ORDERS}/{order_id}/receive", body)


# --- overview ------------------------------------------------------------------------------


def test_the_overview_shows_quantity_and_value_per_card_and_location(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    a, empty = add_card("A"), add_card("B")
    opening(alice, a, 3, "3.3333")
    move = {"card_id": str(a), "from": "home", "to": "marketplace:ozon", "qty": 2}
    ok(alice, "POST", f"{INVENTORY}/transfers", move)

    page = ok(alice, "GET", INVENTORY)

    assert page["items"] == [
        {
            "card_id": str(a),
            "sku": "A",
            "title": "title of A",
            "quantity": 3,
            "value": "10.00",
            "locations": [
                {"location": "home", "qty": 1, "value": "3.33"},
                {"location": "marketplace:ozon", "qty": 2, "value": "6.67"},
            ],
        },
        {
            "card_id": str(empty),
            "sku": "B",
            "title": "title of B",
            "quantity": 0,
            "value": "0.00",
            "locations": [],
        },
    ]


def test_an_archived_card_still_holding_stock_stays_in_the_overview(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    held, gone = add_card("HELD"), add_card("GONE", status="archived")
    opening(alice, held, 1, "1")
    db("UPDATE inventory.cards SET status = 'archived' WHERE card_id = $1", held)

    page = ok(alice, "GET", INVENTORY)

    assert [row["sku"] for row in page["items"]] == ["HELD"]
    assert str(gone) not in str(page)


def test_the_overview_sorts_by_quantity(alice: httpx.Client, add_card: Callable[..., UUID]) -> None:
    a, b = add_card("A"), add_card("B")
    opening(alice, a, 1, "1")
    opening(alice, b, 5, "1")

    page = ok(alice, "GET", INVENTORY, sort="quantity:desc")

    assert [row["sku"] for row in page["items"]] == ["B", "A"]


# --- lots and movements --------------------------------------------------------------------


def test_lots_are_listed_oldest_first_by_card_and_open_only_on_request(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any]
) -> None:
    a, b = add_card("A"), add_card("B")
    opening(alice, a, 2, "1", occurred_at="2026-11-01T00:00:00Z")
    opening(alice, b, 2, "1")
    order_id, (line,) = add_order([(a, 4, "10.00")])
    receive(alice, order_id, [(line, 4)])
    ok(alice, "POST", f"{INVENTORY}/write-offs", {"card_id": str(a), "qty": 2, "reason": "loss"})

    every = ok(alice, "GET", f"{INVENTORY}/lots", card_id=str(a))
    open_only = ok(alice, "GET", f"{INVENTORY}/lots", card_id=str(a), open="true")

    assert [(lot["source"], lot["remaining_qty"]) for lot in every["items"]] == [
        ("initial_balance", 0),
        ("receipt", 4),
    ]
    assert [lot["source"] for lot in open_only["items"]] == ["receipt"]
    lot = open_only["items"][0]
    assert (lot["order_id"], lot["unit_cost"], lot["remaining_value"]) == (
        str(order_id),
        "2.5000",
        "10.00",
    )


def test_movements_filter_by_card_location_type_and_dates(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    a, b = add_card("A"), add_card("B")
    opening(alice, a, 3, "1", occurred_at="2026-11-01T12:00:00Z")
    opening(alice, b, 3, "1", occurred_at="2026-11-05T12:00:00Z")
    move = {"card_id": str(a), "from": "home", "to": "in_transit", "qty": 1}
    ok(alice, "POST", f"{INVENTORY}/transfers", move)
    path = f"{INVENTORY}/movements"

    by_card = ok(alice, "GET", path, card_id=str(a))
    by_type = ok(alice, "GET", path, type="transfer")
    by_location = ok(alice, "GET", path, location="in_transit")
    by_dates = ok(alice, "GET", path, date_from="2026-11-01", date_to="2026-11-04")

    assert by_card["total"] == 3
    assert sorted(m["qty"] for m in by_type["items"]) == [-1, 1]
    assert [(m["location"], m["qty"]) for m in by_location["items"]] == [("in_transit", 1)]
    assert [(m["sku"], m["type"]) for m in by_dates["items"]] == [("A", "initial_balance")]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"type": "teleport"}, 422),
        ({"location": "supplier"}, 422),
        ({"date_from": "2026-11-05", "date_to": "2026-11-01"}, 422),
        ({"date_from": "yesterday"}, 422),
        ({"card_id": "nope"}, 422),
        ({"sort": "value:asc"}, 400),
    ],
)
def test_bad_movement_filters_are_problems(
    alice: httpx.Client, params: dict[str, str], status: int
) -> None:
    response = alice.get(f"{INVENTORY}/movements", params=params)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_another_tenants_stock_is_invisible(
    alice: httpx.Client, bob: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    opening(alice, add_card("A"), 3, "1")

    views = [ok(bob, "GET", f"{INVENTORY}{p}") for p in ("", "/lots", "/movements")]
    check = ok(bob, "GET", f"{INVENTORY}/reconciliation")

    assert [v["total"] for v in views] == [0, 0, 0]
    assert (check["items"], check["ok"]) == ([], True)


# --- reconciliation ------------------------------------------------------------------------


def assert_reconciled(client: httpx.Client, db: Db) -> None:
    """The endpoint says ok for every card, and SQL agrees: Σ lot remaining = Σ ledger qty."""
    page = ok(client, "GET", f"{INVENTORY}/reconciliation")
    assert page["ok"] is True, page
    assert all(row["ok"] for row in page["items"])
    sums = db(
        "SELECT c.card_id, "
        "(SELECT COALESCE(sum(remaining_qty), 0) FROM inventory.lots l "
        " WHERE l.card_id = c.card_id) AS lots, "
        "(SELECT COALESCE(sum(qty), 0) FROM inventory.movements m "
        " WHERE m.card_id = c.card_id) AS ledger FROM inventory.cards c"
    )
    assert all(r["lots"] == r["ledger"] for r in sums), sums


def test_every_operation_keeps_lots_and_ledger_reconciled(
    alice: httpx.Client, add_card: Callable[..., UUID], add_order: Callable[..., Any], db: Db
) -> None:
    a, b = add_card("A"), add_card("B")
    order_id, (line_a, line_b) = add_order([(a, 4, "100.00"), (b, 3, "10.00")])
    post = f"{INVENTORY}/"
    steps: list[Callable[[], Any]] = [
        lambda: receive(alice, order_id, [(line_a, 2)]),
        lambda: opening(alice, b, 2, "1.5"),
        lambda: receive(alice, order_id, [(line_a, 2), (line_b, 3)]),
        lambda: ok(
            alice,
            "POST",
            post + "transfers",
            {"card_id": str(a), "from": "home", "to": "marketplace:ozon", "qty": 3},
        ),
        lambda: ok(
            alice,
            "POST",
            post + "write-offs",
            {
                "card_id": str(a),
                "location": "marketplace:ozon",
                "qty": 1,
                "reason": "marketplace_rejection",
            },
        ),
        lambda: ok(
            alice, "POST", post + "adjustments", {"card_id": str(b), "qty": 2, "reason": "found"}
        ),
        lambda: ok(
            alice, "POST", post + "adjustments", {"card_id": str(b), "qty": -1, "reason": "broken"}
        ),
        lambda: ok(
            alice,
            "POST",
            post + "stocktakes",
            {
                "lines": [
                    {"card_id": str(a), "counted_qty": 0},
                    {"card_id": str(b), "counted_qty": 10},
                ]
            },
        ),
    ]

    for step in steps:
        step()
        assert_reconciled(alice, db)

    extra_order, (extra_line,) = add_order([(a, 2, "7.00")])
    receipt = receive(alice, extra_order, [(extra_line, 2)])
    assert_reconciled(alice, db)
    ok(alice, "POST", f"{ORDERS}/{extra_order}/unreceive", {"receipt_id": receipt["id"]})
    assert_reconciled(alice, db)
    rows = {r["sku"]: r for r in ok(alice, "GET", f"{INVENTORY}/reconciliation")["items"]}
    assert (rows["A"]["lot_qty"], rows["A"]["lot_value"]) == (2, "50.00")
    assert (rows["B"]["lot_qty"], rows["B"]["ledger_qty"]) == (10, 10)


def test_a_lot_changed_behind_the_ledgers_back_shows_up_as_not_ok(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a, b = add_card("A"), add_card("B")
    opening(alice, a, 3, "1")
    opening(alice, b, 3, "1")
    db("UPDATE inventory.lots SET remaining_qty = 2, remaining_value = 2.50 WHERE card_id = $1", a)

    page = ok(alice, "GET", f"{INVENTORY}/reconciliation")
    broken = ok(alice, "GET", f"{INVENTORY}/reconciliation", ok="false")

    assert page["ok"] is False
    assert [r["ok"] for r in page["items"]] == [False, True]
    (row,) = broken["items"]
    assert (row["sku"], row["lot_qty"], row["ledger_qty"], row["qty_difference"]) == ("A", 2, 3, -1)
    assert (row["lot_value"], row["balance_value"], row["value_difference"]) == (
        "2.50",
        "3.00",
        "-0.50",
    )
