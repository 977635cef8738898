"""Backorders (DOMAIN.md §4): units sold without stock wait as `sale_lines.qty_pending`; when
lots arrive they are filled oldest sale first and the cost reaches finance as a COGS
adjustment (`inventory.cogs.adjusted`, reason `backorder_filled`), dated when it happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from inventory.costing import fifo
from inventory.costing import repository as repo
from inventory.costing.fifo import LotState
from inventory.costing.repository import NewAdjustment, NewAllocation, SaleLineRow
from inventory.events.published import AdjustedLine, CogsAdjusted, LotTake
from inventory.ledger import repository as ledger
from inventory.ledger.repository import Location, Movement
from inventory.lot import repository as lots_repo
from mpflow_platform.db import Connection
from mpflow_platform.ids import uuid7

ZERO = Decimal("0.00")


async def fill_pending(
    tx: Connection,
    *,
    user_id: UUID,
    card_ids: Sequence[UUID],
    source_id: UUID,
    occurred_at: datetime,
) -> None:
    """Fill the cards' pending sale quantities from their open lots, oldest sale first
    (occurred_at, id), inside the caller's transaction.

    Call it after creating lots (a receipt, a + adjustment or stocktake, an initial balance),
    with `source_id` naming what brought the stock (the receipt, the lot, the adjustment). Per
    card with something filled it writes allocations, `sale` ledger rows at each line's
    location, `backorder_filled` adjustments, and publishes one `inventory.cogs.adjusted`.
    Cards are locked in ascending order (a caller holding their locks already is fine).
    """
    ordered = sorted(set(card_ids))
    await lots_repo.lock_cards(tx, user_id=user_id, card_ids=ordered)
    for card_id in ordered:
        waiting = await repo.pending_lines(tx, user_id=user_id, card_id=card_id)
        if not waiting:
            continue
        lots = await lots_repo.open_lots(
            tx, user_id=user_id, card_id=card_id, limit=sum(ln.qty_pending for ln in waiting)
        )
        if lots:
            await _fill_card(tx, user_id, card_id, waiting, lots, source_id, occurred_at)


async def _fill_card(
    tx: Connection,
    user_id: UUID,
    card_id: UUID,
    waiting: list[SaleLineRow],
    lots: list[LotState[UUID]],
    source_id: UUID,
    occurred_at: datetime,
) -> None:
    changed: dict[UUID, LotState[UUID]] = {}
    allocations: list[NewAllocation] = []
    adjustments: list[NewAdjustment] = []
    movements: list[Movement] = []
    updated: list[SaleLineRow] = []
    lines: list[AdjustedLine] = []
    for line in waiting:
        if not lots:
            break
        used = fifo.consume(lots, line.qty_pending)
        lots = [lot for lot in used.lots if lot.remaining_qty > 0] + lots[len(used.lots) :]
        changed.update((lot.lot_id, lot) for lot in used.lots)
        location: Location = line.location  # type: ignore[assignment]
        for take in used.allocations:
            allocation_id = uuid7()
            allocations.append(
                NewAllocation(allocation_id, line.id, take.lot_id, take.qty, take.cost)
            )
            adjustments.append(
                NewAdjustment(
                    uuid7(),
                    line.id,
                    allocation_id,
                    "backorder_filled",
                    take.cost,
                    source_id,
                    occurred_at,
                )
            )
            movements.append(
                Movement(
                    id=uuid7(),
                    card_id=card_id,
                    location=location,
                    qty=-take.qty,
                    type="sale",
                    ref_type="sale_line",
                    ref_id=line.id,
                    value=-take.cost,
                    occurred_at=occurred_at,
                    lot_id=take.lot_id,
                )
            )
        updated.append(replace(line, qty_pending=used.pending))
        lines.append(
            AdjustedLine(
                sale_id=line.sale_id,
                sale_line_id=line.id,
                card_id=card_id,
                amount=used.cost,
                qty_filled=used.filled,
                qty_pending=used.pending,
                lots=[LotTake(lot_id=t.lot_id, qty=t.qty, cost=t.cost) for t in used.allocations],
            )
        )
    await repo.insert_allocations(tx, user_id=user_id, allocations=allocations)
    await repo.update_sale_lines(tx, user_id=user_id, lines=updated)
    await lots_repo.save_lots(tx, user_id=user_id, lots=list(changed.values()))
    await ledger.record(tx, user_id=user_id, movements=movements)
    await repo.insert_adjustments(tx, user_id=user_id, adjustments=adjustments)
    await repo.publish_adjusted(
        tx,
        user_id=user_id,
        event=CogsAdjusted(
            adjustment_id=uuid7(),
            reason="backorder_filled",
            occurred_at=occurred_at,
            source_id=source_id,
            amount=sum((ln.amount for ln in lines), ZERO),
            lines=lines,
            card_id=card_id,
        ),
    )
