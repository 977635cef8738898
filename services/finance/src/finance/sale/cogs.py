"""COGS of sale lines and the P&L's COGS, COGS adjustments and losses, from inventory's
events (docs/events.md; keys and dates: docs/finance.md). Each function runs inside the
consumer's transaction (inbox row, tenant set).

Idempotent twice over: the consumer's inbox drops a redelivered event, and an event
republished under a new id finds its accrual keys taken. A line's columns change only when
its accrual key is new (allocated: only while the line is not costed yet), so the same
costing fact never counts twice; a fill at zero cost still writes its (empty) accrual, so
its key is remembered too.

Order: inventory publishes a sale's `cogs.allocated` before any `cogs.adjusted` of its
lines, but a redelivery may reorder them. An adjustment of a line not costed yet raises
`CostingOutOfOrder`: the consumer retries it (with back-off) after the allocation.

Events about sales or lines finance does not know are logged and skipped: the consumer must
not stop on them.

Lock order (as the API's cancellations and returns): the sales' rows by id, then their lines.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from uuid import UUID

from finance.accrual import repository as accrual_repository
from finance.accrual.repository import Accrual
from finance.events.consumed import CogsAdjusted, CogsAllocated, LossAccrued
from finance.sale import repository
from mpflow_platform.db import Connection

log = logging.getLogger("finance.sale.cogs")
ZERO = Decimal("0.00")


class CostingOutOfOrder(RuntimeError):
    """An adjustment of a sale line arrived before the line's first costing: retried."""


async def apply_allocated(tx: Connection, *, user_id: UUID, event: CogsAllocated) -> None:
    """First costing of a sale: each line's COGS, costed and pending units; a `cogs` accrual
    per line (−cost, dated the sale); the sale's COGS status."""
    await repository.lock_sales(tx, user_id=user_id, sale_ids=[event.sale_id])
    known = await repository.lines_by_id(
        tx, user_id=user_id, line_ids=[ln.sale_line_id for ln in event.lines]
    )
    lines = []
    for line in event.lines:
        row = known.get(line.sale_line_id)
        if row is None or row["sale_id"] != event.sale_id:
            log.warning(
                "COGS of an unknown sale line skipped",
                extra={"sale_id": str(event.sale_id), "sale_line_id": str(line.sale_line_id)},
            )
            continue
        if not row["costed"]:
            lines.append(line)
    if not lines:
        return
    await repository.set_allocated(
        tx,
        user_id=user_id,
        lines=[(ln.sale_line_id, ln.qty_filled, ln.qty_pending, ln.cost) for ln in lines],
    )
    await accrual_repository.add(
        tx,
        user_id=user_id,
        accruals=[
            Accrual(
                f"cogs:{ln.sale_line_id}",
                event.occurred_at,
                "cogs",
                ZERO - ln.cost,
                "inventory",
                card_id=known[ln.sale_line_id]["card_id"],
                sale_id=event.sale_id,
                sale_line_id=ln.sale_line_id,
            )
            for ln in lines
        ],
    )
    await repository.refresh_cogs_status(tx, user_id=user_id, sale_ids=[event.sale_id])


async def apply_adjusted(tx: Connection, *, user_id: UUID, event: CogsAdjusted) -> None:
    """A COGS change dated now: per line its COGS, costed and pending units change and a
    `cogs_adjustment` accrual (−amount) is written; the part no sale line took is an
    `unattributed` accrual of the event's card; the sales' COGS statuses follow."""
    await repository.lock_sales(tx, user_id=user_id, sale_ids=[ln.sale_id for ln in event.lines])
    known = await repository.lines_by_id(
        tx, user_id=user_id, line_ids=[ln.sale_line_id for ln in event.lines]
    )
    prefix = f"cogsadj:{event.adjustment_id}"
    keys = {ln.sale_line_id: f"{prefix}:{ln.sale_line_id}" for ln in event.lines}
    unattributed_key = f"{prefix}:unattributed"
    taken = await repository.existing_keys(
        tx, user_id=user_id, keys=[*keys.values(), unattributed_key]
    )
    lines = []
    for line in event.lines:
        row = known.get(line.sale_line_id)
        if row is None or row["sale_id"] != line.sale_id:
            log.warning(
                "COGS adjustment of an unknown sale line skipped",
                extra={"sale_id": str(line.sale_id), "sale_line_id": str(line.sale_line_id)},
            )
        elif not row["costed"]:
            raise CostingOutOfOrder(
                f"COGS adjustment {event.adjustment_id} of sale line {line.sale_line_id} "
                "arrived before the line's allocation; it will be retried"
            )
        elif keys[line.sale_line_id] not in taken:
            lines.append(line)
    accruals = [
        Accrual(
            keys[ln.sale_line_id],
            event.occurred_at,
            "cogs_adjustment",
            ZERO - ln.amount,
            "inventory",
            card_id=ln.card_id,
            sale_id=ln.sale_id,
            sale_line_id=ln.sale_line_id,
            description=event.reason,
        )
        for ln in lines
        # A line this adjustment neither costs nor fills leaves no trace (nothing to count
        # twice); a fill at zero cost keeps its empty row, so a republished one is seen.
        if ln.amount != 0 or ln.qty_filled != 0
    ]
    # What no known line took: inventory's unattributed part, and lines finance does not
    # know (logged above): booked here so the P&L keeps every kopeck inventory booked.
    rest = event.amount - sum(
        (
            ln.amount
            for ln in event.lines
            if ln.sale_line_id in known and known[ln.sale_line_id]["sale_id"] == ln.sale_id
        ),
        ZERO,
    )
    if rest != 0 and unattributed_key not in taken:
        accruals.append(
            Accrual(
                unattributed_key,
                event.occurred_at,
                "cogs_adjustment",
                ZERO - rest,
                "inventory",
                card_id=event.card_id,
                description=f"{event.reason}: not attributed to a sale",
            )
        )
    await accrual_repository.add(tx, user_id=user_id, accruals=accruals, keep_empty=True)
    if lines:
        await repository.add_adjusted(
            tx,
            user_id=user_id,
            lines=[(ln.sale_line_id, ln.qty_filled, ln.qty_pending, ln.amount) for ln in lines],
        )
        await repository.refresh_cogs_status(
            tx, user_id=user_id, sale_ids=[ln.sale_id for ln in lines]
        )


async def apply_loss(tx: Connection, *, user_id: UUID, event: LossAccrued) -> None:
    """Stock lost at its FIFO cost: a `loss` accrual (−value, units lost). A loss of value 0
    (a defective return, whose cost is the COGS already booked) writes nothing."""
    if event.value == 0:
        return
    reason = event.reason if event.cause is None else f"{event.reason}: {event.cause}"
    await accrual_repository.add(
        tx,
        user_id=user_id,
        accruals=[
            Accrual(
                f"loss:{event.loss_id}",
                event.occurred_at,
                "loss",
                ZERO - event.value,
                "inventory",
                qty=event.qty,
                card_id=event.card_id,
                description=reason,
            )
        ],
    )
