"""FIFO costing of sales from `mpflow.sales.sale.*` events, through real JetStream into the
running inventory service (DOMAIN.md §4, §4a, §5): allocations to the kopeck, redelivery,
backorders, late values, cancellations, restocked and defective returns, invalid returns,
and the reconciliation invariants after every step.

Stock is arranged with `lot/repository.insert_lot` + `ledger.record` (an initial balance or a
receipt on a supplier order line written by SQL); `fill_pending` and `apply_late_value` are
called directly, as the receipts and orders code does.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import nats
import pytest
from nats.js.errors import NotFoundError

from inventory.costing.backorders import fill_pending
from inventory.costing.late import apply_late_value
from inventory.costing.service import InvalidSaleEvent, cancel_sale, return_sale
from inventory.events.consumed import SaleCancelled, SaleReturned
from inventory.ledger import repository as ledger
from inventory.ledger.repository import Movement
from inventory.lot import repository as lots_repo
from mpflow_platform.db import Connection, set_tenant
from mpflow_platform.events import Envelope, new_event
from mpflow_platform.events.envelope import STREAM_NAME
from mpflow_platform.ids import uuid7
from mpflow_testing.waiting import wait_until

T = TypeVar("T")
Db = Callable[..., list[dict[str, Any]]]
ALICE_ID = UUID("00000000-0000-7000-8000-00000000a11c")
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


# --- arranging -------------------------------------------------------------------------------


def in_tx(database_url: str, work: Callable[[Connection], Awaitable[T]]) -> T:
    """Run `work(tx)` in one committed transaction of Alice's tenant."""

    async def go() -> T:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.set_type_codec(
                "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
            )
            async with conn.transaction():
                await set_tenant(conn, ALICE_ID)
                return await work(conn)
        finally:
            await conn.close()

    return asyncio.run(go())


def add_card(db: Db, sku: str = "KETTLE-1") -> UUID:
    card_id = uuid.uuid4()
    db(
        "INSERT INTO inventory.cards (user_id, card_id, sku, title, version) "
        "VALUES ($1, $2, $3, 'a card', 1)",
        ALICE_ID,
        card_id,
        sku,
    )
    return card_id


def add_lot(
    database_url: str,
    card_id: UUID,
    qty: int,
    value: str,
    received_at: datetime,
    *,
    order_line: tuple[UUID, UUID] | None = None,
) -> UUID:
    """A lot with its ledger row at home: an initial balance, or a receipt of an order line
    (`order_line` = (line id, receipt id))."""
    lot_id = uuid7()

    async def work(tx: Connection) -> None:
        await lots_repo.insert_lot(
            tx,
            id=lot_id,
            user_id=ALICE_ID,
            card_id=card_id,
            source="receipt" if order_line else "initial_balance",
            received_at=received_at,
            qty=qty,
            value=D(value),
            order_line_id=order_line[0] if order_line else None,
            receipt_id=order_line[1] if order_line else None,
        )
        await ledger.record(
            tx,
            user_id=ALICE_ID,
            movements=[
                Movement(
                    id=uuid7(),
                    card_id=card_id,
                    location="home",
                    qty=qty,
                    type="receipt" if order_line else "initial_balance",
                    ref_type="receipt" if order_line else "lot",
                    ref_id=order_line[1] if order_line else lot_id,
                    value=D(value),
                    occurred_at=received_at,
                    lot_id=lot_id,
                )
            ],
        )

    in_tx(database_url, work)
    return lot_id


def add_order_line(db: Db, card_id: UUID, qty: int, landed_value: str) -> tuple[UUID, UUID]:
    """A received supplier order with one line; (line id, receipt id)."""
    supplier, order, line, receipt = uuid7(), uuid7(), uuid7(), uuid7()
    db(
        "INSERT INTO inventory.suppliers (id, user_id, name) VALUES ($1, $2, $3)",
        supplier,
        ALICE_ID,
        f"Supplier {supplier}",
    )
    db(
        "INSERT INTO inventory.supplier_orders (id, user_id, number, supplier_id, fx_rate, "
        "fx_rate_date, status) VALUES ($1, $2, $3, $4, 12.5, '2026-10-01', 'received')",
        order,
        ALICE_ID,
        f"PO-{str(order)[-6:]}",
        supplier,
    )
    db(
        "INSERT INTO inventory.supplier_order_lines (id, user_id, order_id, line_no, card_id, "
        "qty_ordered, unit_price, qty_received, line_value_base, landed_value, value_received) "
        "VALUES ($1, $2, $3, 1, $4, $5, 8, $5, $6, $6, $6)",
        line,
        ALICE_ID,
        order,
        card_id,
        qty,
        D(landed_value),
    )
    db(
        "INSERT INTO inventory.receipts (id, user_id, order_id, received_at) "
        "VALUES ($1, $2, $3, $4)",
        receipt,
        ALICE_ID,
        order,
        T0,
    )
    return line, receipt


def sale_event(
    card_id: UUID, *qtys: int, at: datetime = T0 + timedelta(days=1), marketplace: str = "ozon"
) -> Envelope:
    return new_event(
        "sales.sale.recorded",
        {
            "sale_id": str(uuid7()),
            "marketplace": marketplace,
            "external_id": None,
            "occurred_at": at.isoformat(),
            "lines": [{"line_id": str(uuid7()), "card_id": str(card_id), "qty": q} for q in qtys],
        },
        user_id=ALICE_ID,
        source="finance",
    )


def returned_event(sale: Envelope, kind: str, *qtys: int, line: int = 0) -> Envelope:
    line_id = sale.data["lines"][line]["line_id"]
    return new_event(
        "sales.sale.returned",
        {
            "sale_id": sale.data["sale_id"],
            "return_id": str(uuid7()),
            "occurred_at": (T0 + timedelta(days=5)).isoformat(),
            "kind": kind,
            "location": "home",
            "lines": [{"line_id": line_id, "qty": q} for q in qtys],
        },
        user_id=ALICE_ID,
        source="finance",
    )


def cancelled_event(sale: Envelope) -> Envelope:
    return new_event(
        "sales.sale.cancelled",
        {"sale_id": sale.data["sale_id"], "occurred_at": (T0 + timedelta(days=2)).isoformat()},
        user_id=ALICE_ID,
        source="finance",
    )


def deliver(jetstream: Any, *events: Envelope) -> None:
    for event in events:
        jetstream.wait_handled(jetstream.publish(event)[0])


# --- reading ---------------------------------------------------------------------------------


def published(db: Db, subject: str) -> list[dict[str, Any]]:
    return [
        r["payload"]["data"]
        for r in db(
            "SELECT payload FROM inventory.outbox WHERE subject = $1 ORDER BY seq",
            f"mpflow.{subject}",
        )
    ]


def lot_of(db: Db, lot_id: UUID) -> tuple[int, D]:
    (row,) = db("SELECT remaining_qty, remaining_value FROM inventory.lots WHERE id = $1", lot_id)
    return row["remaining_qty"], row["remaining_value"]


def line_of(db: Db, line_id: str) -> dict[str, Any]:
    (row,) = db(
        "SELECT qty, qty_pending, qty_returned, status, "
        "(SELECT coalesce(sum(cost), 0) FROM inventory.cogs_allocations a "
        " WHERE a.sale_line_id = s.id) AS cost "
        "FROM inventory.sale_lines s WHERE id = $1",
        UUID(line_id),
    )
    return row


def assert_reconciles(db: Db, card_id: UUID, *, late: D = D(0)) -> None:
    """§6: Σ lot remaining = Σ ledger quantity (and the balances, value too);
    §4a: Σ COGS (allocations now, plus unattributed adjustments: one card per test)
    + Σ remaining value = Σ received + late values."""
    (row,) = db(
        """
        SELECT
          (SELECT coalesce(sum(remaining_qty), 0) FROM inventory.lots WHERE card_id = $1)
            AS lot_qty,
          (SELECT coalesce(sum(qty), 0) FROM inventory.movements WHERE card_id = $1) AS ledger_qty,
          (SELECT coalesce(sum(qty), 0) FROM inventory.balances WHERE card_id = $1) AS balance_qty,
          (SELECT coalesce(sum(remaining_value), 0) FROM inventory.lots WHERE card_id = $1)
            AS remaining,
          (SELECT coalesce(sum(value), 0) FROM inventory.balances WHERE card_id = $1)
            AS balance_value,
          (SELECT coalesce(sum(initial_value), 0) FROM inventory.lots WHERE card_id = $1)
            AS received,
          (SELECT coalesce(sum(a.cost), 0) FROM inventory.cogs_allocations a
             JOIN inventory.lots l ON l.id = a.lot_id WHERE l.card_id = $1) AS cogs,
          (SELECT coalesce(sum(amount), 0) FROM inventory.cogs_adjustments
             WHERE reason = 'unattributed') AS unattributed
        """,
        card_id,
    )
    assert row["lot_qty"] == row["ledger_qty"] == row["balance_qty"], row
    assert row["remaining"] == row["balance_value"], row
    assert row["cogs"] + row["unattributed"] + row["remaining"] == row["received"] + late, row


# --- tests -----------------------------------------------------------------------------------


def test_fifo_across_two_lots_to_the_kopeck(
    inventory_url: str, jetstream: Any, db: Db, database_url: str
) -> None:
    card = add_card(db)
    old = add_lot(database_url, card, 3, "100.00", T0)
    new = add_lot(database_url, card, 10, "333.33", T0 + timedelta(hours=1))
    sale = sale_event(card, 5)

    deliver(jetstream, sale)

    # 3 of the old lot (its whole value), then round2(2 × 333.33 / 10) = 66.67 of the new one.
    (costed,) = published(db, "inventory.cogs.allocated")
    assert costed["sale_id"] == sale.data["sale_id"]
    (line,) = costed["lines"]
    assert (line["qty"], line["qty_filled"], line["qty_pending"], line["cost"]) == (
        5,
        5,
        0,
        "166.67",
    )
    assert [(t["lot_id"], t["qty"], t["cost"]) for t in line["lots"]] == [
        (str(old), 3, "100.00"),
        (str(new), 2, "66.67"),
    ]
    assert lot_of(db, old) == (0, D("0.00"))
    assert lot_of(db, new) == (8, D("266.66"))
    moves = db(
        "SELECT location, qty, value, type FROM inventory.movements WHERE type = 'sale' "
        "ORDER BY value DESC"
    )
    assert [(m["location"], m["qty"], m["value"]) for m in moves] == [
        ("marketplace:ozon", -2, D("-66.67")),
        ("marketplace:ozon", -3, D("-100.00")),
    ]
    assert_reconciles(db, card)


def test_a_sale_delivered_twice_is_costed_once(
    inventory_url: str, jetstream: Any, db: Db, database_url: str
) -> None:
    card = add_card(db)
    add_lot(database_url, card, 10, "1000.00", T0)
    sale = sale_event(card, 2, marketplace="manual")

    # Past JetStream's dedup window: the same event under another message id; then the
    # same sale republished as a new event (a new event id) by a producer retrying.
    jetstream.wait_handled(jetstream.publish(sale, msg_id="first")[0])
    jetstream.wait_handled(jetstream.publish(sale, msg_id="second")[0])
    republished = Envelope.model_validate({**sale.model_dump(), "id": uuid7()})
    deliver(jetstream, republished)

    assert len(db("SELECT event_id FROM inventory.inbox WHERE subject LIKE 'mpflow.sales.%'")) == 2
    assert len(db("SELECT id FROM inventory.cogs_allocations")) == 1
    assert len(published(db, "inventory.cogs.allocated")) == 1
    assert line_of(db, sale.data["lines"][0]["line_id"])["cost"] == D("200.00")
    assert db("SELECT location FROM inventory.sale_lines") == [{"location": "home"}]
    assert_reconciles(db, card)


def test_a_backorder_is_filled_by_the_next_lot_with_one_adjustment(
    inventory_url: str, jetstream: Any, db: Db, database_url: str
) -> None:
    card = add_card(db)
    add_lot(database_url, card, 4, "559.29", T0)
    sale = sale_event(card, 10)
    deliver(jetstream, sale)
    line_id = sale.data["lines"][0]["line_id"]

    (costed,) = published(db, "inventory.cogs.allocated")
    assert (costed["lines"][0]["qty_filled"], costed["lines"][0]["qty_pending"]) == (4, 6)
    assert costed["lines"][0]["cost"] == "559.29"
    assert line_of(db, line_id)["qty_pending"] == 6
    assert_reconciles(db, card)

    new = add_lot(database_url, card, 20, "2796.44", T0 + timedelta(days=3))
    source = uuid7()
    in_tx(
        database_url,
        lambda tx: fill_pending(
            tx,
            user_id=ALICE_ID,
            card_ids=[card],
            source_id=source,
            occurred_at=T0 + timedelta(days=3),
        ),
    )

    # round2(6 × 2796.44 / 20) = 838.93, in ONE adjustment event.
    (adjusted,) = published(db, "inventory.cogs.adjusted")
    assert (adjusted["reason"], adjusted["amount"], adjusted["source_id"]) == (
        "backorder_filled",
        "838.93",
        str(source),
    )
    (adj_line,) = adjusted["lines"]
    assert (adj_line["sale_line_id"], adj_line["qty_filled"], adj_line["qty_pending"]) == (
        line_id,
        6,
        0,
    )
    assert adj_line["lots"] == [{"lot_id": str(new), "qty": 6, "cost": "838.93"}]
    assert line_of(db, line_id)["qty_pending"] == 0
    assert line_of(db, line_id)["cost"] == D("1398.22")
    assert lot_of(db, new) == (14, D("1957.51"))
    assert db("SELECT reason, amount FROM inventory.cogs_adjustments") == [
        {"reason": "backorder_filled", "amount": D("838.93")}
    ]
    assert_reconciles(db, card)

    # Nothing left to fill: no second event.
    in_tx(
        database_url,
        lambda tx: fill_pending(
            tx, user_id=ALICE_ID, card_ids=[card], source_id=source, occurred_at=T0
        ),
    )
    assert len(published(db, "inventory.cogs.adjusted")) == 1


def test_a_late_charge_raises_the_lot_and_adjusts_the_cogs_of_units_sold(
    inventory_url: str, jetstream: Any, db: Db, database_url: str
) -> None:
    card = add_card(db)
    line, receipt = add_order_line(db, card, 10, "1000.00")
    lot = add_lot(database_url, card, 10, "1000.00", T0, order_line=(line, receipt))
    first, second = sale_event(card, 3), sale_event(card, 3, at=T0 + timedelta(days=2))
    deliver(jetstream, first, second)  # 60 % of the lot sold
    assert lot_of(db, lot) == (4, D("400.00"))

    charge = uuid7()

    async def late_charge(tx: Connection) -> None:
        await apply_late_value(
            tx,
            user_id=ALICE_ID,
            order_line_id=line,
            value=D("33.35"),
            reason="late_charge",
            source_id=charge,
            occurred_at=T0 + timedelta(days=10),
        )  # it moves the balance value by the on-hand part itself

    in_tx(database_url, late_charge)

    # On hand: round2(33.35 × 4 / 10) = 13.34 -> the remaining 40 % now cost 413.34;
    # consumed 20.01, split 3:3 by largest remainder (tie to the earlier sale): 10.01 + 10.00.
    assert lot_of(db, lot) == (4, D("413.34"))
    assert line_of(db, first.data["lines"][0]["line_id"])["cost"] == D("310.01")
    assert line_of(db, second.data["lines"][0]["line_id"])["cost"] == D("310.00")
    (adjusted,) = published(db, "inventory.cogs.adjusted")
    assert (adjusted["reason"], adjusted["amount"], adjusted["source_id"]) == (
        "late_charge",
        "20.01",
        str(charge),
    )
    assert sorted((ln["sale_id"], ln["amount"]) for ln in adjusted["lines"]) == sorted(
        [(first.data["sale_id"], "10.01"), (second.data["sale_id"], "10.00")]
    )
    assert sorted(r["amount"] for r in db("SELECT amount FROM inventory.cogs_adjustments")) == [
        D("10.00"),
        D("10.01"),
    ]
    assert_reconciles(db, card, late=D("33.35"))

    # The next sale takes the raised unit cost: 2 of 4 at 413.34 -> 206.67.
    deliver(jetstream, sale_event(card, 2, at=T0 + timedelta(days=11)))
    assert published(db, "inventory.cogs.allocated")[-1]["lines"][0]["cost"] == "206.67"
    assert_reconciles(db, card, late=D("33.35"))


def test_cancel_and_returns_put_units_and_value_back(
    inventory_url: str, jetstream: Any, db: Db, database_url: str
) -> None:
    card = add_card(db)
    lot = add_lot(database_url, card, 10, "1000.01", T0)
    sale = sale_event(card, 4)
    other = sale_event(card, 3, at=T0 + timedelta(days=1, hours=1))
    deliver(jetstream, sale, other)
    line_id = sale.data["lines"][0]["line_id"]
    # 4 of 10 at 1000.01 -> 400.00; then 3 of 6 at 600.01 -> 300.01 (300.005 half-up).
    assert lot_of(db, lot) == (3, D("300.00"))

    deliver(jetstream, cancelled_event(other))
    assert lot_of(db, lot) == (6, D("600.01"))
    assert line_of(db, other.data["lines"][0]["line_id"])["status"] == "cancelled"
    assert line_of(db, other.data["lines"][0]["line_id"])["cost"] == D("0.00")
    (cancelled,) = published(db, "inventory.cogs.adjusted")
    assert (cancelled["reason"], cancelled["amount"]) == ("sale_cancelled", "-300.01")
    assert cancelled["lines"][0]["lots"] == [{"lot_id": str(lot), "qty": -3, "cost": "-300.01"}]
    assert_reconciles(db, card)
    deliver(jetstream, cancelled_event(other))  # a second cancellation changes nothing
    assert len(published(db, "inventory.cogs.adjusted")) == 1

    # Restock 1 of 4 units costing 400.00: round2(1 × 400.00 / 4) = 100.00 goes back.
    deliver(jetstream, returned_event(sale, "restock", 1))
    assert lot_of(db, lot) == (7, D("700.01"))
    assert line_of(db, line_id) == {
        "qty": 4,
        "qty_pending": 0,
        "qty_returned": 1,
        "status": "active",
        "cost": D("300.00"),
    }
    restock = published(db, "inventory.cogs.adjusted")[-1]
    assert (restock["reason"], restock["amount"]) == ("return_restock", "-100.00")
    (back,) = db("SELECT location, qty, value FROM inventory.movements WHERE type = 'return'")
    assert back == {"location": "home", "qty": 1, "value": D("100.00")}
    assert_reconciles(db, card)

    # Defect: COGS kept, no stock change, a zero-value loss note.
    deliver(jetstream, returned_event(sale, "defect", 1))
    assert lot_of(db, lot) == (7, D("700.01"))
    assert line_of(db, line_id)["qty_returned"] == 2
    assert line_of(db, line_id)["cost"] == D("300.00")
    (loss,) = published(db, "inventory.loss.accrued")
    assert (loss["reason"], loss["qty"], loss["value"], loss["card_id"]) == (
        "defect_return",
        1,
        "0.00",
        str(card),
    )
    assert_reconciles(db, card)


def test_returning_more_than_was_sold_is_refused_and_changes_nothing(
    inventory_url: str, jetstream: Any, db: Db, database_url: str
) -> None:
    card = add_card(db)
    add_lot(database_url, card, 10, "1000.00", T0)
    sale = sale_event(card, 2)
    deliver(jetstream, sale)
    bad = returned_event(sale, "restock", 2, 1)  # 3 of 2 sold

    with pytest.raises(InvalidSaleEvent, match="only 2 of its 2 sold"):
        in_tx(
            database_url,
            lambda tx: return_sale(tx, ALICE_ID, SaleReturned.model_validate(bad.data)),
        )
    assert db("SELECT qty_returned FROM inventory.sale_lines") == [{"qty_returned": 0}]
    assert published(db, "inventory.cogs.adjusted") == []


def test_a_sale_of_a_card_inventory_has_not_seen_yet_waits_fully_pending(
    inventory_url: str, jetstream: Any, db: Db, database_url: str
) -> None:
    card = uuid.uuid4()
    sale = sale_event(card, 3)
    deliver(jetstream, sale)

    assert db("SELECT sku, status, version FROM inventory.cards") == [
        {"sku": "?", "status": "draft", "version": 0}
    ]
    (costed,) = published(db, "inventory.cogs.allocated")
    assert (costed["lines"][0]["qty_pending"], costed["lines"][0]["cost"]) == (3, "0.00")

    card_event = new_event(
        "catalog.card.created",
        {"card_id": str(card), "sku": "LATE-1", "title": "Late card", "version": 1},
        user_id=ALICE_ID,
        source="catalog",
    )
    deliver(jetstream, card_event)
    assert db("SELECT sku, status, version FROM inventory.cards") == [
        {"sku": "LATE-1", "status": "active", "version": 1}
    ]
    add_lot(database_url, card, 5, "50.00", T0)
    in_tx(
        database_url,
        lambda tx: fill_pending(
            tx, user_id=ALICE_ID, card_ids=[card], source_id=uuid7(), occurred_at=T0
        ),
    )
    assert line_of(db, sale.data["lines"][0]["line_id"])["cost"] == D("30.00")
    assert_reconciles(db, card)


@pytest.mark.slow
def test_an_invalid_return_ends_in_the_dead_letter_subject(
    inventory_url: str, jetstream: Any, db: Db, database_url: str, nats_url: str
) -> None:
    card = add_card(db)
    add_lot(database_url, card, 10, "1000.00", T0)
    sale = sale_event(card, 2)
    deliver(jetstream, sale)
    bad = returned_event(sale, "restock", 3)
    jetstream.publish(bad)

    async def dead_letter() -> dict[str, Any] | None:
        nc = await nats.connect(nats_url)
        try:
            msg = await nc.jetstream().get_last_msg(STREAM_NAME, "mpflow.deadletter.inventory")
        except NotFoundError:
            return None
        finally:
            await nc.close()
        return {"headers": msg.headers or {}, "id": json.loads(msg.data or b"{}").get("id")}

    # Retried with back-off (about 22 s in all), then dead-lettered.
    found = wait_until(lambda: asyncio.run(dead_letter()), timeout=90, interval=1)
    assert found["id"] == str(bad.id)
    assert found["headers"]["Mpflow-Error"].startswith("InvalidSaleEvent: return ")
    assert db("SELECT qty_returned FROM inventory.sale_lines") == [{"qty_returned": 0}]
    assert published(db, "inventory.cogs.adjusted") == []


def _again(event: Envelope) -> Envelope:
    """The same business event republished under a new event id (the inbox cannot tell)."""
    return new_event(event.type, event.data, user_id=ALICE_ID, source="finance")


def test_a_return_republished_under_a_new_event_id_applies_once(
    inventory_url: str, jetstream: Any, db: Db, database_url: str
) -> None:
    card = add_card(db)
    lot = add_lot(database_url, card, 2, "200.00", T0)
    sale = sale_event(card, 4)  # 2 costed, 2 pending
    deliver(jetstream, sale)
    line_id = sale.data["lines"][0]["line_id"]
    restock = returned_event(sale, "restock", 1)  # comes off the pending units
    defect = returned_event(sale, "defect", 1)

    deliver(jetstream, restock, _again(restock), defect, _again(defect))

    line = line_of(db, line_id)
    assert (line["qty_pending"], line["qty_returned"]) == (1, 2)
    assert lot_of(db, lot) == (0, D("0.00"))
    assert len(published(db, "inventory.loss.accrued")) == 1
    assert_reconciles(db, card)


def test_a_sale_with_returns_cannot_be_cancelled(
    inventory_url: str, jetstream: Any, db: Db, database_url: str
) -> None:
    card = add_card(db)
    lot = add_lot(database_url, card, 5, "500.00", T0)
    sale = sale_event(card, 2)
    deliver(jetstream, sale, returned_event(sale, "defect", 1))

    with pytest.raises(InvalidSaleEvent):
        in_tx(
            database_url,
            lambda tx: cancel_sale(
                tx, ALICE_ID, SaleCancelled.model_validate(cancelled_event(sale).data)
            ),
        )

    assert lot_of(db, lot) == (3, D("300.00"))  # the defective unit stays out of stock
    assert line_of(db, sale.data["lines"][0]["line_id"])["status"] == "active"
