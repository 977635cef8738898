"""Finance's consumers of inventory's costing events (`inventory.cogs.allocated`,
`…cogs.adjusted`, `…loss.accrued`): sale line COGS and the P&L's COGS, adjustments and
losses, once per fact, whatever the delivery."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx

from mpflow_platform.events import Envelope, new_event
from mpflow_testing.identity import ALICE
from mpflow_testing.jetstream import JetStream
from mpflow_testing.waiting import wait_until

Db = Callable[..., list[dict[str, Any]]]
D = Decimal


def costed_sale(
    alice: httpx.Client, add_card: Callable[..., UUID], stock_in: Callable[..., Any]
) -> tuple[UUID, dict[str, Any]]:
    """A card with stock and a sale of 2 of its units at 10.00 each, costed."""
    card = add_card("A-1")
    stock_in(card, 5, "10.00")
    sale = alice.post(
        "/v1/admin/sales", json={"lines": [{"card_id": str(card), "qty": 2, "unit_price": "50.00"}]}
    ).json()

    def costed() -> dict[str, Any] | None:
        now: dict[str, Any] = alice.get(f"/v1/admin/sales/{sale['id']}").json()
        return now if now["cogs_status"] == "costed" else None

    return card, wait_until(costed)


def inventory_event(data: dict[str, Any], event_type: str) -> Envelope:
    return new_event(event_type, data, user_id=ALICE.user_id, source="inventory")


def deliver(jetstream: JetStream, event: Envelope) -> None:
    seq, _ = jetstream.publish(event)
    jetstream.wait_handled(seq)


def test_an_allocation_republished_under_a_new_event_id_is_applied_once(
    alice: httpx.Client,
    add_card: Callable[..., UUID],
    stock_in: Callable[..., Any],
    jetstream: JetStream,
    db: Db,
) -> None:
    _, sale = costed_sale(alice, add_card, stock_in)
    (original,) = db(
        "SELECT payload FROM inventory.outbox WHERE subject = 'mpflow.inventory.cogs.allocated'"
    )
    data = dict(original["payload"]["data"])
    data["lines"] = [{**ln, "cost": "99.00"} for ln in data["lines"]]  # a stale restatement

    deliver(jetstream, inventory_event(data, "inventory.cogs.allocated"))

    after = alice.get(f"/v1/admin/sales/{sale['id']}").json()
    assert after["lines"][0]["cogs"] == "20.00"
    cogs = db("SELECT amount FROM finance.accruals WHERE kind = 'cogs'")
    assert [r["amount"] for r in cogs] == [D("-20.00")]


def test_an_adjustment_is_booked_once_per_line_and_the_rest_as_unattributed(
    alice: httpx.Client,
    add_card: Callable[..., UUID],
    stock_in: Callable[..., Any],
    jetstream: JetStream,
    db: Db,
) -> None:
    card, sale = costed_sale(alice, add_card, stock_in)
    line_id = sale["lines"][0]["id"]
    adjustment_id = uuid.uuid4()
    data = {
        "adjustment_id": str(adjustment_id),
        "reason": "late_charge",
        "occurred_at": "2026-04-01T12:00:00Z",
        "source_id": str(uuid.uuid4()),
        "amount": "1.50",
        "card_id": str(card),
        "lines": [
            {
                "sale_id": sale["id"],
                "sale_line_id": line_id,
                "card_id": str(card),
                "amount": "1.00",
                "qty_filled": 0,
                "qty_pending": 0,
                "lots": [],
            }
        ],
    }

    deliver(jetstream, inventory_event(data, "inventory.cogs.adjusted"))
    deliver(jetstream, inventory_event(data, "inventory.cogs.adjusted"))  # a new event id

    after = alice.get(f"/v1/admin/sales/{sale['id']}").json()
    assert after["lines"][0]["cogs"] == "21.00"
    assert after["cogs_status"] == "costed"
    rows = db(
        "SELECT source_key, amount, card_id, sale_id, occurred_at FROM finance.accruals "
        "WHERE kind = 'cogs_adjustment' ORDER BY source_key"
    )
    assert [(r["source_key"], r["amount"], r["card_id"], r["sale_id"]) for r in rows] == [
        (f"cogsadj:{adjustment_id}:{line_id}", D("-1.00"), card, UUID(sale["id"])),
        (f"cogsadj:{adjustment_id}:unattributed", D("-0.50"), card, None),
    ]
    assert {r["occurred_at"] for r in rows} == {datetime(2026, 4, 1, 12, tzinfo=UTC)}


def test_a_write_off_in_inventory_becomes_a_loss_accrual(
    add_card: Callable[..., UUID],
    stock_in: Callable[..., Any],
    inventory_of: Callable[..., httpx.Client],
    db: Db,
) -> None:
    card = add_card("A-1")
    stock_in(card, 5, "10.00")

    answer = inventory_of(ALICE).post(
        "/v1/admin/inventory/write-offs", json={"card_id": str(card), "qty": 2, "reason": "damage"}
    )

    assert answer.status_code == 201, answer.text
    (loss,) = wait_until(
        lambda: db("SELECT amount, qty, card_id, description, source_key FROM finance.accruals")
    )
    assert (loss["amount"], loss["qty"], loss["card_id"]) == (D("-20.00"), 2, card)
    assert loss["source_key"].startswith("loss:")
    assert "damage" in loss["description"]


def test_a_loss_of_value_zero_books_nothing(jetstream: JetStream, stack: Any, db: Db) -> None:
    data = {
        "loss_id": str(uuid.uuid4()),
        "card_id": str(uuid.uuid4()),
        "reason": "defect_return",
        "qty": 1,
        "value": "0.00",
        "occurred_at": "2026-04-01T12:00:00Z",
        "ref_type": "sale_return",
        "ref_id": str(uuid.uuid4()),
    }

    deliver(jetstream, inventory_event(data, "inventory.loss.accrued"))

    assert db("SELECT count(*) AS n FROM finance.accruals")[0]["n"] == 0


def test_events_about_sales_finance_does_not_know_are_skipped_and_the_consumer_goes_on(
    jetstream: JetStream, stack: Any, db: Db
) -> None:
    card, sale_id, line_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    allocated = {
        "sale_id": str(sale_id),
        "occurred_at": "2026-04-01T12:00:00Z",
        "lines": [
            {
                "sale_line_id": str(line_id),
                "card_id": str(card),
                "qty": 1,
                "qty_filled": 1,
                "qty_pending": 0,
                "cost": "10.00",
                "lots": [],
            }
        ],
    }
    adjusted = {
        "adjustment_id": str(uuid.uuid4()),
        "reason": "late_charge",
        "occurred_at": "2026-04-01T12:00:00Z",
        "amount": "2.00",
        "card_id": str(card),
        "lines": [
            {
                "sale_id": str(sale_id),
                "sale_line_id": str(line_id),
                "card_id": str(card),
                "amount": "2.00",
            }
        ],
    }
    loss = {
        "loss_id": str(uuid.uuid4()),
        "card_id": str(card),
        "reason": "write_off",
        "qty": 1,
        "value": "7.00",
        "occurred_at": "2026-04-01T12:00:00Z",
        "ref_type": "adjustment",
        "ref_id": str(uuid.uuid4()),
        "cause": "loss",
    }

    deliver(jetstream, inventory_event(allocated, "inventory.cogs.allocated"))
    deliver(jetstream, inventory_event(adjusted, "inventory.cogs.adjusted"))
    deliver(jetstream, inventory_event(loss, "inventory.loss.accrued"))

    # Nothing of the unknown sale is applied to a line; the adjustment's money stays in the
    # P&L as unattributed (inventory booked it), the loss as a loss.
    rows = db("SELECT kind, amount, sale_id, description FROM finance.accruals ORDER BY kind")
    assert [(r["kind"], r["amount"], r["sale_id"], r["description"]) for r in rows] == [
        ("cogs_adjustment", D("-2.00"), None, "late_charge: not attributed to a sale"),
        ("loss", D("-7.00"), None, "write_off: loss"),
    ]
