"""Late values (DOMAIN.md §4a, §5): a value added to a supplier order line after its goods were
received — a late charge, or the value of missing units redistributed over the line. Units
still on hand carry their part in their lots' remaining value; units already sold get a COGS
adjustment dated now, attributed to the sales that consumed them. Closed periods stay as
they are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from inventory.costing import fifo
from inventory.costing import repository as repo
from inventory.costing.repository import NewAdjustment
from inventory.events.published import AdjustedLine, CogsAdjusted, LotTake
from inventory.ledger import repository as ledger_repo
from inventory.lot import repository as lots_repo
from mpflow_platform.db import Connection
from mpflow_platform.ids import uuid7

ZERO = Decimal("0.00")


class NoLotsForLine(ValueError):
    """The order line has no lots yet: add the value to its landed value instead."""


async def apply_late_value(
    tx: Connection,
    *,
    user_id: UUID,
    order_line_id: UUID,
    value: Decimal,
    reason: Literal["late_charge", "shortage"],
    source_id: UUID,
    occurred_at: datetime,
) -> None:
    """Spread `value` (base currency, kopecks, signed) over the line's lots (§4a).

    Per lot: the on-hand part raises its remaining value; the consumed part is split over
    the lot's allocations by their open quantity (not returned) and added to their cost,
    with a `reason` adjustment each; a consumed part no open allocation can take (e.g. every
    unit came back) is booked as one `unattributed` adjustment of the lot. One
    `inventory.cogs.adjusted` carries it (`amount` = the consumed total, attributed lines
    plus unattributed); nothing is published when no part was consumed.
    Raises NoLotsForLine when nothing of the line was received.

    No unit moves, so no ledger row: the card's balance value moves by the on-hand part
    (`ledger.revalue`), so Σ lot remaining value = Σ balance value keeps holding. Lots of
    unreceived receipts (emptied) take no part.
    """
    if value == 0:
        return
    card_id = await tx.fetchval(
        "SELECT card_id FROM inventory.supplier_order_lines WHERE user_id = $1 AND id = $2",
        user_id,
        order_line_id,
    )
    if card_id is None:
        raise NoLotsForLine(f"order line {order_line_id} does not exist")
    await lots_repo.lock_cards(tx, user_id=user_id, card_ids=[card_id])
    rows = await lots_repo.lots_of_line_for_update(tx, user_id=user_id, order_line_id=order_line_id)
    lots = [lots_repo.lot_state(r) for r in rows]
    if not lots:
        raise NoLotsForLine(f"order line {order_line_id} has no lots: nothing was received")
    open_allocations = await repo.open_allocations_of_lots(
        tx, user_id=user_id, lot_ids=[lot.lot_id for lot in lots]
    )
    per_lot: dict[UUID, list[tuple[UUID, int]]] = defaultdict(list)
    line_of: dict[UUID, tuple[UUID, UUID]] = {}
    pending: dict[UUID, int] = {}
    for allocation, sale_id, qty_pending in open_allocations:
        per_lot[allocation.lot_id].append((allocation.id, allocation.qty))
        line_of[allocation.id] = (allocation.sale_line_id, sale_id)
        pending[allocation.sale_line_id] = qty_pending

    split = fifo.split_late_value(value, lots, per_lot)

    by_id = {lot.lot_id: lot for lot in lots}
    await lots_repo.save_lots(
        tx,
        user_id=user_id,
        lots=[
            replace(
                by_id[part.lot_id],
                remaining_value=by_id[part.lot_id].remaining_value + part.on_hand,
            )
            for part in split.lots
            if part.on_hand
        ],
    )
    # No unit moves, so no ledger row; the balances' value follows the lots' (Σ lot remaining
    # value = Σ balance value, checked by the reconciliation).
    await ledger_repo.revalue(tx, user_id=user_id, card_id=card_id, value=split.on_hand)
    attributed = [p for p in split.allocations if p.amount]
    await repo.add_allocation_costs(
        tx, user_id=user_id, amounts=[(p.allocation_id, p.amount) for p in attributed]
    )
    adjustments = [
        NewAdjustment(
            uuid7(),
            line_of[p.allocation_id][0],
            p.allocation_id,
            reason,
            p.amount,
            source_id,
            occurred_at,
        )
        for p in attributed
    ] + [
        NewAdjustment(
            uuid7(), None, None, "unattributed", part.unattributed, source_id, occurred_at
        )
        for part in split.lots
        if part.unattributed
    ]
    await repo.insert_adjustments(tx, user_id=user_id, adjustments=adjustments)
    if not split.consumed:
        return

    takes: dict[UUID, list[LotTake]] = defaultdict(list)
    for p in attributed:
        takes[line_of[p.allocation_id][0]].append(LotTake(lot_id=p.lot_id, qty=0, cost=p.amount))
    sale_of = dict(line_of.values())
    await repo.publish_adjusted(
        tx,
        user_id=user_id,
        event=CogsAdjusted(
            adjustment_id=uuid7(),
            reason=reason,
            occurred_at=occurred_at,
            source_id=source_id,
            amount=split.consumed,
            lines=[
                AdjustedLine(
                    sale_id=sale_of[line_id],
                    sale_line_id=line_id,
                    card_id=card_id,
                    amount=sum((t.cost for t in line_takes), ZERO),
                    qty_pending=pending[line_id],
                    lots=line_takes,
                )
                for line_id, line_takes in takes.items()
            ],
            card_id=card_id,
        ),
    )
