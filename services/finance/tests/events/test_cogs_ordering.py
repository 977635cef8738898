"""Inventory's costing events delivered out of order or republished: an adjustment that
overtakes its line's allocation waits for it (retried), and a fill at zero cost counts once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

from mpflow_platform.events import Envelope, new_event
from mpflow_testing.identity import ALICE
from mpflow_testing.jetstream import JetStream
from mpflow_testing.waiting import wait_until

Db = Callable[..., list[dict[str, Any]]]


def _uncosted_sale(db: Db, qty: int) -> tuple[UUID, UUID, UUID]:
    """A recorded sale line inventory has not costed yet (arranged in finance's tables)."""
    card, sale, line = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    db(
        "INSERT INTO finance.sales (id, user_id, marketplace, occurred_at) "
        "VALUES ($1, $2, 'manual', '2026-04-01T10:00:00Z')",
        sale,
        ALICE.user_id,
    )
    db(
        "INSERT INTO finance.sale_lines (id, user_id, sale_id, line_no, card_id, qty, location, "
        "unit_price, revenue) VALUES ($1, $2, $3, 1, $4, $5, 'home', 10, $6)",
        line,
        ALICE.user_id,
        sale,
        card,
        qty,
        Decimal(10 * qty),
    )
    return card, sale, line


def _event(event_type: str, data: dict[str, Any]) -> Envelope:
    return new_event(event_type, data, user_id=ALICE.user_id, source="inventory")


def _allocated(sale: UUID, line: UUID, card: UUID, qty: int, filled: int, cost: str) -> Envelope:
    return _event(
        "inventory.cogs.allocated",
        {
            "sale_id": str(sale),
            "occurred_at": "2026-04-01T10:00:00Z",
            "lines": [
                {
                    "sale_line_id": str(line),
                    "card_id": str(card),
                    "qty": qty,
                    "qty_filled": filled,
                    "qty_pending": qty - filled,
                    "cost": cost,
                    "lots": [],
                }
            ],
        },
    )


def _filled(sale: UUID, line: UUID, card: UUID, filled: int, pending: int, amount: str) -> Envelope:
    return _event(
        "inventory.cogs.adjusted",
        {
            "adjustment_id": str(uuid.uuid4()),
            "reason": "backorder_filled",
            "occurred_at": "2026-05-01T10:00:00Z",
            "source_id": str(uuid.uuid4()),
            "amount": amount,
            "card_id": str(card),
            "lines": [
                {
                    "sale_id": str(sale),
                    "sale_line_id": str(line),
                    "card_id": str(card),
                    "amount": amount,
                    "qty_filled": filled,
                    "qty_pending": pending,
                    "lots": [],
                }
            ],
        },
    )


def _line(db: Db, line: UUID) -> dict[str, Any]:
    return db(
        "SELECT costed, qty_costed, qty_pending, cogs FROM finance.sale_lines WHERE id = $1", line
    )[0]


def test_an_adjustment_that_overtakes_its_allocation_is_applied_after_it(
    jetstream: JetStream, stack: Any, db: Db
) -> None:
    card, sale, line = _uncosted_sale(db, qty=3)

    jetstream.publish(_filled(sale, line, card, filled=2, pending=0, amount="20.00"))
    seq, _ = jetstream.publish(_allocated(sale, line, card, qty=3, filled=1, cost="10.00"))
    jetstream.wait_handled(seq)

    wait_until(lambda: _line(db, line)["qty_costed"] == 3)
    assert _line(db, line) == {
        "costed": True,
        "qty_costed": 3,
        "qty_pending": 0,
        "cogs": Decimal("30.00"),
    }
    status = db("SELECT cogs_status FROM finance.sales WHERE id = $1", sale)[0]["cogs_status"]
    assert status == "costed"


def test_a_zero_cost_fill_republished_under_a_new_event_id_counts_once(
    jetstream: JetStream, stack: Any, db: Db
) -> None:
    card, sale, line = _uncosted_sale(db, qty=2)
    seq, _ = jetstream.publish(_allocated(sale, line, card, qty=2, filled=0, cost="0.00"))
    jetstream.wait_handled(seq)
    fill = _filled(sale, line, card, filled=2, pending=0, amount="0.00")

    jetstream.wait_handled(jetstream.publish(fill)[0])
    again = fill.model_copy(update={"id": uuid.uuid4()})
    jetstream.wait_handled(jetstream.publish(again)[0])

    assert _line(db, line) == {
        "costed": True,
        "qty_costed": 2,
        "qty_pending": 0,
        "cogs": Decimal("0.00"),
    }
