"""Use cases of receipts: receive goods of a supplier order, list and unreceive receipts.

One transaction each; lock order (lot/repository.py): the order's cards (ascending), then
the order, then its lines, then lots (FIFO), then sale lines. Events go through the outbox
in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from inventory.errors import SupplierOrderNotFound
from inventory.events.published import (
    LOSS_ACCRUED,
    LOT_RECEIVED,
    PURCHASE_RECEIVED,
    PURCHASE_UNRECEIVED,
    LossAccrued,
    LotReceived,
    PurchaseLine,
    PurchaseReceived,
    PurchaseUnreceived,
)
from inventory.ledger import repository as ledger_repository
from inventory.ledger.repository import Movement
from inventory.lot import repository as lot_repository
from inventory.receipt import repository
from inventory.receipt.model import (
    RECEIVABLE,
    ReceiptPlan,
    ReceiptRejected,
    Shortage,
    order_status,
    plan_receipt,
    unreceived_lines,
)
from inventory.receipt.schemas import (
    ReceiptCreate,
    ReceiptLot,
    ReceiptRead,
    ReceiveResult,
    ShortageRead,
    UnreceiveResult,
)
from inventory.supplier.service import tenant_of
from mpflow_platform.db import Connection, Pool, transaction
from mpflow_platform.events import new_event, outbox
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.pagination import Page, PageQuery, next_cursor
from mpflow_platform.http.problems import Conflict, NotFound, Unprocessable
from mpflow_platform.ids import uuid7

SCHEMA = "inventory"


class ReceiptNotFound(NotFound):
    error_code = "receipt_not_found"


class OrderNotReceivable(Conflict):
    error_code = "order_not_receivable"


class InvalidReceipt(Unprocessable):
    error_code = "invalid_receipt"


class ReceiptConsumed(Conflict):
    """Units of the receipt's lots were sold, written off or re-valued: it cannot be undone."""

    error_code = "receipt_consumed"


class ReceiptNotReversible(Conflict):
    error_code = "receipt_not_reversible"


async def _publish(tx: Connection, tenant: UUID, event_type: str, payload: BaseModel) -> None:
    event = new_event(event_type, payload.model_dump(mode="json"), user_id=tenant, source=SCHEMA)
    await outbox.add(tx, schema=SCHEMA, event=event)


RECEIPT_FIELDS = (
    "id",
    "order_id",
    "location",
    "received_at",
    "note",
    "actor",
    "created_at",
    "reversed_at",
)


def _receipt_read(row: dict[str, Any], lots: Sequence[dict[str, Any]]) -> ReceiptRead:
    return ReceiptRead(
        **{k: row[k] for k in RECEIPT_FIELDS},
        value=sum((lot["initial_value"] for lot in lots), Decimal("0.00")),
        lots=[
            ReceiptLot(
                lot_id=lot["id"],
                order_line_id=lot["order_line_id"],
                card_id=lot["card_id"],
                qty=lot["initial_qty"],
                value=lot["initial_value"],
                remaining_qty=lot["remaining_qty"],
                remaining_value=lot["remaining_value"],
            )
            for lot in lots
        ],
    )


def _rejected(exc: ReceiptRejected) -> InvalidReceipt:
    over = all("over-receipt" in reason for _, reason in exc.problems)
    return InvalidReceipt(
        f"the receipt cannot be booked: {exc}",
        error_code="over_receipt" if over else None,
        invalid_params=[{"name": name, "reason": reason} for name, reason in exc.problems],
    )


async def _locked_order(tx: Connection, tenant: UUID, order_id: UUID) -> dict[str, Any]:
    order = await repository.get_order_for_update(tx, user_id=tenant, order_id=order_id)
    if order is None:
        raise SupplierOrderNotFound(f"supplier order {order_id} not found")
    return order


async def receive(
    *, pool: Pool, identity: Identity, order_id: UUID, data: ReceiptCreate
) -> ReceiveResult:
    """Book units of an order that arrived: one lot per line, ledger +qty at the location,
    `inventory.lot.received` per lot and `inventory.purchase.received`; `close` settles the
    shortage by the order's policy (DOMAIN.md §3, §4a)."""
    tenant = tenant_of(identity)
    if not data.lines and not data.close:
        raise InvalidReceipt(
            "name the lines that arrived, or close the order",
            invalid_params=[{"name": "lines", "reason": "no lines and close is false"}],
        )
    now = datetime.now(UTC)
    received_at = data.received_at or now
    if received_at > now + timedelta(minutes=5):
        raise InvalidReceipt(
            "received_at is in the future",
            invalid_params=[{"name": "received_at", "reason": "must not be in the future"}],
        )
    async with transaction(pool, user_id=tenant) as tx:
        cards = await repository.order_card_ids(tx, user_id=tenant, order_id=order_id)
        await lot_repository.lock_cards(tx, user_id=tenant, card_ids=cards)
        order = await _locked_order(tx, tenant, order_id)
        if order["status"] not in RECEIVABLE:
            raise OrderNotReceivable(
                f"the order is {order['status']}: only ordered, in-transit or partially "
                "received orders take receipts",
                order_status=order["status"],
            )
        lines = await repository.lines_for_update(tx, user_id=tenant, order_id=order_id)
        try:
            plan = plan_receipt(
                lines, [(line.order_line_id, line.qty) for line in data.lines], close=data.close
            )
        except ReceiptRejected as exc:
            raise _rejected(exc) from None
        if data.close and not any(line.qty_received for line in plan.lines_after):
            raise OrderNotReceivable(
                "nothing of this order has been received: cancel it rather than close it",
                order_status=order["status"],
            )
        receipt = await repository.insert_receipt(
            tx,
            id=uuid7(),
            user_id=tenant,
            order_id=order_id,
            location=data.location,
            received_at=received_at,
            note=data.note,
            actor=identity.account_id,
        )
        lots = await _book_lots(tx, tenant, identity, order, receipt, plan)
        await repository.update_lines(tx, user_id=tenant, lines=plan.lines_after)
        shortages = await _settle(tx, tenant, order, plan.shortages, receipt["id"], now)
        status = order_status(plan.lines_after, closed=data.close, before=order["status"])
        await repository.update_order_status(
            tx,
            user_id=tenant,
            order_id=order_id,
            status=status,
            closed_at=now if data.close else order["closed_at"],
        )
        await fill_backorders(tx, tenant, [lot["card_id"] for lot in lots], receipt["id"], now)
        # Re-read: pending sales may just have taken units of the new lots.
        lots = await lot_repository.lots_of_receipt_for_update(
            tx, user_id=tenant, receipt_id=receipt["id"]
        )
    read = _receipt_read(receipt, lots)
    return ReceiveResult(**read.model_dump(), order_status=status, shortages=shortages)


async def _book_lots(
    tx: Connection,
    tenant: UUID,
    identity: Identity,
    order: dict[str, Any],
    receipt: dict[str, Any],
    plan: ReceiptPlan,
) -> list[dict[str, Any]]:
    """Insert the plan's lots and their ledger rows; announce them and the purchase."""
    lots = [
        await lot_repository.insert_lot(
            tx,
            id=uuid7(),
            user_id=tenant,
            card_id=lot.card_id,
            source="receipt",
            received_at=receipt["received_at"],
            qty=lot.qty,
            value=lot.value,
            receipt_id=receipt["id"],
            order_line_id=lot.order_line_id,
        )
        for lot in plan.lots
    ]
    await ledger_repository.record(
        tx,
        user_id=tenant,
        movements=[
            Movement(
                id=uuid7(),
                card_id=lot["card_id"],
                location=receipt["location"],
                qty=lot["initial_qty"],
                type="receipt",
                ref_type="receipt",
                ref_id=receipt["id"],
                value=lot["initial_value"],
                occurred_at=receipt["received_at"],
                lot_id=lot["id"],
                actor=identity.account_id,
            )
            for lot in lots
        ],
    )
    for lot in lots:
        await _publish(
            tx,
            tenant,
            LOT_RECEIVED,
            LotReceived(
                lot_id=lot["id"],
                card_id=lot["card_id"],
                source="receipt",
                qty=lot["initial_qty"],
                value=lot["initial_value"],
                received_at=lot["received_at"],
                location=receipt["location"],
                order_id=order["id"],
                order_line_id=lot["order_line_id"],
                receipt_id=receipt["id"],
            ),
        )
    if lots:
        await _publish(
            tx,
            tenant,
            PURCHASE_RECEIVED,
            PurchaseReceived(
                receipt_id=receipt["id"],
                order_id=order["id"],
                supplier_id=order["supplier_id"],
                received_at=receipt["received_at"],
                value=plan.value,
                lines=[
                    PurchaseLine(
                        order_line_id=lot.order_line_id,
                        card_id=lot.card_id,
                        qty=lot.qty,
                        value=lot.value,
                    )
                    for lot in plan.lots
                ],
            ),
        )
    return lots


async def _settle(
    tx: Connection,
    tenant: UUID,
    order: dict[str, Any],
    shortages: Sequence[Shortage],
    receipt_id: UUID,
    now: datetime,
) -> list[ShortageRead]:
    """Settle each short line of a closed order (§3). `redistribute` spreads the missing
    value over the line's lots like a late charge (§5); a line of which nothing arrived has
    no lot to carry it, so its value is written off like `write_off` (a loss accrual)."""
    settled: list[ShortageRead] = []
    for shortage in shortages:
        by_lots = order["shortage_policy"] == "redistribute" and shortage.has_lots
        if shortage.value and by_lots:
            await _redistribute(tx, tenant, shortage, receipt_id, now)
        elif shortage.value:
            loss = LossAccrued(
                loss_id=uuid7(),
                card_id=shortage.card_id,
                reason="shortage",
                qty=shortage.qty,
                value=shortage.value,
                occurred_at=now,
                ref_type="receipt",
                ref_id=receipt_id,
            )
            await _publish(tx, tenant, LOSS_ACCRUED, loss)
        settled.append(
            ShortageRead(
                order_line_id=shortage.order_line_id,
                card_id=shortage.card_id,
                qty=shortage.qty,
                value=shortage.value,
                settled_by="redistribute" if by_lots else "write_off",
            )
        )
    return settled


async def _redistribute(
    tx: Connection, tenant: UUID, shortage: Shortage, receipt_id: UUID, now: datetime
) -> None:
    """Spread the missing value over the line's lots like a late charge (§5); the part the
    lots still hold moves the card's balance value too (inside `apply_late_value`)."""
    from inventory.costing.late import apply_late_value

    await apply_late_value(
        tx,
        user_id=tenant,
        order_line_id=shortage.order_line_id,
        value=shortage.value,
        reason="shortage",
        source_id=receipt_id,
        occurred_at=now,
    )


async def fill_backorders(
    tx: Connection, tenant: UUID, card_ids: Sequence[UUID], source_id: UUID, now: datetime
) -> None:
    """Let new lots fill sale quantities that waited for stock, oldest sale first (§4)."""
    if not card_ids:
        return
    from inventory.costing.backorders import fill_pending

    await fill_pending(
        tx, user_id=tenant, card_ids=sorted(set(card_ids)), source_id=source_id, occurred_at=now
    )


async def list_receipts(
    *, pool: Pool, identity: Identity, order_id: UUID, page: PageQuery
) -> Page[ReceiptRead]:
    """A page of an order's receipts, oldest first, with their lots (reversed ones
    included)."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        if not await repository.order_exists(tx, user_id=tenant, order_id=order_id):
            raise SupplierOrderNotFound(f"supplier order {order_id} not found")
        rows, total = await repository.list_receipts(
            tx, user_id=tenant, order_id=order_id, limit=page.limit, offset=page.offset
        )
    return Page[ReceiptRead](
        items=[_receipt_read(row, row["lots"]) for row in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )


async def unreceive(
    *, pool: Pool, identity: Identity, order_id: UUID, receipt_id: UUID
) -> UnreceiveResult:
    """Reverse a receipt whose lots are untouched: lots emptied, ledger −qty (`unreceive`),
    the order's received quantities and status rolled back (§3), and
    `inventory.purchase.unreceived` published in the same transaction. 409 naming the sales
    when any unit was consumed: correct with an adjustment instead."""
    tenant = tenant_of(identity)
    now = datetime.now(UTC)
    async with transaction(pool, user_id=tenant) as tx:
        cards = await lot_repository.card_ids_of_receipt(tx, user_id=tenant, receipt_id=receipt_id)
        await lot_repository.lock_cards(tx, user_id=tenant, card_ids=cards)
        order = await _locked_order(tx, tenant, order_id)
        receipt = await repository.get_receipt_for_update(tx, user_id=tenant, receipt_id=receipt_id)
        if receipt is None or receipt["order_id"] != order_id:
            raise ReceiptNotFound(f"receipt {receipt_id} of supplier order {order_id} not found")
        lines = await repository.lines_for_update(tx, user_id=tenant, order_id=order_id)
        _check_reversible(order, receipt, lines)
        lots = await lot_repository.lots_of_receipt_for_update(
            tx, user_id=tenant, receipt_id=receipt_id
        )
        await _check_untouched(tx, tenant, receipt, lots)
        await _reverse_lots(tx, tenant, identity, receipt, lots, now)
        taken: dict[UUID, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
        for lot in lots:
            qty, value = taken[lot["order_line_id"]]
            taken[lot["order_line_id"]] = (qty + lot["initial_qty"], value + lot["initial_value"])
        lines_after = unreceived_lines(lines, taken)
        await repository.update_lines(tx, user_id=tenant, lines=lines_after)
        status = order_status(lines_after, closed=False, before=order["status"])
        await repository.update_order_status(
            tx, user_id=tenant, order_id=order_id, status=status, closed_at=None
        )
        reversed_receipt = await repository.mark_reversed(
            tx, user_id=tenant, receipt_id=receipt_id, at=now
        )
        if lots:
            await _publish(
                tx,
                tenant,
                PURCHASE_UNRECEIVED,
                PurchaseUnreceived(
                    receipt_id=receipt_id,
                    order_id=order_id,
                    supplier_id=order["supplier_id"],
                    occurred_at=now,
                    value=sum((lot["initial_value"] for lot in lots), Decimal("0.00")),
                    lines=[
                        PurchaseLine(
                            order_line_id=lot["order_line_id"],
                            card_id=lot["card_id"],
                            qty=lot["initial_qty"],
                            value=lot["initial_value"],
                        )
                        for lot in lots
                    ],
                ),
            )
        lots_now = await lot_repository.lots_of_receipt_for_update(
            tx, user_id=tenant, receipt_id=receipt_id
        )
    return UnreceiveResult(receipt=_receipt_read(reversed_receipt, lots_now), order_status=status)


def _check_reversible(order: dict[str, Any], receipt: dict[str, Any], lines: Sequence[Any]) -> None:
    if receipt["reversed_at"] is not None:
        raise ReceiptNotReversible(
            f"receipt {receipt['id']} was already unreceived", error_code="receipt_reversed"
        )
    if order["status"] == "cancelled":
        raise ReceiptNotReversible("the order is cancelled", error_code="order_cancelled")
    if order["closed_at"] is not None and any(line.qty_open > 0 for line in lines):
        raise ReceiptNotReversible(
            "the order was closed short and its shortage settled: correct stock with an "
            "adjustment instead",
            error_code="order_closed_short",
        )


async def _check_untouched(
    tx: Connection, tenant: UUID, receipt: dict[str, Any], lots: Sequence[dict[str, Any]]
) -> None:
    """409 unless every lot is as received and every unit is still at the receipt's
    location (units moved elsewhere must be transferred back first)."""
    consumers = await lot_repository.consumers_of(
        tx, user_id=tenant, lot_ids=[lot["id"] for lot in lots]
    )
    touched = [
        str(lot["id"])
        for lot in lots
        if lot["remaining_qty"] != lot["initial_qty"]
        or lot["remaining_value"] != lot["initial_value"]
    ]
    if consumers or touched:
        sale_ids = sorted({str(c["sale_id"]) for c in consumers})
        by = (
            f"sales {', '.join(sale_ids)}" if sale_ids else "write-offs, adjustments or late values"
        )
        raise ReceiptConsumed(
            f"units or value of receipt {receipt['id']} were already used (by {by}): it can no "
            "longer be unreceived; correct the stock with an adjustment instead",
            sale_ids=sale_ids,
            consumed_by=[
                {
                    "sale_id": str(c["sale_id"]),
                    "sale_line_id": str(c["sale_line_id"]),
                    "lot_id": str(c["lot_id"]),
                    "qty": c["qty"],
                }
                for c in consumers
            ],
            touched_lot_ids=touched,
            invalid_params=[{"name": "receipt_id", "reason": f"its lots were consumed by {by}"}],
        )
    need: dict[UUID, int] = defaultdict(int)
    for lot in lots:
        need[lot["card_id"]] += lot["initial_qty"]
    held = await ledger_repository.balances_at(
        tx, user_id=tenant, card_ids=list(need), location=receipt["location"]
    )
    moved = sorted(str(c) for c, qty in need.items() if held.get(c, (0, Decimal(0)))[0] < qty)
    if moved:
        raise ReceiptNotReversible(
            f"units of cards {', '.join(moved)} are no longer all at {receipt['location']}: "
            "transfer them back before unreceiving",
            error_code="receipt_units_moved",
            card_ids=moved,
        )


async def _reverse_lots(
    tx: Connection,
    tenant: UUID,
    identity: Identity,
    receipt: dict[str, Any],
    lots: Sequence[dict[str, Any]],
    now: datetime,
) -> None:
    """Empty the lots (they stay: the ledger references them) and write the negative ledger
    rows, so Σ lot remaining still equals Σ ledger quantity."""
    await lot_repository.save_lots(
        tx,
        user_id=tenant,
        lots=[
            replace(lot_repository.lot_state(lot), remaining_qty=0, remaining_value=Decimal(0))
            for lot in lots
        ],
    )
    await ledger_repository.record(
        tx,
        user_id=tenant,
        movements=[
            Movement(
                id=uuid7(),
                card_id=lot["card_id"],
                location=receipt["location"],
                qty=-lot["initial_qty"],
                type="unreceive",
                ref_type="receipt",
                ref_id=receipt["id"],
                value=-lot["initial_value"],
                occurred_at=now,
                lot_id=lot["id"],
                actor=identity.account_id,
            )
            for lot in lots
        ],
    )
