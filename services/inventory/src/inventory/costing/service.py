"""Sale costing use cases (DOMAIN.md §4, §4a, §5): FIFO allocation of a recorded sale, the
reversal of a cancelled sale, restocked and defective returns.

Each function runs inside the caller's transaction (the consumer loop's, with the inbox row
and the tenant set), follows the lock order of `inventory/lot/repository.py` (cards
ascending, then lots, then sale lines and allocations), does its arithmetic with the pure
`costing/fifo.py`, stores the result and writes its event into the outbox.

Decisions (also in services/inventory/README.md, "Sale costing"):
- A card inventory has no copy of yet (the sale's event overtook catalog's card event) gets a
  placeholder copy (status `draft`, version 0: hidden from the overview, replaced by the
  first catalog event). Its line is costed like any other: with no lots, fully pending. The
  sale is never lost and never waits on a retry budget.
- A sale line id already costed is skipped (a sale republished under a new event id).
- A cancellation or return of a sale inventory has not costed yet raises `SaleNotCostedYet`:
  retried with back-off (the sale is probably still in flight), dead-lettered after
  `max_deliver`.
- An impossible return (more than sold, a line not of that sale, a cancelled sale) raises
  `InvalidSaleEvent`: nothing is written and the consumer dead-letters it once its
  deliveries run out (the platform loop has no faster path for a permanent error).
- A restocked return takes units off the line's pending quantity first (never costed, so
  nothing to reverse), then puts units back into the lots of the latest allocations first.
- A defective return keeps its COGS (already expensed) and changes no stock; it books the
  loss as an `inventory.loss.accrued` note of value 0.00 (`defect_return`): the loss *is*
  the COGS finance already holds, so no second expense is added.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from uuid import UUID

from inventory.costing import fifo
from inventory.costing import repository as repo
from inventory.costing.fifo import LotState
from inventory.costing.repository import (
    AllocationRow,
    NewAdjustment,
    NewAllocation,
    SaleLineRow,
)
from inventory.events.consumed import SaleCancelled, SaleLine, SaleRecorded, SaleReturned
from inventory.events.published import (
    COGS_ALLOCATED,
    LOSS_ACCRUED,
    AdjustedLine,
    CogsAdjusted,
    CogsAllocated,
    CostedLine,
    LossAccrued,
    LotTake,
)
from inventory.ledger import repository as ledger
from inventory.ledger.repository import Location, Movement
from inventory.lot import repository as lots_repo
from mpflow_platform.db import Connection
from mpflow_platform.ids import uuid7

log = logging.getLogger("inventory.costing")
ZERO = Decimal("0.00")


class InvalidSaleEvent(ValueError):
    """The event contradicts what inventory holds (e.g. returns more than was sold). Not
    retryable in substance: it ends in the dead-letter subject."""


class SaleNotCostedYet(RuntimeError):
    """The sale this event refers to has not been costed yet: retry later."""


def _invalid(message: str, *, sale_id: UUID) -> InvalidSaleEvent:
    log.error(
        "invalid sale event, will be dead-lettered: %s", message, extra={"sale_id": str(sale_id)}
    )
    return InvalidSaleEvent(message)


async def allocate_sale(tx: Connection, user_id: UUID, event: SaleRecorded) -> CogsAllocated | None:
    """Cost a recorded sale FIFO; publish `inventory.cogs.allocated` for its new lines.

    None when every line was costed before (no second effect). One implementation: the
    batch of one sale (`allocate_sales`)."""
    (result,) = await allocate_sales(tx, user_id, [event])
    return result


class _Costing:
    """The rows FIFO costing of sales writes, accumulated over one or many sales."""

    def __init__(self) -> None:
        self.rows: list[SaleLineRow] = []
        self.allocations: list[NewAllocation] = []
        self.movements: list[Movement] = []

    def cost(
        self,
        event: SaleRecorded,
        lines: Sequence[SaleLine],
        open_by_card: dict[UUID, list[LotState[UUID]]],
        changed: dict[UUID, LotState[UUID]],
    ) -> CogsAllocated:
        """`fifo.consume` for each line, in order, from `open_by_card` (each card's open lots
        in FIFO order, at least as many as the units still to take; updated in place, as is
        `changed`, the lots touched as they are now)."""
        costed: list[CostedLine] = []
        for line in lines:
            location = event.location_of(line)
            open_lots = open_by_card[line.card_id]
            used = fifo.consume(open_lots, line.qty)
            open_by_card[line.card_id] = [
                lot for lot in used.lots if lot.remaining_qty > 0
            ] + open_lots[len(used.lots) :]
            changed.update((lot.lot_id, lot) for lot in used.lots)
            self.rows.append(
                SaleLineRow(
                    id=line.line_id,
                    sale_id=event.sale_id,
                    card_id=line.card_id,
                    location=location,
                    qty=line.qty,
                    qty_pending=used.pending,
                    qty_returned=0,
                    occurred_at=event.occurred_at,
                    status="active",
                )
            )
            for take in used.allocations:
                self.allocations.append(
                    NewAllocation(uuid7(), line.line_id, take.lot_id, take.qty, take.cost)
                )
                self.movements.append(
                    Movement(
                        id=uuid7(),
                        card_id=line.card_id,
                        location=location,
                        qty=-take.qty,
                        type="sale",
                        ref_type="sale_line",
                        ref_id=line.line_id,
                        value=-take.cost,
                        occurred_at=event.occurred_at,
                        lot_id=take.lot_id,
                    )
                )
            costed.append(
                CostedLine(
                    sale_line_id=line.line_id,
                    card_id=line.card_id,
                    qty=line.qty,
                    qty_filled=used.filled,
                    qty_pending=used.pending,
                    cost=used.cost if used.allocations else ZERO,
                    lots=[
                        LotTake(lot_id=t.lot_id, qty=t.qty, cost=t.cost) for t in used.allocations
                    ],
                )
            )
        return CogsAllocated(sale_id=event.sale_id, occurred_at=event.occurred_at, lines=costed)


async def allocate_sales(
    tx: Connection, user_id: UUID, events: Sequence[SaleRecorded]
) -> list[CogsAllocated | None]:
    """`allocate_sale` for many sales of one tenant in one pass, with the same result as
    costing them one after another in this order (the batch consumer's handler).

    Locks every card of the batch once (ascending), reads their open lots once (at most the
    batch's units per card, through `lots_fifo_idx`), runs `fifo.consume` in memory in event
    order, then writes all lines, allocations, lots, ledger rows and balances and one
    `inventory.cogs.allocated` per sale with new lines, in a handful of multi-row statements.
    A sale with a line id twice raises `InvalidSaleEvent` (the whole batch fails and the
    consumer falls back to one by one, where only that sale fails)."""
    for event in events:
        ids = [line.line_id for line in event.lines]
        if len(set(ids)) != len(ids):
            raise _invalid("a sale line id appears twice in the sale", sale_id=event.sale_id)
    card_ids = {line.card_id for event in events for line in event.lines}
    locked, done = await repo.lock_cards_and_find_lines(
        tx,
        user_id=user_id,
        card_ids=card_ids,
        line_ids=[line.line_id for event in events for line in event.lines],
    )
    if missing := card_ids - locked:
        await repo.ensure_cards(tx, user_id=user_id, card_ids=missing)
        await lots_repo.lock_cards(tx, user_id=user_id, card_ids=missing)
    todo: list[tuple[SaleRecorded, list[SaleLine]]] = []
    need: dict[UUID, int] = defaultdict(int)
    for event in events:
        lines = [line for line in event.lines if line.line_id not in done]
        done.update(line.line_id for line in lines)  # a later copy of the line is skipped
        todo.append((event, lines))
        for line in lines:
            need[line.card_id] += line.qty
    open_by_card = await repo.open_lots_of_cards(tx, user_id=user_id, need=need) if need else {}
    changed: dict[UUID, LotState[UUID]] = {}
    costing = _Costing()
    results: list[CogsAllocated | None] = []
    for event, lines in todo:
        if not lines:
            log.info("sale already costed", extra={"sale_id": str(event.sale_id)})
            results.append(None)
            continue
        results.append(costing.cost(event, lines, open_by_card, changed))
    await repo.store_sales(
        tx,
        user_id=user_id,
        lines=costing.rows,
        allocations=costing.allocations,
        lots=list(changed.values()),
        movements=costing.movements,
        event_type=COGS_ALLOCATED,
        datas=[r.model_dump(mode="json") for r in results if r is not None],
    )
    # As ledger.record does for one sale: a location the batch emptied keeps no value.
    await ledger.settle_emptied(
        tx, user_id=user_id, card_ids=sorted({m.card_id for m in costing.movements})
    )
    return results


async def _lock_sale(tx: Connection, user_id: UUID, sale_id: UUID) -> list[SaleLineRow]:
    card_ids = await repo.sale_card_ids(tx, user_id=user_id, sale_id=sale_id)
    if not card_ids:
        raise SaleNotCostedYet(f"sale {sale_id} has not been costed by inventory yet")
    await lots_repo.lock_cards(tx, user_id=user_id, card_ids=card_ids)
    return await repo.sale_lines_of(tx, user_id=user_id, sale_id=sale_id)


class _PutBack:
    """Units and value going back into lots (cancellations, restocked returns)."""

    def __init__(self, lots: dict[UUID, LotState[UUID]]) -> None:
        self.lots = lots
        self.changed: dict[UUID, LotState[UUID]] = {}
        self.allocations: list[AllocationRow] = []

    def take_back(self, allocation: AllocationRow, qty: int) -> Decimal:
        """Return `qty` units of the allocation to its lot (§4a); the value put back."""
        value = fifo.restock_return(allocation.qty, allocation.cost, qty)
        lot = self.lots[allocation.lot_id]
        lot = replace(
            lot,
            remaining_qty=lot.remaining_qty + qty,
            remaining_value=lot.remaining_value + value,
        )
        self.lots[lot.lot_id] = self.changed[lot.lot_id] = lot
        self.allocations.append(
            replace(allocation, qty=allocation.qty - qty, cost=allocation.cost - value)
        )
        return value

    async def save(self, tx: Connection, user_id: UUID) -> None:
        await lots_repo.save_lots(tx, user_id=user_id, lots=list(self.changed.values()))
        await repo.set_allocations(tx, user_id=user_id, allocations=self.allocations)


async def cancel_sale(tx: Connection, user_id: UUID, event: SaleCancelled) -> CogsAdjusted | None:
    """Reverse every allocation of the sale (units and current cost back into the same lots),
    clear its pending units and mark its lines cancelled (§5). None when already cancelled."""
    lines = [ln for ln in await _lock_sale(tx, user_id, event.sale_id) if ln.status == "active"]
    if not lines:
        log.info("sale already cancelled", extra={"sale_id": str(event.sale_id)})
        return None
    if any(ln.qty_returned for ln in lines):
        # §5: cancellation is before delivery; a sale with returns was delivered (and a
        # defective unit put back into stock would overstate it).
        raise _invalid(
            "a sale with returned units cannot be cancelled: it was delivered",
            sale_id=event.sale_id,
        )
    by_id = {ln.id: ln for ln in lines}
    allocations = [
        a
        for a in await repo.allocations_of_lines(tx, user_id=user_id, line_ids=list(by_id))
        if a.qty > 0
    ]
    put = _PutBack(
        await lots_repo.get_lots(tx, user_id=user_id, lot_ids=[a.lot_id for a in allocations])
    )
    movements: list[Movement] = []
    adjustments: list[NewAdjustment] = []
    takes: dict[UUID, list[LotTake]] = defaultdict(list)
    for a in allocations:
        line = by_id[a.sale_line_id]
        value = put.take_back(a, a.qty)
        movements.append(
            _movement(line, a.lot_id, a.qty, value, "sale_cancelled", "sale_line", line.id, event)
        )
        adjustments.append(
            NewAdjustment(
                uuid7(), line.id, a.id, "sale_cancelled", -value, event.sale_id, event.occurred_at
            )
        )
        takes[line.id].append(LotTake(lot_id=a.lot_id, qty=-a.qty, cost=-value))
    await put.save(tx, user_id)
    await repo.update_sale_lines(
        tx,
        user_id=user_id,
        lines=[replace(ln, qty_pending=0, status="cancelled") for ln in lines],
    )
    await ledger.record(tx, user_id=user_id, movements=movements)
    await repo.insert_adjustments(tx, user_id=user_id, adjustments=adjustments)
    result = _adjusted(
        "sale_cancelled", event.sale_id, event, lines, takes, pending={ln.id: 0 for ln in lines}
    )
    await repo.publish_adjusted(tx, user_id=user_id, event=result)
    return result


async def return_sale(
    tx: Connection, user_id: UUID, event: SaleReturned
) -> CogsAdjusted | list[LossAccrued] | None:
    """A customer return (§5): `restock` puts units back into the lots they came from (latest
    allocation first) and reverses that COGS; `defect` keeps the COGS and stock as they are."""
    lines = {ln.id: ln for ln in await _lock_sale(tx, user_id, event.sale_id)}
    if not await repo.register_return(tx, user_id=user_id, event=event):
        # Already applied (the same return under another event id): no second effect.
        log.info("return already applied", extra={"return_id": str(event.return_id)})
        return None
    asked: dict[UUID, int] = defaultdict(int)
    for item in event.lines:
        asked[item.line_id] += item.qty
    for line_id, qty in asked.items():
        line = lines.get(line_id)
        if line is None:
            raise _invalid(
                f"line {line_id} is not a line of sale {event.sale_id}", sale_id=event.sale_id
            )
        if line.status != "active":
            raise _invalid(f"line {line_id} belongs to a cancelled sale", sale_id=event.sale_id)
        if qty > line.qty - line.qty_returned:
            raise _invalid(
                f"return {event.return_id} takes back {qty} units of line {line_id}, but only "
                f"{line.qty - line.qty_returned} of its {line.qty} sold are not returned yet",
                sale_id=event.sale_id,
            )
    if event.kind == "defect":
        return await _defect(tx, user_id, event, lines, asked)

    allocations = await repo.allocations_of_lines(tx, user_id=user_id, line_ids=list(asked))
    put = _PutBack(
        await lots_repo.get_lots(
            tx, user_id=user_id, lot_ids=[a.lot_id for a in allocations if a.qty > 0]
        )
    )
    movements: list[Movement] = []
    adjustments: list[NewAdjustment] = []
    takes: dict[UUID, list[LotTake]] = defaultdict(list)
    updated: list[SaleLineRow] = []
    for line_id, qty in asked.items():
        line = lines[line_id]
        from_pending = min(qty, line.qty_pending)
        rest = qty - from_pending
        for a in reversed([a for a in allocations if a.sale_line_id == line_id and a.qty > 0]):
            if rest == 0:
                break
            units = min(rest, a.qty)
            value = put.take_back(a, units)
            rest -= units
            movements.append(
                _movement(
                    line,
                    a.lot_id,
                    units,
                    value,
                    "return",
                    "sale_return",
                    event.return_id,
                    event,
                    location=event.location,
                )
            )
            adjustments.append(
                NewAdjustment(
                    uuid7(),
                    line.id,
                    a.id,
                    "return_restock",
                    -value,
                    event.return_id,
                    event.occurred_at,
                )
            )
            takes[line.id].append(LotTake(lot_id=a.lot_id, qty=-units, cost=-value))
        if rest:  # qty_returned + pending bookkeeping makes this impossible
            raise _invalid(
                f"line {line_id}: {rest} returned units have no allocation", sale_id=event.sale_id
            )
        updated.append(
            replace(
                line,
                qty_pending=line.qty_pending - from_pending,
                qty_returned=line.qty_returned + qty,
            )
        )
    await put.save(tx, user_id)
    await repo.update_sale_lines(tx, user_id=user_id, lines=updated)
    await ledger.record(tx, user_id=user_id, movements=movements)
    await repo.insert_adjustments(tx, user_id=user_id, adjustments=adjustments)
    result = _adjusted(
        "return_restock",
        event.return_id,
        event,
        updated,
        takes,
        pending={ln.id: ln.qty_pending for ln in updated},
    )
    await repo.publish_adjusted(tx, user_id=user_id, event=result)
    return result


async def _defect(
    tx: Connection,
    user_id: UUID,
    event: SaleReturned,
    lines: dict[UUID, SaleLineRow],
    asked: dict[UUID, int],
) -> list[LossAccrued]:
    updated = [replace(lines[i], qty_returned=lines[i].qty_returned + q) for i, q in asked.items()]
    await repo.update_sale_lines(tx, user_id=user_id, lines=updated)
    notes = []
    for line_id, qty in asked.items():
        note = LossAccrued(
            loss_id=uuid7(),
            card_id=lines[line_id].card_id,
            reason="defect_return",
            qty=qty,
            value=ZERO,
            occurred_at=event.occurred_at,
            ref_type="sale_return",
            ref_id=event.return_id,
        )
        await repo.publish(
            tx, user_id=user_id, event_type=LOSS_ACCRUED, data=note.model_dump(mode="json")
        )
        notes.append(note)
    return notes


def _movement(
    line: SaleLineRow,
    lot_id: UUID,
    qty: int,
    value: Decimal,
    kind: str,
    ref_type: str,
    ref_id: UUID,
    event: SaleCancelled | SaleReturned,
    *,
    location: str | None = None,
) -> Movement:
    where: Location = location or line.location  # type: ignore[assignment]
    return Movement(
        id=uuid7(),
        card_id=line.card_id,
        location=where,
        qty=qty,
        type=kind,  # type: ignore[arg-type]
        ref_type=ref_type,
        ref_id=ref_id,
        value=value,
        occurred_at=event.occurred_at,
        lot_id=lot_id,
    )


def _adjusted(
    reason: str,
    source_id: UUID,
    event: SaleCancelled | SaleReturned,
    lines: Sequence[SaleLineRow],
    takes: dict[UUID, list[LotTake]],
    *,
    pending: dict[UUID, int],
) -> CogsAdjusted:
    adjusted = [
        AdjustedLine(
            sale_id=ln.sale_id,
            sale_line_id=ln.id,
            card_id=ln.card_id,
            amount=sum((t.cost for t in takes.get(ln.id, [])), ZERO),
            qty_filled=0,
            qty_pending=pending[ln.id],
            lots=takes.get(ln.id, []),
        )
        for ln in lines
    ]
    cards = {ln.card_id for ln in lines}
    return CogsAdjusted(
        adjustment_id=uuid7(),
        reason=reason,
        occurred_at=event.occurred_at,
        source_id=source_id,
        amount=sum((a.amount for a in adjusted), ZERO),
        lines=adjusted,
        card_id=next(iter(cards)) if len(cards) == 1 else None,
    )
