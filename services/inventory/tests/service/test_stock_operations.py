"""Stock operations: initial balance, adjustments, write-offs, stocktakes and transfers."""

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


def post(client: httpx.Client, path: str, body: dict[str, Any], status: int = 201) -> Any:
    response = client.post(f"{INVENTORY}/{path}", json=body)
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def opening(
    client: httpx.Client, lines: list[tuple[UUID, int, str]], **extra: Any
) -> dict[str, Any]:
    body = {
        "lines": [{"card_id": str(c), "qty": q, "unit_cost": u} for c, q, u in lines],
        **extra,
    }
    result: dict[str, Any] = post(client, "initial-balance", body)
    return result


def events(db: Db, event_type: str) -> list[dict[str, Any]]:
    rows = db("SELECT payload FROM inventory.outbox ORDER BY seq")
    return [r["payload"]["data"] for r in rows if r["payload"]["type"] == event_type]


def lots_of(db: Db, card_id: UUID) -> list[tuple[int, Decimal]]:
    rows = db(
        "SELECT remaining_qty, remaining_value FROM inventory.lots WHERE card_id = $1 "
        "ORDER BY received_at, id",
        card_id,
    )
    return [(r["remaining_qty"], r["remaining_value"]) for r in rows]


def balances(db: Db, card_id: UUID) -> dict[str, tuple[int, Decimal]]:
    rows = db("SELECT location, qty, value FROM inventory.balances WHERE card_id = $1", card_id)
    return {r["location"]: (r["qty"], r["value"]) for r in rows}


def reconciles(client: httpx.Client) -> bool:
    response = client.get(f"{INVENTORY}/reconciliation")
    assert response.status_code == 200, response.text
    return bool(response.json()["ok"])


# --- initial balance -----------------------------------------------------------------------


def test_an_initial_balance_makes_lots_and_ledger_rows_but_no_purchase(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a, b = add_card("A"), add_card("B")

    body = opening(alice, [(a, 3, "10.3333"), (b, 2, "7.5")], occurred_at="2026-11-01T00:00:00Z")

    assert body["value"] == "46.00"
    assert [lot["value"] for lot in body["lots"]] == ["31.00", "15.00"]
    assert lots_of(db, a) == [(3, Decimal("31.00"))]
    moves = db("SELECT type, location, qty, value FROM inventory.movements ORDER BY value")
    assert moves == [
        {"type": "initial_balance", "location": "home", "qty": 2, "value": Decimal("15.00")},
        {"type": "initial_balance", "location": "home", "qty": 3, "value": Decimal("31.00")},
    ]
    assert [e["source"] for e in events(db, "inventory.lot.received")] == [
        "initial_balance",
        "initial_balance",
    ]
    assert events(db, "inventory.purchase.received") == []
    assert reconciles(alice)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"qty": 0, "unit_cost": "1"}, "lines.0.qty"),
        ({"qty": 1, "unit_cost": "-1"}, "lines.0.unit_cost"),
        ({"qty": 1, "unit_cost": "1.00001"}, "lines.0.unit_cost"),
        ({"qty": 1, "unit_cost": "abc"}, "lines.0.unit_cost"),
        ({"qty": 1}, "lines.0.unit_cost"),
    ],
)
def test_bad_initial_balance_lines_are_422_problems(
    alice: httpx.Client, add_card: Callable[..., UUID], line: dict[str, Any], field: str
) -> None:
    body = {"lines": [{"card_id": str(add_card("A")), **line}]}

    problem = post(alice, "initial-balance", body, 422)

    assert field in [p["name"] for p in problem["invalid_params"]]


def test_a_lot_worth_more_than_can_be_stored_is_a_422_not_a_500(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    line = {"card_id": str(add_card("A")), "qty": 1_000_000_000, "unit_cost": "99999999.9999"}

    problem = post(alice, "initial-balance", {"lines": [line]}, 422)

    assert problem["error_code"] == "invalid_stock_operation"


def test_an_initial_balance_dated_in_the_future_is_a_422(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    line = {"card_id": str(add_card("A")), "qty": 1, "unit_cost": "1"}

    problem = post(
        alice, "initial-balance", {"lines": [line], "occurred_at": "2999-01-01T00:00:00Z"}, 422
    )

    assert [p["name"] for p in problem["invalid_params"]] == ["occurred_at"]


def test_an_initial_balance_for_an_unknown_card_is_a_422_naming_the_line(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a = add_card("A")
    bobs = add_card("BOB", user_id=BOB_ID)

    problem = post(
        alice,
        "initial-balance",
        {"lines": [{"card_id": str(c), "qty": 1, "unit_cost": "1"} for c in (a, bobs)]},
        422,
    )

    assert problem["error_code"] == "unknown_card"
    assert [p["name"] for p in problem["invalid_params"]] == ["lines.1.card_id"]
    assert db("SELECT count(*) AS n FROM inventory.lots")[0]["n"] == 0


# --- adjustments ---------------------------------------------------------------------------


def test_a_positive_adjustment_makes_a_lot_at_the_average_cost(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a = add_card("A")
    opening(alice, [(a, 2, "10"), (a, 1, "13")])

    body = post(alice, "adjustments", {"card_id": str(a), "qty": 2, "reason": "found"})

    assert (body["qty"], body["value"]) == (2, "22.00")
    assert lots_of(db, a)[-1] == (2, Decimal("22.00"))
    assert events(db, "inventory.lot.received")[-1]["source"] == "adjustment"
    assert events(db, "inventory.loss.accrued") == []
    assert reconciles(alice)


def test_a_positive_adjustment_takes_a_given_unit_cost(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a = add_card("A")

    body = post(
        alice, "adjustments", {"card_id": str(a), "qty": 3, "unit_cost": "1.005", "reason": "x"}
    )

    assert body["value"] == "3.02"
    assert lots_of(db, a) == [(3, Decimal("3.02"))]


def test_a_positive_adjustment_without_stock_or_cost_is_a_422(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    problem = post(
        alice, "adjustments", {"card_id": str(add_card("A")), "qty": 1, "reason": "x"}, 422
    )

    assert problem["error_code"] == "unit_cost_required"
    assert [p["name"] for p in problem["invalid_params"]] == ["unit_cost"]


def test_a_negative_adjustment_consumes_fifo_and_books_a_loss_at_that_cost(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a = add_card("A")
    opening(alice, [(a, 3, "3.3333")], occurred_at="2026-11-01T00:00:00Z")
    opening(alice, [(a, 5, "20")], occurred_at="2026-11-02T00:00:00Z")

    body = post(alice, "adjustments", {"card_id": str(a), "qty": -4, "reason": "miscount"})

    # the old lot (3 units, 10.00) goes whole, then 1 of 5 units worth 100.00
    assert (body["qty"], body["value"]) == (-4, "-30.00")
    assert lots_of(db, a) == [(0, Decimal("0.00")), (4, Decimal("80.00"))]
    (loss,) = events(db, "inventory.loss.accrued")
    assert (loss["reason"], loss["qty"], loss["value"]) == ("adjustment", 4, "30.00")
    assert loss["ref_id"] == body["id"]
    assert reconciles(alice)


def test_a_negative_adjustment_beyond_the_stock_is_a_422(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a = add_card("A")
    opening(alice, [(a, 2, "1")])

    problem = post(alice, "adjustments", {"card_id": str(a), "qty": -3, "reason": "x"}, 422)

    assert problem["error_code"] == "insufficient_stock"
    assert problem["available"] == 2
    assert lots_of(db, a) == [(2, Decimal("2.00"))]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"qty": 0, "reason": "x"}, "qty"),
        ({"qty": -1, "unit_cost": "1", "reason": "x"}, "body"),
        ({"qty": 1, "reason": ""}, "reason"),
        ({"qty": 1}, "reason"),
        ({"qty": 1, "reason": "x", "location": "moon"}, "location"),
        ({"qty": 1.5, "reason": "x"}, "qty"),
    ],
)
def test_bad_adjustments_are_422_problems(
    alice: httpx.Client, add_card: Callable[..., UUID], body: dict[str, Any], field: str
) -> None:
    problem = post(alice, "adjustments", {"card_id": str(add_card("A")), **body}, 422)

    assert field in [p["name"] for p in problem["invalid_params"]]


def test_another_tenants_card_cannot_be_adjusted(
    bob: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a = add_card("A")
    db(
        "INSERT INTO inventory.lots (id, user_id, card_id, source, received_at, initial_qty, "
        "remaining_qty, initial_value, remaining_value) "
        "VALUES ($1, $2, $3, 'initial_balance', now(), 5, 5, 5, 5)",
        uuid.uuid4(),
        ALICE_ID,
        a,
    )

    problem = post(bob, "adjustments", {"card_id": str(a), "qty": -1, "reason": "x"}, 422)

    assert problem["error_code"] == "unknown_card"
    assert lots_of(db, a) == [(5, Decimal("5.00"))]


# --- write-offs ----------------------------------------------------------------------------


def test_a_write_off_books_a_loss_at_fifo_cost(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a = add_card("A")
    opening(alice, [(a, 3, "3.3333")])

    body = post(alice, "write-offs", {"card_id": str(a), "qty": 2, "reason": "damage"})

    assert (body["type"], body["qty"], body["value"], body["reason"]) == (
        "write_off",
        -2,
        "-6.67",
        "damage",
    )
    (loss,) = events(db, "inventory.loss.accrued")
    assert (loss["reason"], loss["qty"], loss["value"], loss["ref_type"]) == (
        "write_off",
        2,
        "6.67",
        "write_off",
    )
    assert lots_of(db, a) == [(1, Decimal("3.33"))]
    assert db("SELECT type, qty, value FROM inventory.movements WHERE qty < 0") == [
        {"type": "write_off", "qty": -2, "value": Decimal("-6.67")}
    ]
    assert reconciles(alice)


def test_a_write_off_at_a_location_without_those_units_is_a_422(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    a = add_card("A")
    opening(alice, [(a, 3, "1")], location="marketplace:ozon")

    problem = post(alice, "write-offs", {"card_id": str(a), "qty": 1, "reason": "loss"}, 422)

    assert problem["error_code"] == "insufficient_stock"
    assert (problem["available_at_location"], problem["available"]) == (0, 3)


def test_a_write_off_reason_outside_the_list_is_a_422(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    problem = post(
        alice, "write-offs", {"card_id": str(add_card("A")), "qty": 1, "reason": "theft"}, 422
    )

    assert [p["name"] for p in problem["invalid_params"]] == ["reason"]


# --- stocktakes ----------------------------------------------------------------------------


def test_a_stocktake_books_each_difference_and_reports_it(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    more, fewer, same, new = add_card("MORE"), add_card("FEWER"), add_card("SAME"), add_card("N")
    opening(alice, [(more, 2, "10"), (fewer, 5, "3"), (same, 1, "1")])

    body = post(
        alice,
        "stocktakes",
        {
            "lines": [
                {"card_id": str(more), "counted_qty": 3},
                {"card_id": str(fewer), "counted_qty": 1},
                {"card_id": str(same), "counted_qty": 1},
                {"card_id": str(new), "counted_qty": 2, "unit_cost": "4.5"},
            ]
        },
    )

    assert [
        (ln["expected_qty"], ln["counted_qty"], ln["difference"], ln["value"])
        for ln in body["lines"]
    ] == [(2, 3, 1, "10.00"), (5, 1, -4, "-12.00"), (1, 1, 0, "0.00"), (0, 2, 2, "9.00")]
    assert body["value"] == "7.00"
    (loss,) = events(db, "inventory.loss.accrued")
    assert (loss["card_id"], loss["reason"], loss["qty"], loss["value"]) == (
        str(fewer),
        "stocktake",
        4,
        "12.00",
    )
    assert [balances(db, c)["home"][0] for c in (more, fewer, same, new)] == [3, 1, 1, 2]
    assert {
        r["type"]
        for r in db("SELECT type FROM inventory.movements WHERE ref_id = $1", UUID(body["id"]))
    } == {"stocktake"}
    assert reconciles(alice)


def test_a_stocktake_surplus_of_a_card_without_stock_or_cost_is_a_422(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a = add_card("A")

    problem = post(alice, "stocktakes", {"lines": [{"card_id": str(a), "counted_qty": 2}]}, 422)

    assert [p["name"] for p in problem["invalid_params"]] == ["lines.0.unit_cost"]
    assert db("SELECT count(*) AS n FROM inventory.lots")[0]["n"] == 0


def test_a_stocktake_naming_a_card_twice_is_a_422(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    a = str(add_card("A"))

    problem = post(
        alice,
        "stocktakes",
        {"lines": [{"card_id": a, "counted_qty": 1}, {"card_id": a, "counted_qty": 2}]},
        422,
    )

    assert [p["name"] for p in problem["invalid_params"]] == ["lines"]


# --- transfers -----------------------------------------------------------------------------


def test_a_transfer_moves_units_and_their_value_and_keeps_totals(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    a = add_card("A")
    opening(alice, [(a, 3, "3.3333")])

    first = post(
        alice, "transfers", {"card_id": str(a), "from": "home", "to": "in_transit", "qty": 1}
    )
    second = post(
        alice, "transfers", {"card_id": str(a), "from": "home", "to": "marketplace:ozon", "qty": 2}
    )

    assert (first["from"], first["to"], first["value"]) == ("home", "in_transit", "3.33")
    assert second["value"] == "6.67"
    assert balances(db, a) == {
        "home": (0, Decimal("0.00")),
        "in_transit": (1, Decimal("3.33")),
        "marketplace:ozon": (2, Decimal("6.67")),
    }
    assert sum(q for q, _ in balances(db, a).values()) == 3
    assert sum(v for _, v in balances(db, a).values()) == Decimal("10.00")
    assert lots_of(db, a) == [(3, Decimal("10.00"))]
    assert reconciles(alice)


def test_transferring_more_than_the_location_holds_is_a_422(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    a = add_card("A")
    opening(alice, [(a, 3, "1")])

    problem = post(
        alice, "transfers", {"card_id": str(a), "from": "home", "to": "in_transit", "qty": 4}, 422
    )

    assert problem["error_code"] == "insufficient_stock"


def test_a_transfer_to_the_same_location_is_a_422(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    body = {"card_id": str(add_card("A")), "from": "home", "to": "home", "qty": 1}

    post(alice, "transfers", body, 422)


def test_write_operations_need_a_signed_in_user(anonymous: httpx.Client) -> None:
    response = anonymous.post(f"{INVENTORY}/write-offs", json={})

    assert response.status_code == 401


def test_the_ledger_keeps_why_units_were_written_off_or_adjusted(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    card = add_card("WHY-1")
    stocked = alice.post(
        "/v1/admin/inventory/initial-balance",
        json={"lines": [{"card_id": str(card), "qty": 10, "unit_cost": "5.00"}]},
    )
    assert stocked.status_code == 201, stocked.text

    alice.post(
        "/v1/admin/inventory/write-offs",
        json={"card_id": str(card), "qty": 2, "reason": "damage", "note": "box crushed"},
    )
    alice.post(
        "/v1/admin/inventory/adjustments",
        json={"card_id": str(card), "qty": -1, "reason": "found one missing in the count"},
    )

    moves = alice.get("/v1/admin/inventory/movements", params={"card_id": str(card)}).json()
    why = {m["type"]: (m["reason"], m["note"]) for m in moves["items"]}
    assert why["write_off"] == ("damage", "box crushed")
    assert why["adjustment"] == (None, "found one missing in the count")
    (loss,) = [
        r["payload"]["data"]
        for r in db(
            "SELECT payload FROM inventory.outbox WHERE subject = 'mpflow.inventory.loss.accrued' "
            "AND payload->'data'->>'reason' = 'write_off'"
        )
    ]
    assert (loss["cause"], loss["value"], loss["qty"]) == ("damage", "10.00", 2)
