"""Concurrent sales of one card never take the same units (DOMAIN.md §4: FIFO under row
locks): 50 sales of 1 unit against 20 units, each costed by `allocate_sale` in its own
transaction on a real pool at the same time -> exactly 20 filled, 30 pending, no deadlock,
no lot below zero, and the ledger still matches the lots."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from uuid import UUID

from inventory.costing.service import allocate_sale
from inventory.events.consumed import SaleLine, SaleRecorded
from inventory.ledger import repository as ledger
from inventory.ledger.repository import Movement
from inventory.lot import repository as lots_repo
from mpflow_platform.db import create_pool, transaction
from mpflow_platform.ids import uuid7

ALICE_ID = UUID("00000000-0000-7000-8000-00000000a11c")
T0 = datetime(2026, 11, 1, tzinfo=UTC)


async def test_fifty_concurrent_sales_share_twenty_units(
    inventory_url: str, database_url: str
) -> None:
    # inventory_url: the service started, so the database is migrated.
    pool = await create_pool(database_url, application_name="test", max_size=25)
    try:
        cards = [uuid.uuid4(), uuid.uuid4()]
        lots: list[UUID] = []
        async with transaction(pool, user_id=ALICE_ID) as tx:
            for i, card in enumerate(cards):
                await tx.execute(
                    "INSERT INTO inventory.cards (user_id, card_id, sku, title) "
                    "VALUES ($1, $2, $3, 'c')",
                    ALICE_ID,
                    card,
                    f"C-{i}",
                )
            # Card 0: 20 units in three lots; card 1: 10 units (mixed sales lock both).
            for card, qty, value, hours in [
                (cards[0], 7, "70.07", 0),
                (cards[0], 8, "80.00", 1),
                (cards[0], 5, "55.55", 2),
                (cards[1], 10, "10.00", 0),
            ]:
                lot_id = uuid7()
                lots.append(lot_id)
                at = T0 + timedelta(hours=hours)
                await lots_repo.insert_lot(
                    tx, id=lot_id, user_id=ALICE_ID, card_id=card, source="initial_balance",
                    received_at=at, qty=qty, value=D(value),
                )  # fmt: skip
                await ledger.record(
                    tx,
                    user_id=ALICE_ID,
                    movements=[
                        Movement(uuid7(), card, "home", qty, "initial_balance", "lot", lot_id,
                                 D(value), at, lot_id)
                    ],
                )  # fmt: skip

        def sale(i: int) -> SaleRecorded:
            # Every 5th sale also takes a unit of card 1, listed first: locks still go
            # card-ascending whatever the order of the lines.
            lines = [SaleLine(line_id=uuid7(), card_id=cards[0], qty=1, location="home")]
            if i % 5 == 0:
                lines.insert(0, SaleLine(line_id=uuid7(), card_id=cards[1], qty=1))
            return SaleRecorded(
                sale_id=uuid7(), marketplace="manual", occurred_at=T0 + timedelta(days=1),
                lines=lines,
            )  # fmt: skip

        async def cost(event: SaleRecorded) -> None:
            async with transaction(pool, user_id=ALICE_ID) as tx:
                await allocate_sale(tx, ALICE_ID, event)

        await asyncio.wait_for(asyncio.gather(*(cost(sale(i)) for i in range(50))), 60)

        async with transaction(pool, user_id=ALICE_ID) as tx:
            per_line = await tx.fetch(
                "SELECT qty - qty_pending AS filled, qty_pending FROM inventory.sale_lines "
                "WHERE card_id = $1",
                cards[0],
            )
            remaining = await tx.fetch(
                "SELECT remaining_qty, remaining_value FROM inventory.lots WHERE card_id = $1",
                cards[0],
            )
            allocated = await tx.fetchrow(
                "SELECT sum(qty) AS qty, sum(cost) AS cost, count(DISTINCT sale_line_id) AS n "
                "FROM inventory.cogs_allocations a JOIN inventory.lots l ON l.id = a.lot_id "
                "WHERE l.card_id = $1",
                cards[0],
            )
            ledger_qty = await tx.fetchval(
                "SELECT sum(qty) FROM inventory.movements WHERE card_id = $1", cards[0]
            )
            card1 = await tx.fetchrow(
                "SELECT sum(remaining_qty) AS qty FROM inventory.lots WHERE card_id = $1",
                cards[1],
            )
            events = await tx.fetchval(
                "SELECT count(*) FROM inventory.outbox "
                "WHERE subject = 'mpflow.inventory.cogs.allocated'"
            )
    finally:
        await pool.close()

    assert len(per_line) == 50
    assert sum(r["filled"] for r in per_line) == 20
    assert sum(r["qty_pending"] for r in per_line) == 30
    assert (
        sorted((r["filled"], r["qty_pending"]) for r in per_line) == [(0, 1)] * 30 + [(1, 0)] * 20
    )
    assert all(r["remaining_qty"] == 0 and r["remaining_value"] == 0 for r in remaining)
    assert (allocated["qty"], allocated["cost"], allocated["n"]) == (20, D("205.62"), 20)
    assert ledger_qty == 0
    assert card1["qty"] == 0  # its 10 sales took its 10 units
    assert events == 50
