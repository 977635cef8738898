"""After a sale: backorders filled by later stock, cancellations and customer returns, with
inventory answering on the real stack (DOMAIN.md §4, §5; docs/finance.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

import httpx

from mpflow_testing.identity import ALICE
from mpflow_testing.waiting import wait_until

Db = Callable[..., list[dict[str, Any]]]
D = Decimal


def line(card: UUID, qty: int = 1, price: str = "100.00", **extra: Any) -> dict[str, Any]:
    return {"card_id": str(card), "qty": qty, "unit_price": price, **extra}


def record(client: httpx.Client, *lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    answer = client.post("/v1/admin/sales", json={"lines": list(lines), **extra})
    assert answer.status_code == 201, answer.text
    sale: dict[str, Any] = answer.json()
    return sale


def sale_when(
    client: httpx.Client, sale_id: str, check: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The sale once `check` holds for it (inventory's events take a moment)."""

    def read() -> dict[str, Any] | None:
        sale: dict[str, Any] = client.get(f"/v1/admin/sales/{sale_id}").json()
        return sale if check(sale) else None

    return cast(dict[str, Any], wait_until(read))


def stock_of(inventory: httpx.Client, card: UUID) -> int:
    rows = inventory.get("/v1/admin/inventory").json()["items"]
    return next((int(r["quantity"]) for r in rows if r["card_id"] == str(card)), 0)


def accruals(db: Db, kind: str) -> list[dict[str, Any]]:
    return db(
        "SELECT source_key, amount, qty, occurred_at, sale_line_id FROM finance.accruals "
        "WHERE kind = $1 ORDER BY source_key",
        kind,
    )


def test_a_sale_without_stock_waits_then_a_later_lot_fills_it_with_an_adjustment_dated_then(
    alice: httpx.Client, add_card: Callable[..., UUID], stock_in: Callable[..., Any], db: Db
) -> None:
    card = add_card("A-1")
    stock_in(card, 1, "10.00")
    sale = record(alice, line(card, qty=3), occurred_at="2026-01-15T10:00:00Z")
    partial = sale_when(alice, sale["id"], lambda s: s["cogs_status"] == "partial")
    before_fill = datetime.now(UTC)

    stock_in(card, 5, "12.00")

    filled = sale_when(alice, sale["id"], lambda s: s["cogs_status"] == "costed")
    assert (partial["lines"][0]["qty_costed"], partial["lines"][0]["qty_pending"]) == (1, 2)
    assert partial["lines"][0]["cogs"] == "10.00"
    (only,) = filled["lines"]
    assert (only["qty_costed"], only["qty_pending"], only["cogs"]) == (3, 0, "34.00")
    (adjustment,) = accruals(db, "cogs_adjustment")
    assert adjustment["amount"] == D("-24.00")
    assert adjustment["sale_line_id"] == UUID(only["id"])
    assert adjustment["occurred_at"] >= before_fill  # the fill, not the sale's date
    (cogs,) = accruals(db, "cogs")
    assert cogs["occurred_at"] == datetime(2026, 1, 15, 10, tzinfo=UTC)
    assert filled["totals"]["cogs"] == "34.00"
    assert filled["totals"]["profit"] == "266.00"


def test_a_sale_of_a_card_with_no_stock_at_all_is_partial_with_no_cogs(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    card = add_card("A-1")

    sale = record(alice, line(card, qty=2))

    waiting = sale_when(alice, sale["id"], lambda s: s["cogs_status"] != "pending")
    assert waiting["cogs_status"] == "partial"
    assert (waiting["lines"][0]["qty_pending"], waiting["lines"][0]["cogs"]) == (2, "0.00")


def test_cancelling_zeroes_the_sale_and_inventory_puts_the_units_back(
    alice: httpx.Client,
    add_card: Callable[..., UUID],
    stock_in: Callable[..., Any],
    inventory_of: Callable[..., httpx.Client],
    db: Db,
) -> None:
    card = add_card("A-1")
    stock_in(card, 5, "10.00")
    sale = record(alice, line(card, qty=2, fees={"commission": "15.00"}, other_costs="1.00"))
    sale_when(alice, sale["id"], lambda s: s["cogs_status"] == "costed")
    assert stock_of(inventory_of(ALICE), card) == 3

    answer = alice.post(
        f"/v1/admin/sales/{sale['id']}/cancel", json={"occurred_at": "2026-03-02T08:00:00Z"}
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "cancelled"
    assert answer.json()["cogs_status"] == "cancelled"
    after = sale_when(alice, sale["id"], lambda s: s["lines"][0]["cogs"] == "0.00")
    assert after["totals"] == {
        "revenue": "0.00",
        "refunds": "0.00",
        "fees": "0.00",
        "other_costs": "0.00",
        "cogs": "0.00",
        "profit": "0.00",
    }
    assert after["lines"][0]["profit"] == "0.00"
    line_id = sale["lines"][0]["id"]
    reversals = db(
        "SELECT source_key, amount, qty, occurred_at FROM finance.accruals "
        "WHERE source_key LIKE 'cancel:%' ORDER BY source_key"
    )
    assert [(r["source_key"], r["amount"], r["qty"]) for r in reversals] == [
        (f"cancel:{line_id}:fee:commission", D("15.00"), 0),
        (f"cancel:{line_id}:other", D("1.00"), 0),
        (f"cancel:{line_id}:revenue", D("-100.00") * 2, -2),
    ]
    assert {r["occurred_at"] for r in reversals} == {datetime(2026, 3, 2, 8, tzinfo=UTC)}
    assert stock_of(inventory_of(ALICE), card) == 5


def test_cancelling_twice_changes_nothing_the_second_time(
    alice: httpx.Client, add_card: Callable[..., UUID], stock_in: Callable[..., Any], db: Db
) -> None:
    card = add_card("A-1")
    stock_in(card, 5, "10.00")
    sale = record(alice, line(card))
    alice.post(f"/v1/admin/sales/{sale['id']}/cancel")
    accruals_before = db("SELECT count(*) AS n FROM finance.accruals WHERE source = 'sale'")
    outbox_before = db("SELECT count(*) AS n FROM finance.outbox")

    again = alice.post(f"/v1/admin/sales/{sale['id']}/cancel", json={})

    assert again.status_code == 200
    assert again.json()["status"] == "cancelled"
    assert db("SELECT count(*) AS n FROM finance.accruals WHERE source = 'sale'") == accruals_before
    assert db("SELECT count(*) AS n FROM finance.outbox") == outbox_before


def test_a_restocked_return_refunds_and_inventory_reverses_its_cogs(
    alice: httpx.Client,
    add_card: Callable[..., UUID],
    stock_in: Callable[..., Any],
    inventory_of: Callable[..., httpx.Client],
    db: Db,
) -> None:
    card = add_card("A-1")
    stock_in(card, 5, "10.00")
    sale = record(alice, line(card, qty=2, fees={"commission": "20.00"}))
    sale_when(alice, sale["id"], lambda s: s["cogs_status"] == "costed")
    line_id = sale["lines"][0]["id"]

    answer = alice.post(
        f"/v1/admin/sales/{sale['id']}/return",
        json={
            "kind": "restock",
            "occurred_at": "2026-03-05T09:00:00Z",
            "lines": [{"line_id": line_id, "qty": 1}],
        },
    )

    assert answer.status_code == 201, answer.text
    ret = answer.json()
    assert (ret["kind"], ret["location"]) == ("restock", "home")
    assert ret["lines"] == [{"line_id": line_id, "qty": 1, "refund": "100.00"}]
    assert ret["sale"]["lines"][0]["qty_returned"] == 1
    assert ret["sale"]["lines"][0]["refunded"] == "100.00"
    after = sale_when(alice, sale["id"], lambda s: s["lines"][0]["cogs"] == "10.00")
    (refund,) = accruals(db, "refund")
    assert (refund["source_key"], refund["amount"], refund["qty"]) == (
        f"return:{ret['id']}:{line_id}",
        D("-100.00"),
        1,
    )
    assert refund["occurred_at"] == datetime(2026, 3, 5, 9, tzinfo=UTC)
    (reversal,) = accruals(db, "cogs_adjustment")
    assert reversal["amount"] == D("10.00")
    # Fees are not reversed by a return.
    assert after["totals"] == {
        "revenue": "200.00",
        "refunds": "100.00",
        "fees": "20.00",
        "other_costs": "0.00",
        "cogs": "10.00",
        "profit": "70.00",
    }
    assert after["returns"][0]["id"] == ret["id"]
    assert stock_of(inventory_of(ALICE), card) == 4


def test_a_defective_return_keeps_its_cogs_and_books_no_loss(
    alice: httpx.Client,
    add_card: Callable[..., UUID],
    stock_in: Callable[..., Any],
    db: Db,
) -> None:
    card = add_card("A-1")
    stock_in(card, 5, "10.00")
    sale = record(alice, line(card, qty=2))
    sale_when(alice, sale["id"], lambda s: s["cogs_status"] == "costed")

    answer = alice.post(
        f"/v1/admin/sales/{sale['id']}/return",
        json={"kind": "defect", "lines": [{"line_id": sale["lines"][0]["id"], "qty": 2}]},
    )

    assert answer.status_code == 201
    # Inventory answers with a loss note of value 0; wait until finance has handled it.
    wait_until(
        lambda: db(
            "SELECT 1 FROM finance.inbox i JOIN inventory.outbox o ON o.id = i.event_id "
            "WHERE o.subject = 'mpflow.inventory.loss.accrued'"
        )
    )
    after = alice.get(f"/v1/admin/sales/{sale['id']}").json()
    assert after["totals"]["cogs"] == "20.00"
    assert after["totals"]["refunds"] == "200.00"
    assert after["lines"][0]["cogs"] == "20.00"
    assert accruals(db, "loss") == []
    assert accruals(db, "cogs_adjustment") == []


def test_a_third_of_a_hundred_refunds_33_33_then_the_rest_66_67(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    card = add_card("A-1")
    sale = record(alice, line(card, qty=3, price="33.33"))
    # A line of 3 units for 100.00 in all (e.g. a marketplace order with a rounded total).
    db("UPDATE finance.sale_lines SET revenue = 100.00")
    line_id = sale["lines"][0]["id"]
    path = f"/v1/admin/sales/{sale['id']}/return"

    first = alice.post(path, json={"kind": "defect", "lines": [{"line_id": line_id, "qty": 1}]})
    second = alice.post(path, json={"kind": "defect", "lines": [{"line_id": line_id, "qty": 2}]})

    assert first.json()["lines"][0]["refund"] == "33.33"
    assert second.json()["lines"][0]["refund"] == "66.67"
    assert second.json()["sale"]["lines"][0]["refunded"] == "100.00"
    assert second.json()["sale"]["lines"][0]["qty_returned"] == 3


def test_returning_more_than_is_left_or_a_line_of_another_sale_is_refused(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    card = add_card("A-1")
    sale = record(alice, line(card, qty=2))
    other = record(alice, line(card, qty=1))
    path = f"/v1/admin/sales/{sale['id']}/return"
    mine, theirs = sale["lines"][0]["id"], other["lines"][0]["id"]

    too_many = alice.post(path, json={"kind": "restock", "lines": [{"line_id": mine, "qty": 3}]})
    foreign = alice.post(
        path,
        json={
            "kind": "restock",
            "lines": [{"line_id": mine, "qty": 1}, {"line_id": theirs, "qty": 1}],
        },
    )

    assert too_many.status_code == 422
    assert too_many.json()["error_code"] == "invalid_return"
    assert [p["name"] for p in too_many.json()["invalid_params"]] == ["lines.0.qty"]
    assert foreign.status_code == 422
    assert [p["name"] for p in foreign.json()["invalid_params"]] == ["lines.1.line_id"]
    assert db("SELECT count(*) AS n FROM finance.sale_returns")[0]["n"] == 0


def test_a_return_with_a_known_external_id_returns_the_recorded_return(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    card = add_card("A-1")
    sale = record(alice, line(card, qty=3))
    body = {
        "kind": "defect",
        "external_id": "RET-1",
        "lines": [{"line_id": sale["lines"][0]["id"], "qty": 1}],
    }
    first = alice.post(f"/v1/admin/sales/{sale['id']}/return", json=body)

    again = alice.post(f"/v1/admin/sales/{sale['id']}/return", json=body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["sale"]["lines"][0]["qty_returned"] == 1
    assert len(accruals(db, "refund")) == 1


def test_a_cancelled_sale_takes_no_return_and_a_returned_sale_no_cancellation(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    card = add_card("A-1")
    cancelled = record(alice, line(card))
    returned = record(alice, line(card, qty=2))
    alice.post(f"/v1/admin/sales/{cancelled['id']}/cancel")
    alice.post(
        f"/v1/admin/sales/{returned['id']}/return",
        json={"kind": "defect", "lines": [{"line_id": returned["lines"][0]["id"], "qty": 1}]},
    )

    no_return = alice.post(
        f"/v1/admin/sales/{cancelled['id']}/return",
        json={"kind": "restock", "lines": [{"line_id": cancelled["lines"][0]["id"], "qty": 1}]},
    )
    no_cancel = alice.post(f"/v1/admin/sales/{returned['id']}/cancel")

    assert no_return.status_code == 409
    assert no_return.json()["error_code"] == "sale_cancelled"
    assert no_cancel.status_code == 409
    assert no_cancel.json()["error_code"] == "sale_has_returns"
