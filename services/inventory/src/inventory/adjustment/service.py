"""Use cases of stock operations: initial balance, adjustments, write-offs, stocktakes and
transfers (DOMAIN.md §5, §6). One transaction each; cards are locked first (lot/repository).

Every − consumes the card's lots FIFO and books `inventory.loss.accrued` at that cost; every
+ makes a lot (`inventory.lot.received`) at the given or the weighted-average unit cost and
lets pending sales take it. Lots are not per location, so a − needs both: the card's FIFO
stock (Σ lot remaining) and the location's balance must hold the units (422 otherwise), which
keeps every location's ledger balance ≥ 0 and Σ lot remaining = Σ ledger quantity. A − costs
the card-wide FIFO value, so a location it empties may still hold value: `ledger.record()`
moves that to the locations still holding units (Σ balance value = Σ lot value).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from inventory.adjustment.model import count_differences, transfer_value
from inventory.adjustment.schemas import (
    AdjustmentCreate,
    InitialBalanceCreate,
    InitialBalanceRead,
    LotPart,
    StockOperationRead,
    StocktakeCreate,
    StocktakeLineRead,
    StocktakeRead,
    TransferCreate,
    TransferRead,
    WriteOffCreate,
)
from inventory.costing.fifo import adjustment_value, average_unit_cost, consume
from inventory.errors import UnknownCard
from inventory.events.published import LOSS_ACCRUED, LOT_RECEIVED, LossAccrued, LotReceived
from inventory.ledger import repository as ledger_repository
from inventory.ledger.repository import Movement, MovementType
from inventory.lot import repository as lot_repository
from inventory.receipt.service import fill_backorders
from inventory.supplier.service import tenant_of
from mpflow_platform.db import Connection, Pool, transaction
from mpflow_platform.events import new_event, outbox
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.problems import Unprocessable
from mpflow_platform.ids import uuid7

SCHEMA = "inventory"
#: Clock skew tolerated for a given occurred_at / counted_at.
FUTURE_SLACK = timedelta(minutes=5)
#: The largest amount a numeric(14,2) column holds.
MAX_VALUE = Decimal("999999999999.99")


class InsufficientStock(Unprocessable):
    error_code = "insufficient_stock"


class UnitCostRequired(Unprocessable):
    error_code = "unit_cost_required"


class InvalidStockOperation(Unprocessable):
    error_code = "invalid_stock_operation"


@dataclass(frozen=True)
class _Op:
    """What every ledger row of one operation shares."""

    tenant: UUID
    ref_id: UUID
    type: MovementType
    location: str
    occurred_at: datetime
    actor: UUID | None
    reason: str | None = None
    note: str | None = None


def _when(given: datetime | None, field: str) -> datetime:
    now = datetime.now(UTC)
    if given is None:
        return now
    if given > now + FUTURE_SLACK:
        raise InvalidStockOperation(
            f"{field} is in the future",
            invalid_params=[{"name": field, "reason": "must not be in the future"}],
        )
    return given


async def _publish(tx: Connection, tenant: UUID, event_type: str, payload: BaseModel) -> None:
    event = new_event(event_type, payload.model_dump(mode="json"), user_id=tenant, source=SCHEMA)
    await outbox.add(tx, schema=SCHEMA, event=event)


async def _lock(tx: Connection, tenant: UUID, card_ids: Sequence[UUID], field: str) -> None:
    """Lock the cards; 422 naming the body fields of cards the tenant does not have."""
    found = await lot_repository.lock_cards(tx, user_id=tenant, card_ids=card_ids)
    missing = [i for i, card in enumerate(card_ids) if card not in found]
    if missing:
        raise UnknownCard(
            "unknown card: sync it from the catalog first",
            invalid_params=[
                {"name": field.format(i=i), "reason": f"no card {card_ids[i]}"} for i in missing
            ],
        )


async def _add_lot(
    tx: Connection, op: _Op, card_id: UUID, qty: int, value: Decimal, source: Any
) -> LotPart:
    """A lot of `qty` units worth `value`, its ledger row and `inventory.lot.received`."""
    if value > MAX_VALUE:
        raise InvalidStockOperation(
            f"a lot worth {value} is more than can be stored: check qty and unit_cost",
            invalid_params=[{"name": "unit_cost", "reason": f"qty × unit_cost > {MAX_VALUE}"}],
        )
    lot = await lot_repository.insert_lot(
        tx,
        id=uuid7(),
        user_id=op.tenant,
        card_id=card_id,
        source=source,
        received_at=op.occurred_at,
        qty=qty,
        value=value,
    )
    movement = Movement(
        id=uuid7(),
        card_id=card_id,
        location=op.location,  # type: ignore[arg-type]  # validated by the schemas
        qty=qty,
        type=op.type,
        ref_type=op.type,
        ref_id=op.ref_id,
        value=value,
        occurred_at=op.occurred_at,
        lot_id=lot["id"],
        actor=op.actor,
        reason=op.reason,
        note=op.note,
    )
    await ledger_repository.record(tx, user_id=op.tenant, movements=[movement])
    event = LotReceived(
        lot_id=lot["id"],
        card_id=card_id,
        source=source,
        qty=qty,
        value=value,
        received_at=op.occurred_at,
        location=op.location,
    )
    await _publish(tx, op.tenant, LOT_RECEIVED, event)
    return LotPart(lot_id=lot["id"], qty=qty, value=value)


async def _add_at_average(
    tx: Connection, op: _Op, card_id: UUID, qty: int, unit_cost: Decimal | None, field: str
) -> LotPart:
    """A + at `unit_cost`, default the weighted-average cost of the card's remaining lots."""
    if unit_cost is None:
        unit_cost = average_unit_cost(
            await lot_repository.open_lots(tx, user_id=op.tenant, card_id=card_id)
        )
    if unit_cost is None:
        raise UnitCostRequired(
            f"card {card_id} has no stock to take an average cost from: give unit_cost",
            invalid_params=[{"name": field, "reason": "required when the card has no stock"}],
        )
    source = "stocktake" if op.type == "stocktake" else "adjustment"
    return await _add_lot(tx, op, card_id, qty, adjustment_value(qty, unit_cost), source)


async def _consume(
    tx: Connection, op: _Op, card_id: UUID, qty: int, field: str
) -> tuple[Decimal, list[LotPart]]:
    """Take `qty` units FIFO (§4a) out of the card's lots and the location; the cost."""
    lots = await lot_repository.open_lots(tx, user_id=op.tenant, card_id=card_id)
    owned = sum(lot.remaining_qty for lot in lots)
    here = await ledger_repository.balances_at(
        tx, user_id=op.tenant, card_ids=[card_id], location=op.location
    )
    at_location = here.get(card_id, (0, Decimal(0)))[0]
    if qty > min(owned, at_location):
        raise InsufficientStock(
            f"cannot take {qty} units of card {card_id}: {at_location} at {op.location}, "
            f"{owned} owned in all",
            invalid_params=[
                {"name": field, "reason": f"at most {max(min(owned, at_location), 0)}"}
            ],
            available_at_location=at_location,
            available=owned,
        )
    taken = consume(lots, qty)
    await lot_repository.save_lots(tx, user_id=op.tenant, lots=taken.lots)
    await ledger_repository.record(
        tx,
        user_id=op.tenant,
        movements=[
            Movement(
                id=uuid7(),
                card_id=card_id,
                location=op.location,  # type: ignore[arg-type]  # validated by the schemas
                qty=-take.qty,
                type=op.type,
                ref_type=op.type,
                ref_id=op.ref_id,
                value=-take.cost,
                occurred_at=op.occurred_at,
                lot_id=take.lot_id,
                actor=op.actor,
                reason=op.reason,
                note=op.note,
            )
            for take in taken.allocations
        ],
    )
    parts = [LotPart(lot_id=t.lot_id, qty=t.qty, value=t.cost) for t in taken.allocations]
    return taken.cost, parts


async def _book_loss(
    tx: Connection, op: _Op, card_id: UUID, qty: int, value: Decimal, reason: Any
) -> None:
    loss = LossAccrued(
        loss_id=uuid7(),
        card_id=card_id,
        reason=reason,
        qty=qty,
        value=value,
        occurred_at=op.occurred_at,
        ref_type=op.type,
        ref_id=op.ref_id,
        cause=op.reason,
    )
    await _publish(tx, op.tenant, LOSS_ACCRUED, loss)


async def initial_balance(
    *, pool: Pool, identity: Identity, data: InitialBalanceCreate
) -> InitialBalanceRead:
    """Onboard existing stock: one lot per line at `round2(qty × unit_cost)` and its ledger
    row; `inventory.lot.received` only — it is not a purchase, not a cash expense (§5)."""
    tenant = tenant_of(identity)
    op = _Op(
        tenant,
        uuid7(),
        "initial_balance",
        data.location,
        _when(data.occurred_at, "occurred_at"),
        identity.account_id,
    )
    cards = [line.card_id for line in data.lines]
    async with transaction(pool, user_id=tenant) as tx:
        await _lock(tx, tenant, cards, "lines.{i}.card_id")
        lots = [
            await _add_lot(
                tx,
                op,
                line.card_id,
                line.qty,
                adjustment_value(line.qty, line.unit_cost),
                "initial_balance",
            )
            for line in data.lines
        ]
        await fill_backorders(tx, tenant, cards, op.ref_id, datetime.now(UTC))
    return InitialBalanceRead(
        id=op.ref_id,
        location=op.location,
        occurred_at=op.occurred_at,
        value=sum((lot.value for lot in lots), Decimal("0.00")),
        lots=lots,
        card_ids=cards,
    )


async def adjust(*, pool: Pool, identity: Identity, data: AdjustmentCreate) -> StockOperationRead:
    """A signed correction: + a lot at the given or average cost (then pending sales may take
    it), − FIFO consumption booked as a loss (reason `adjustment`)."""
    tenant = tenant_of(identity)
    now = datetime.now(UTC)
    # An adjustment's reason is the operator's free text: kept as the rows' note.
    op = _Op(
        tenant, uuid7(), "adjustment", data.location, now, identity.account_id, None, data.reason
    )
    async with transaction(pool, user_id=tenant) as tx:
        await _lock(tx, tenant, [data.card_id], "card_id")
        if data.qty > 0:
            lot = await _add_at_average(tx, op, data.card_id, data.qty, data.unit_cost, "unit_cost")
            await fill_backorders(tx, tenant, [data.card_id], op.ref_id, now)
            value, lots = lot.value, [lot]
        else:
            cost, lots = await _consume(tx, op, data.card_id, -data.qty, "qty")
            await _book_loss(tx, op, data.card_id, -data.qty, cost, "adjustment")
            value = -cost
    return StockOperationRead(
        id=op.ref_id,
        type="adjustment",
        card_id=data.card_id,
        location=op.location,
        qty=data.qty,
        value=value,
        reason=data.reason,
        occurred_at=now,
        lots=lots,
    )


async def write_off(*, pool: Pool, identity: Identity, data: WriteOffCreate) -> StockOperationRead:
    """Units damaged, lost or rejected by the marketplace: FIFO consumption at the location
    and a loss accrual (reason `write_off`) at that cost (§5)."""
    tenant = tenant_of(identity)
    now = datetime.now(UTC)
    op = _Op(
        tenant,
        uuid7(),
        "write_off",
        data.location,
        now,
        identity.account_id,
        data.reason,
        data.note,
    )
    async with transaction(pool, user_id=tenant) as tx:
        await _lock(tx, tenant, [data.card_id], "card_id")
        cost, lots = await _consume(tx, op, data.card_id, data.qty, "qty")
        await _book_loss(tx, op, data.card_id, data.qty, cost, "write_off")
    return StockOperationRead(
        id=op.ref_id,
        type="write_off",
        card_id=data.card_id,
        location=op.location,
        qty=-data.qty,
        value=-cost,
        reason=data.reason,
        note=data.note,
        occurred_at=now,
        lots=lots,
    )


async def stocktake(*, pool: Pool, identity: Identity, data: StocktakeCreate) -> StocktakeRead:
    """The count sets the quantity at the location: each card's difference from the ledger
    at `counted_at` becomes a + (lot at average or given cost) or − (FIFO, loss `stocktake`)
    booked now (§5). Cards counted with no difference are reported and change nothing."""
    tenant = tenant_of(identity)
    now = datetime.now(UTC)
    counted_at = _when(data.counted_at, "counted_at")
    op = _Op(tenant, uuid7(), "stocktake", data.location, now, identity.account_id)
    cards = [line.card_id for line in data.lines]
    report: list[StocktakeLineRead] = []
    async with transaction(pool, user_id=tenant) as tx:
        await _lock(tx, tenant, cards, "lines.{i}.card_id")
        expected = await ledger_repository.quantities_as_of(
            tx, user_id=tenant, card_ids=cards, location=data.location, as_of=counted_at
        )
        diffs = count_differences([(ln.card_id, ln.counted_qty) for ln in data.lines], expected)
        for i, (line, diff) in enumerate(zip(data.lines, diffs, strict=True)):
            value = Decimal("0.00")
            if diff.difference > 0:
                lot = await _add_at_average(
                    tx, op, line.card_id, diff.difference, line.unit_cost, f"lines.{i}.unit_cost"
                )
                value = lot.value
            elif diff.difference < 0:
                qty = -diff.difference
                cost, _ = await _consume(tx, op, line.card_id, qty, f"lines.{i}.counted_qty")
                await _book_loss(tx, op, line.card_id, qty, cost, "stocktake")
                value = -cost
            report.append(
                StocktakeLineRead(
                    card_id=line.card_id,
                    expected_qty=diff.expected_qty,
                    counted_qty=diff.counted_qty,
                    difference=diff.difference,
                    value=value,
                )
            )
        surplus = [d.card_id for d in diffs if d.difference > 0]
        await fill_backorders(tx, tenant, surplus, op.ref_id, now)
    return StocktakeRead(
        id=op.ref_id,
        location=data.location,
        counted_at=counted_at,
        lines=report,
        value=sum((line.value for line in report), Decimal("0.00")),
    )


async def transfer(*, pool: Pool, identity: Identity, data: TransferCreate) -> TransferRead:
    """Move units between locations: two ledger rows (−from, +to) carrying the source
    location's average cost; lots are not touched (they are not per location)."""
    tenant = tenant_of(identity)
    now = datetime.now(UTC)
    ref_id = uuid7()
    async with transaction(pool, user_id=tenant) as tx:
        await _lock(tx, tenant, [data.card_id], "card_id")
        held = await ledger_repository.balances_at(
            tx, user_id=tenant, card_ids=[data.card_id], location=data.from_location
        )
        qty_here, value_here = held.get(data.card_id, (0, Decimal(0)))
        if data.qty > qty_here:
            raise InsufficientStock(
                f"only {qty_here} units of card {data.card_id} are at {data.from_location}",
                invalid_params=[{"name": "qty", "reason": f"at most {max(qty_here, 0)}"}],
                available_at_location=qty_here,
            )
        value = transfer_value(qty_here, value_here, data.qty)
        common: dict[str, Any] = {
            "card_id": data.card_id,
            "type": "transfer",
            "ref_type": "transfer",
            "ref_id": ref_id,
            "occurred_at": now,
            "actor": identity.account_id,
        }
        await ledger_repository.record(
            tx,
            user_id=tenant,
            movements=[
                Movement(
                    id=uuid7(), location=data.from_location, qty=-data.qty, value=-value, **common
                ),
                Movement(
                    id=uuid7(), location=data.to_location, qty=data.qty, value=value, **common
                ),
            ],
        )
    return TransferRead(
        id=ref_id,
        card_id=data.card_id,
        from_location=data.from_location,
        to_location=data.to_location,
        qty=data.qty,
        value=value,
        occurred_at=now,
    )
