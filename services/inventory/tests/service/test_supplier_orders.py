"""/v1/admin/supplier-orders: drafts with line snapshots, edits only while draft, the status
machine, cancel rules, lists, tenants apart, and bad input as 4xx problems (never 500)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest

Db = Callable[..., list[dict[str, Any]]]
ORDERS = "/v1/admin/supplier-orders"
SUPPLIERS = "/v1/admin/suppliers"
ALICE_ID = UUID("00000000-0000-7000-8000-00000000a11c")
BOB_ID = UUID("00000000-0000-7000-8000-000000000b0b")


def _supplier(client: httpx.Client, name: str = "Yiwu Trading", **body: Any) -> str:
    response = client.post(SUPPLIERS, json={"name": name, **body})
    assert response.status_code == 201, response.text
    supplier_id: str = response.json()["id"]
    return supplier_id


def _body(supplier_id: str, lines: list[tuple[UUID, int, str]], **header: Any) -> dict[str, Any]:
    return {
        "supplier_id": supplier_id,
        "fx_rate": "12.5",
        "fx_rate_date": "2026-03-02",
        "lines": [
            {"card_id": str(card), "qty": qty, "unit_price": price} for card, qty, price in lines
        ],
        **header,
    }


def _create(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(ORDERS, json=body)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


@pytest.fixture
def order(alice: httpx.Client, add_card: Callable[..., UUID]) -> dict[str, Any]:
    """A draft of alice's: 100 × 10 CNY of a 200 g card, rate 12.5."""
    card = add_card("KETTLE-1", weight_g=200, dims=(100, 200, 50))
    return _create(alice, _body(_supplier(alice), [(card, 100, "10")]))


# --- create ----------------------------------------------------------------------------------


def test_a_new_order_is_a_draft_numbered_per_tenant_with_values_in_base(
    alice: httpx.Client, bob: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    a = add_card("A-1", weight_g=200, dims=(100, 200, 50))
    b = add_card("B-1", user_id=BOB_ID)

    first = _create(alice, _body(_supplier(alice), [(a, 100, "10")]))
    second = _create(alice, _body(first["supplier_id"], [(a, 1, "10")]))
    bobs = _create(bob, _body(_supplier(bob), [(b, 1, "1")]))

    assert [first["number"], second["number"], bobs["number"]] == [
        "PO-000001",
        "PO-000002",
        "PO-000001",
    ]
    assert (first["status"], first["currency"], first["fx_rate"]) == ("draft", "CNY", "12.5")
    (line,) = first["lines"]
    assert line["line_no"] == 1
    assert (line["sku"], line["qty_ordered"], line["unit_price"], line["qty_received"]) == (
        "A-1",
        100,
        "10.00",
        0,
    )
    assert (line["line_value"], line["line_value_base"], line["landed_value"]) == (
        "1000.00",
        "12500.00",
        "12500.00",
    )
    assert line["landed_unit_cost"] == "125.0000"
    assert first["totals"] == {
        "qty_ordered": 100,
        "qty_received": 0,
        "goods_value": "1000.00",
        "goods_value_base": "12500.00",
        "charges_base": "0.00",
        "landed_value": "12500.00",
    }


def test_lines_snapshot_the_cards_weight_and_volume_when_added(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    sized = add_card("SIZED", weight_g=1250, dims=(100, 200, 55))
    bare = add_card("BARE")
    order = _create(alice, _body(_supplier(alice), [(sized, 2, "1"), (bare, 3, "1")]))

    db("UPDATE inventory.cards SET weight_g = 9999, length_mm = 1 WHERE card_id = $1", sized)
    again = alice.get(f"{ORDERS}/{order['id']}").json()

    assert [(x["weight_kg"], x["volume_l"]) for x in order["lines"]] == [
        ("1.25", "1.1"),
        (None, None),
    ]
    assert [(x["weight_kg"], x["volume_l"]) for x in again["lines"]] == [
        ("1.25", "1.1"),
        (None, None),
    ]


def test_the_order_currency_defaults_to_the_suppliers(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    card = add_card("A-1")
    supplier = _supplier(alice, currency="USD")

    order = _create(alice, _body(supplier, [(card, 1, "2.5")], fx_rate="90.1234"))

    assert (order["currency"], order["fx_rate"]) == ("USD", "90.1234")
    assert order["lines"][0]["line_value_base"] == "225.31"  # 225.3085 half-up


def test_an_order_in_the_base_currency_takes_rate_1_and_refuses_any_other(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    card = add_card("A-1")
    supplier = _supplier(alice)

    ok = alice.post(ORDERS, json=_body(supplier, [(card, 2, "100")], currency="RUB", fx_rate="1"))
    bad = alice.post(ORDERS, json=_body(supplier, [(card, 2, "100")], currency="rub"))

    assert ok.status_code == 201
    assert ok.json()["lines"][0]["line_value_base"] == "200.00"
    assert bad.status_code == 422
    assert [p["name"] for p in bad.json()["invalid_params"]] == ["fx_rate"]


def test_a_given_number_is_kept_and_a_taken_one_is_a_409(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    card = add_card("A-1")
    supplier = _supplier(alice)
    _create(alice, _body(supplier, [(card, 1, "1")], number="PO-000041"))

    taken = alice.post(ORDERS, json=_body(supplier, [(card, 1, "1")], number="PO-000041"))
    generated = _create(alice, _body(supplier, [(card, 1, "1")]))

    assert taken.status_code == 409
    assert taken.json()["error_code"] == "duplicate_order_number"
    assert generated["number"] == "PO-000042"


def test_an_unknown_card_is_a_422_naming_the_line(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    card = add_card("A-1")
    missing = uuid.uuid4()

    response = alice.post(ORDERS, json=_body(_supplier(alice), [(card, 1, "1"), (missing, 1, "1")]))

    assert response.status_code == 422
    body = response.json()
    assert body["error_code"] == "unknown_card"
    assert [p["name"] for p in body["invalid_params"]] == ["lines.1.card_id"]
    assert str(missing) in body["detail"]


def test_an_archived_card_is_a_422(alice: httpx.Client, add_card: Callable[..., UUID]) -> None:
    card = add_card("OLD-1", status="archived")

    response = alice.post(ORDERS, json=_body(_supplier(alice), [(card, 1, "1")]))

    assert response.status_code == 422
    assert response.json()["error_code"] == "card_archived"
    assert "OLD-1" in response.json()["detail"]


def test_an_unknown_or_archived_supplier_is_a_422(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    card = add_card("A-1")
    archived = _supplier(alice, "Gone Ltd")
    alice.patch(f"{SUPPLIERS}/{archived}", json={"archived": True})

    unknown = alice.post(ORDERS, json=_body(str(uuid.uuid4()), [(card, 1, "1")]))
    gone = alice.post(ORDERS, json=_body(archived, [(card, 1, "1")]))

    assert [unknown.status_code, gone.status_code] == [422, 422]
    assert unknown.json()["error_code"] == gone.json()["error_code"] == "unknown_supplier"


# --- tenants ---------------------------------------------------------------------------------


def test_another_tenant_gets_404_for_every_action_on_the_order(
    bob: httpx.Client, order: dict[str, Any]
) -> None:
    path = f"{ORDERS}/{order['id']}"
    charge = {"kind": "freight", "amount": "1", "method": "equal"}

    responses = [
        bob.get(path),
        bob.put(path, json=_body(order["supplier_id"], [])),
        bob.delete(path),
        bob.post(f"{path}/status", json={"status": "ordered"}),
        bob.post(f"{path}/cancel"),
        bob.post(f"{path}/charges", json=charge),
        bob.get(f"{path}/allocation"),
    ]

    assert [r.status_code for r in responses] == [404, 422, 404, 404, 404, 404, 404]
    assert bob.get(ORDERS).json()["total"] == 0


def test_another_tenant_cannot_reference_the_supplier_or_the_card(
    bob: httpx.Client, add_card: Callable[..., UUID], order: dict[str, Any]
) -> None:
    alices_card = UUID(order["lines"][0]["card_id"])
    bobs_card = add_card("BOB-1", user_id=BOB_ID)
    bobs_supplier = _supplier(bob)

    with_supplier = bob.post(ORDERS, json=_body(order["supplier_id"], [(bobs_card, 1, "1")]))
    with_card = bob.post(ORDERS, json=_body(bobs_supplier, [(alices_card, 1, "1")]))

    assert with_supplier.status_code == 422
    assert with_supplier.json()["error_code"] == "unknown_supplier"
    assert with_card.status_code == 422
    assert with_card.json()["error_code"] == "unknown_card"


# --- edit while draft -------------------------------------------------------------------------


def test_put_replaces_header_and_lines_keeping_lines_given_with_their_id(
    alice: httpx.Client, add_card: Callable[..., UUID], order: dict[str, Any]
) -> None:
    kept = order["lines"][0]
    other = add_card("MUG-2", weight_g=300)
    body = _body(order["supplier_id"], [], fx_rate="13", notes="second thoughts")
    body["lines"] = [
        {"card_id": str(other), "qty": 10, "unit_price": "5.5"},
        {"id": kept["id"], "card_id": kept["card_id"], "qty": 50, "unit_price": "10"},
    ]

    response = alice.put(f"{ORDERS}/{order['id']}", json=body)

    assert response.status_code == 200, response.text
    after = response.json()
    assert (after["number"], after["fx_rate"], after["notes"]) == (
        order["number"],
        "13",
        "second thoughts",
    )
    assert [(x["line_no"], x["sku"], x["qty_ordered"]) for x in after["lines"]] == [
        (1, "MUG-2", 10),
        (2, "KETTLE-1", 50),
    ]
    assert after["lines"][1]["id"] == kept["id"]
    assert [x["line_value_base"] for x in after["lines"]] == ["715.00", "6500.00"]
    assert after["lines"][0]["weight_kg"] == "0.3"


def test_put_with_a_line_id_of_another_order_is_a_422(
    alice: httpx.Client, add_card: Callable[..., UUID], order: dict[str, Any]
) -> None:
    body = _body(order["supplier_id"], [])
    body["lines"] = [
        {
            "id": str(uuid.uuid4()),
            "card_id": order["lines"][0]["card_id"],
            "qty": 1,
            "unit_price": "1",
        }
    ]

    response = alice.put(f"{ORDERS}/{order['id']}", json=body)

    assert response.status_code == 422
    assert [p["name"] for p in response.json()["invalid_params"]] == ["lines.0.id"]


def test_put_and_delete_are_409_once_the_order_is_not_a_draft(
    alice: httpx.Client, order: dict[str, Any]
) -> None:
    path = f"{ORDERS}/{order['id']}"
    alice.post(f"{path}/status", json={"status": "ordered"})
    line = order["lines"][0]
    body = _body(order["supplier_id"], [(UUID(line["card_id"]), 1, "1")])

    put = alice.put(path, json=body)
    delete = alice.delete(path)

    assert (put.status_code, delete.status_code) == (409, 409)
    assert put.json()["error_code"] == delete.json()["error_code"] == "order_not_editable"
    assert alice.get(path).json()["lines"][0]["qty_ordered"] == 100


def test_a_draft_is_deleted_with_its_lines_and_charges(
    alice: httpx.Client, order: dict[str, Any], db: Db
) -> None:
    path = f"{ORDERS}/{order['id']}"
    alice.post(f"{path}/charges", json={"kind": "freight", "amount": "100", "method": "equal"})

    response = alice.delete(path)

    assert response.status_code == 204
    assert alice.get(path).status_code == 404
    assert db("SELECT count(*) AS n FROM inventory.supplier_order_lines") == [{"n": 0}]
    assert db("SELECT count(*) AS n FROM inventory.order_charges") == [{"n": 0}]
    assert db("SELECT count(*) AS n FROM inventory.charge_allocations") == [{"n": 0}]


# --- status and cancel --------------------------------------------------------------------------


def test_an_order_goes_draft_ordered_in_transit_and_ordering_dates_it(
    alice: httpx.Client, order: dict[str, Any]
) -> None:
    path = f"{ORDERS}/{order['id']}"

    ordered = alice.post(f"{path}/status", json={"status": "ordered"})
    in_transit = alice.post(f"{path}/status", json={"status": "in_transit"})

    assert ordered.status_code == in_transit.status_code == 200
    assert ordered.json()["status"] == "ordered"
    assert ordered.json()["ordered_at"] == datetime.now(UTC).date().isoformat()
    assert in_transit.json()["status"] == "in_transit"
    assert in_transit.json()["version"] > order["version"]


@pytest.mark.parametrize(
    ("moves", "target"),
    [([], "in_transit"), (["ordered", "in_transit"], "ordered")],
)
def test_a_move_outside_the_state_machine_is_a_409(
    alice: httpx.Client, order: dict[str, Any], moves: list[str], target: str
) -> None:
    path = f"{ORDERS}/{order['id']}"
    for move in moves:
        alice.post(f"{path}/status", json={"status": move})

    response = alice.post(f"{path}/status", json={"status": target})

    assert response.status_code == 409
    assert response.json()["error_code"] == "invalid_status_transition"


@pytest.mark.parametrize("status", ["received", "partially_received", "cancelled", "draft"])
def test_statuses_set_by_receipts_or_cancel_cannot_be_posted(
    alice: httpx.Client, order: dict[str, Any], status: str
) -> None:
    response = alice.post(f"{ORDERS}/{order['id']}/status", json={"status": status})

    assert response.status_code == 422


def test_an_order_with_nothing_received_is_cancelled_and_stays_cancelled(
    alice: httpx.Client, order: dict[str, Any]
) -> None:
    path = f"{ORDERS}/{order['id']}"
    alice.post(f"{path}/status", json={"status": "ordered"})

    cancelled = alice.post(f"{path}/cancel")
    again = alice.post(f"{path}/cancel")
    reorder = alice.post(f"{path}/status", json={"status": "in_transit"})
    charge = alice.post(
        f"{path}/charges", json={"kind": "freight", "amount": "10", "method": "equal"}
    )

    assert (cancelled.status_code, again.status_code) == (200, 200)
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancelled_at"] is not None
    assert reorder.status_code == 409
    assert charge.status_code == 409
    assert charge.json()["error_code"] == "order_cancelled"


def test_an_order_with_received_units_cannot_be_cancelled(
    alice: httpx.Client, order: dict[str, Any], db: Db
) -> None:
    db(
        "UPDATE inventory.supplier_order_lines SET qty_received = 5 WHERE order_id = $1",
        UUID(order["id"]),
    )

    response = alice.post(f"{ORDERS}/{order['id']}/cancel")

    assert response.status_code == 409
    assert response.json()["error_code"] == "order_not_cancellable"
    assert "line(s) 1 (KETTLE-1)" in response.json()["detail"]


# --- list --------------------------------------------------------------------------------------


def test_the_list_filters_by_status_supplier_and_number_and_sorts(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    card = add_card("A-1")
    one, two = _supplier(alice, "One"), _supplier(alice, "Two")
    a = _create(alice, _body(one, [(card, 2, "3")]))
    b = _create(alice, _body(two, [(card, 1, "1")]))
    c = _create(alice, _body(one, [(card, 1, "1")], number="SPECIAL-7"))
    alice.post(f"{ORDERS}/{b['id']}/status", json={"status": "ordered"})

    drafts = alice.get(ORDERS, params={"status": "draft", "sort": "number:asc"}).json()
    of_two = alice.get(ORDERS, params={"supplier_id": two}).json()
    special = alice.get(ORDERS, params={"q": "special"}).json()
    several = alice.get(ORDERS, params=[("status", "draft"), ("status", "ordered")]).json()

    assert [o["number"] for o in drafts["items"]] == [a["number"], "SPECIAL-7"]
    assert [o["id"] for o in of_two["items"]] == [b["id"]]
    assert [o["id"] for o in special["items"]] == [c["id"]]
    assert several["total"] == 3
    row = drafts["items"][0]
    assert (row["supplier_name"], row["line_count"], row["qty_ordered"]) == ("One", 1, 2)
    assert (row["goods_value_base"], row["landed_value"]) == ("75.00", "75.00")


def test_the_list_pages_with_a_cursor_and_refuses_unknown_sorts(
    alice: httpx.Client, order: dict[str, Any], add_card: Callable[..., UUID]
) -> None:
    _create(alice, _body(order["supplier_id"], [(UUID(order["lines"][0]["card_id"]), 1, "1")]))

    first = alice.get(ORDERS, params={"limit": 1}).json()
    second = alice.get(ORDERS, params={"limit": 1, "cursor": first["next_cursor"]}).json()
    bad = alice.get(ORDERS, params={"sort": "fx_rate:asc"})

    assert first["total"] == 2
    assert first["items"][0]["number"] == "PO-000002"
    assert second["items"][0]["number"] == "PO-000001"
    assert second["next_cursor"] is None
    assert bad.status_code == 400


# --- bad input ----------------------------------------------------------------------------------


def _line(**overrides: Any) -> dict[str, Any]:
    return {"qty": 1, "unit_price": "1", **overrides}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"fx_rate": "0"}, "fx_rate"),
        ({"fx_rate": "-12.5"}, "fx_rate"),
        ({"fx_rate": "NaN"}, "fx_rate"),
        ({"fx_rate": "1e40"}, "fx_rate"),
        ({"fx_rate": "12.123456789"}, "fx_rate"),
        ({"fx_rate_date": None}, "fx_rate_date"),
        ({"fx_rate_date": "2026-02-30"}, "fx_rate_date"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "¥"}, "currency"),
        ({"shortage_policy": "ignore"}, "shortage_policy"),
        ({"number": ""}, "number"),
        ({"number": "N" * 51}, "number"),
        ({"notes": "a\x00b"}, "notes"),
        ({"ordered_at": "2026-03-10", "expected_at": "2026-03-01"}, "body"),
        ({"lines": []}, "lines"),
        ({"lines": [_line(qty=-1)]}, "lines"),
        ({"lines": [_line(qty=0)]}, "lines"),
        ({"lines": [_line(qty=1.5)]}, "lines"),
        ({"lines": [_line(qty="many")]}, "lines"),
        ({"lines": [_line(qty=10**12)]}, "lines"),
        ({"lines": [_line(unit_price="-1")]}, "lines"),
        ({"lines": [_line(unit_price="1e20")]}, "lines"),
        ({"lines": [_line(unit_price="0.00001")]}, "lines"),
        ({"lines": [_line(unit_price="Infinity")]}, "lines"),
        ({"lines": [_line(weight_kg="1")]}, "lines"),
        ({"supplier_id": "not-a-uuid"}, "supplier_id"),
    ],
)
def test_bad_input_is_a_422_problem_naming_the_field(
    alice: httpx.Client,
    add_card: Callable[..., UUID],
    change: dict[str, Any],
    field: str,
) -> None:
    card = add_card("A-1")
    body = {**_body(_supplier(alice), [(card, 1, "1")]), **change}
    for line in body["lines"]:
        line.setdefault("card_id", str(card))

    response = alice.post(ORDERS, json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [p["name"].split(".")[0] for p in response.json()["invalid_params"]]


def test_values_too_large_to_store_are_a_422_not_a_500(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    card = add_card("A-1")
    body = _body(_supplier(alice), [(card, 1_000_000, "99999999999999")], fx_rate="9999999999")

    response = alice.post(ORDERS, json=body)

    assert response.status_code == 422
    assert response.json()["error_code"] == "invalid_order"


def test_a_body_that_is_not_json_is_a_4xx_problem(alice: httpx.Client) -> None:
    response = alice.post(
        ORDERS, content=b"{not json", headers={"content-type": "application/json"}
    )

    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


def test_a_malformed_order_id_is_a_422_and_an_unknown_one_a_404(alice: httpx.Client) -> None:
    malformed = alice.get(f"{ORDERS}/PO-000001")
    unknown = alice.get(f"{ORDERS}/{uuid.uuid4()}")

    assert malformed.status_code == 422
    assert unknown.status_code == 404
    assert unknown.json()["error_code"] == "supplier_order_not_found"
