"""Use cases of supplier orders: one transaction each (load → model → save).

Landed cost is computed on the server (`landed_cost.py`, over `costing.landed`) and stored:
every change of lines, rate or charges before any receipt recomputes the whole order; a
charge added once units were received is allocated alone and reaches the received lots.
Reads are assembled in `queries.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from inventory.errors import (
    CardArchived,
    DuplicateOrderNumber,
    InvalidOrder,
    InvalidStatusTransition,
    OrderCancelled,
    OrderNotCancellable,
    OrderNotEditable,
    UnknownCard,
    UnknownSupplier,
    Unprocessable,
)
from inventory.lot import repository as lot_repository
from inventory.supplier import repository as supplier_repository
from inventory.supplier.service import tenant_of
from inventory.supplier_order import landed_cost, model, queries, repository
from inventory.supplier_order.repository import OrderFilter
from inventory.supplier_order.schemas import (
    AllocationRead,
    ChargeCreate,
    ChargeCreated,
    LineCreate,
    OrderCreate,
    OrderRead,
    OrderReplace,
    OrderSummary,
    ShareRead,
)
from mpflow_platform.db import Connection, Pool, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.pagination import Page, PageQuery, next_cursor
from mpflow_platform.ids import uuid7
from mpflow_platform.money import round_money

# --- reads ---------------------------------------------------------------------------------


async def get_order(*, pool: Pool, identity: Identity, order_id: UUID) -> OrderRead:
    """One order with its lines (values, landed values and unit costs), charges and totals."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        return await queries.read_order(tx, tenant, order_id)


async def list_orders(
    *, pool: Pool, identity: Identity, page: PageQuery, where: OrderFilter
) -> Page[OrderSummary]:
    """A page of the caller's orders (`q` searches the number and the supplier's name)."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        rows, total = await repository.list_orders(tx, user_id=tenant, page=page, where=where)
    return Page[OrderSummary](
        items=[OrderSummary.model_validate(r) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )


async def explain_allocation(*, pool: Pool, identity: Identity, order_id: UUID) -> AllocationRead:
    """The stored allocation: per line each charge's basis and share, per charge the total
    and its basis total, and the resulting landed unit costs."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        return await queries.explain(tx, tenant, order_id)


# --- header and lines ----------------------------------------------------------------------


async def _supplier(
    tx: Connection, tenant: UUID, supplier_id: UUID, *, current: UUID | None = None
) -> dict[str, Any]:
    """The order's supplier; an archived one only when the order already has it."""
    row = await supplier_repository.get_supplier(tx, user_id=tenant, supplier_id=supplier_id)
    if row is None:
        problem = f"no supplier {supplier_id}: create it first (POST /v1/admin/suppliers)"
    elif row["archived_at"] is not None and supplier_id != current:
        problem = f"supplier {row['name']!r} is archived: restore it or choose another"
    else:
        return row
    raise UnknownSupplier(problem, invalid_params=[{"name": "supplier_id", "reason": problem}])


def _header(data: OrderCreate | OrderReplace, supplier: dict[str, Any]) -> dict[str, Any]:
    currency = data.currency or supplier["currency"]
    problem = model.fx_rate_problem(currency, data.fx_rate)
    if problem:
        raise InvalidOrder(
            f"fx_rate: {problem}", invalid_params=[{"name": "fx_rate", "reason": problem}]
        )
    return {
        "supplier_id": data.supplier_id,
        "currency": currency,
        "fx_rate": data.fx_rate,
        "fx_rate_date": data.fx_rate_date,
        "ordered_at": data.ordered_at,
        "expected_at": data.expected_at,
        "notes": data.notes,
        "shortage_policy": data.shortage_policy,
    }


def _snapshots(card: dict[str, Any], name: str) -> dict[str, Any]:
    weight = model.weight_kg(card["weight_g"])
    volume = model.volume_l(card["length_mm"], card["width_mm"], card["height_mm"])
    if any(v is not None and v > model.MAX_SNAPSHOT for v in (weight, volume)):
        reason = f"card {card['sku']!r} is too large or heavy to order (over 10^8 l or kg)"
        raise InvalidOrder(reason, invalid_params=[{"name": name, "reason": reason}])
    return {"weight_kg": weight, "volume_l": volume}


def _refuse_cards(problems: list[tuple[int, UUID, str]], error: type[Unprocessable]) -> None:
    if problems:
        raise error(
            "; ".join(f"line {i + 1}: {reason}" for i, _, reason in problems),
            invalid_params=[
                {"name": f"lines.{i}.card_id", "reason": reason} for i, _, reason in problems
            ],
        )


async def _line_rows(
    tx: Connection,
    tenant: UUID,
    lines: Sequence[LineCreate],
    existing: dict[UUID, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Rows for `lines` (numbered from 1): a line naming an `existing` line keeps its id and,
    unless its card changed, its snapshots; others take the card's weight and volume now."""
    cards = await repository.get_cards(tx, user_id=tenant, card_ids=[x.card_id for x in lines])
    unknown: list[tuple[int, UUID, str]] = []
    archived: list[tuple[int, UUID, str]] = []
    rows = []
    for i, line in enumerate(lines):
        line_id: UUID | None = getattr(line, "id", None)
        kept = existing.get(line_id) if line_id else None
        if line_id and kept is None:
            reason = f"{line_id} is not a line of this order: omit id to add a new line"
            raise InvalidOrder(reason, invalid_params=[{"name": f"lines.{i}.id", "reason": reason}])
        card = cards.get(line.card_id)
        if card is None:
            unknown.append((i, line.card_id, f"no card {line.card_id} in this account"))
            continue
        same_card = kept is not None and kept["card_id"] == line.card_id
        if card["status"] == "archived" and not same_card:
            archived.append((i, line.card_id, f"card {card['sku']!r} is archived"))
            continue
        sizes = (
            {"weight_kg": kept["weight_kg"], "volume_l": kept["volume_l"]}
            if kept is not None and same_card
            else _snapshots(card, f"lines.{i}.card_id")
        )
        rows.append(
            {
                "id": line_id or uuid7(),
                "line_no": i + 1,
                "card_id": line.card_id,
                "qty_ordered": line.qty,
                "unit_price": line.unit_price,
                **sizes,
            }
        )
    _refuse_cards(unknown, UnknownCard)
    _refuse_cards(archived, CardArchived)
    return rows


def _number_taken(number: str) -> DuplicateOrderNumber:
    return DuplicateOrderNumber(
        f"an order numbered {number!r} already exists: choose another number or omit it"
    )


async def create_order(*, pool: Pool, identity: Identity, data: OrderCreate) -> OrderRead:
    """Create a draft order with its lines and their landed values."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        supplier = await _supplier(tx, tenant, data.supplier_id)
        header = _header(data, supplier)
        rows = await _line_rows(tx, tenant, data.lines, {})
        # Lock order: cards → (order) → numbering, as replace_order (inserting lines takes
        # key-share locks on the cards, so the numbering lock must not come first).
        await lot_repository.lock_cards(
            tx, user_id=tenant, card_ids=[x.card_id for x in data.lines]
        )
        await repository.lock_numbering(tx, user_id=tenant)
        number = data.number or model.order_number(
            await repository.next_generated_number(tx, user_id=tenant)
        )
        order_id = uuid7()
        try:
            await repository.insert_order(
                tx, values={"id": order_id, "user_id": tenant, "number": number, **header}
            )
        except repository.NumberTaken as exc:
            raise _number_taken(number) from exc
        await repository.insert_lines(tx, user_id=tenant, order_id=order_id, lines=rows)
        await landed_cost.recompute_landed_cost(tx, user_id=tenant, order_id=order_id)
        return await queries.read_order(tx, tenant, order_id)


async def _lock_for_change(
    tx: Connection, tenant: UUID, order_id: UUID, extra_cards: Sequence[UUID] = ()
) -> dict[str, Any]:
    """Lock the order's cards (and `extra_cards`), then the order — the receipts' lock order,
    so a change and a receipt of one order never deadlock."""
    lines = await repository.get_lines(tx, user_id=tenant, order_id=order_id)
    cards = [line["card_id"] for line in lines] + list(extra_cards)
    await lot_repository.lock_cards(tx, user_id=tenant, card_ids=cards)
    return await queries.order_row(tx, tenant, order_id, lock=True)


def _refuse_unless_draft(order: dict[str, Any], action: str) -> None:
    if not model.is_editable(order["status"]):
        raise OrderNotEditable(
            f"order {order['number']} is {order['status']}: only a draft can be {action}"
        )


async def replace_order(
    *, pool: Pool, identity: Identity, order_id: UUID, data: OrderReplace
) -> OrderRead:
    """Replace a draft's header and lines (lines given with their id are kept) and recompute
    its landed cost over the charges it has."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        order = await _lock_for_change(tx, tenant, order_id, [x.card_id for x in data.lines])
        _refuse_unless_draft(order, "changed")
        supplier = await _supplier(tx, tenant, data.supplier_id, current=order["supplier_id"])
        header = _header(data, supplier)
        existing = {
            line["id"]: line
            for line in await repository.get_lines(tx, user_id=tenant, order_id=order_id)
        }
        rows = await _line_rows(tx, tenant, data.lines, existing)
        kept = [row for row in rows if row["id"] in existing]
        kept_ids = {row["id"] for row in kept}
        await repository.delete_lines(
            tx, user_id=tenant, line_ids=[i for i in existing if i not in kept_ids]
        )
        await repository.update_lines(tx, user_id=tenant, order_id=order_id, lines=kept)
        added = [row for row in rows if row["id"] not in kept_ids]
        await repository.insert_lines(tx, user_id=tenant, order_id=order_id, lines=added)
        number = data.number or order["number"]
        if number != order["number"]:
            await repository.lock_numbering(tx, user_id=tenant)
        try:
            await repository.update_order(
                tx, user_id=tenant, order_id=order_id, changes={**header, "number": number}
            )
        except repository.NumberTaken as exc:
            raise _number_taken(number) from exc
        await landed_cost.recompute_landed_cost(tx, user_id=tenant, order_id=order_id)
        return await queries.read_order(tx, tenant, order_id)


async def delete_order(*, pool: Pool, identity: Identity, order_id: UUID) -> None:
    """Delete a draft with its lines and charges (it has no history yet)."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        order = await queries.order_row(tx, tenant, order_id, lock=True)
        _refuse_unless_draft(order, "deleted (cancel it instead)")
        await repository.delete_order(tx, user_id=tenant, order_id=order_id)


# --- status --------------------------------------------------------------------------------


def _progress(lines: Sequence[dict[str, Any]]) -> list[model.LineProgress]:
    return [
        model.LineProgress(line["line_no"], line["sku"], line["qty_ordered"], line["qty_received"])
        for line in lines
    ]


async def change_status(
    *, pool: Pool, identity: Identity, order_id: UUID, status: model.UserStatus
) -> OrderRead:
    """Move an order draft → ordered → in_transit (ordering dates it today unless dated)."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        order = await queries.order_row(tx, tenant, order_id, lock=True)
        problem = model.transition_problem(order["status"], status)
        if problem:
            raise InvalidStatusTransition(problem)
        if order["status"] != status:
            changes: dict[str, Any] = {"status": status}
            if status == "ordered" and order["ordered_at"] is None:
                changes["ordered_at"] = datetime.now(UTC).date()
            await repository.update_order(tx, user_id=tenant, order_id=order_id, changes=changes)
        return await queries.read_order(tx, tenant, order_id)


async def cancel_order(*, pool: Pool, identity: Identity, order_id: UUID) -> OrderRead:
    """Cancel an order of which nothing was received (repeating it changes nothing)."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        order = await queries.order_row(tx, tenant, order_id, lock=True)
        lines = await repository.get_lines(tx, user_id=tenant, order_id=order_id)
        problem = model.cancel_problem(order["status"], _progress(lines))
        if problem:
            raise OrderNotCancellable(f"order {order['number']} cannot be cancelled: {problem}")
        if order["status"] != "cancelled":
            await repository.update_order(
                tx,
                user_id=tenant,
                order_id=order_id,
                changes={"status": "cancelled", "cancelled_at": datetime.now(UTC)},
            )
        return await queries.read_order(tx, tenant, order_id)


# --- charges -------------------------------------------------------------------------------


def _charge_values(
    tenant: UUID, order_id: UUID, data: ChargeCreate, after_receipt: bool
) -> dict[str, Any]:
    problem = model.fx_rate_problem(data.currency, data.fx_rate or Decimal(1))
    if data.fx_rate is None and data.currency != model.BASE_CURRENCY:
        problem = f"a charge in {data.currency} needs its rate to {model.BASE_CURRENCY}"
    if problem:
        raise InvalidOrder(
            f"fx_rate: {problem}", invalid_params=[{"name": "fx_rate", "reason": problem}]
        )
    rate = data.fx_rate or Decimal(1)
    if abs(data.amount * rate) >= landed_cost.MAX_MONEY:
        raise landed_cost.too_large()
    return {
        "id": uuid7(),
        "user_id": tenant,
        "order_id": order_id,
        "kind": data.kind,
        "description": data.description,
        "amount": data.amount,
        "currency": data.currency,
        "fx_rate": rate,
        "method": data.method,
        "manual": None if data.manual is None else {str(k): str(v) for k, v in data.manual.items()},
        "amount_base": round_money(data.amount * rate),
        "after_receipt": after_receipt,
    }


async def add_charge(
    *, pool: Pool, identity: Identity, order_id: UUID, data: ChargeCreate
) -> ChargeCreated:
    """Add a charge and allocate it on the server: before any receipt the whole order is
    recomputed; after, the charge alone is allocated and its received part reaches the lots."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        order = await _lock_for_change(tx, tenant, order_id)
        problem = model.charge_problem(order["status"])
        if problem:
            raise OrderCancelled(f"order {order['number']}: {problem}")
        lines = await repository.get_lines(tx, user_id=tenant, order_id=order_id)
        after_receipt = model.has_receipts(_progress(lines))
        charge = _charge_values(tenant, order_id, data, after_receipt)
        if after_receipt:
            allocation = landed_cost.allocate(order, lines, [charge])
            await repository.insert_charge(tx, values=charge)
            await landed_cost.apply_late_charge(tx, tenant, order, lines, charge, allocation)
            await repository.insert_allocations(
                tx,
                user_id=tenant,
                rows=[
                    (charge["id"], c.line_id, c.shares[0].basis, c.shares[0].amount_base)
                    for c in allocation.lines
                ],
            )
        else:
            await repository.insert_charge(tx, values=charge)
            await landed_cost.recompute_landed_cost(tx, user_id=tenant, order_id=order_id)
        stored = next(
            c
            for c in await repository.get_charges(tx, user_id=tenant, order_id=order_id)
            if c["id"] == charge["id"]
        )
        shares = [
            s
            for s in await repository.get_allocations(tx, user_id=tenant, order_id=order_id)
            if s["charge_id"] == charge["id"]
        ]
    by_line = {s["line_id"]: s for s in shares}
    return ChargeCreated(
        **queries.charge_read(stored).model_dump(),
        allocation=[
            ShareRead(
                line_id=line["id"],
                line_no=line["line_no"],
                sku=line["sku"],
                basis=by_line[line["id"]]["basis"],
                amount_base=by_line[line["id"]]["amount_base"],
            )
            for line in lines
            if line["id"] in by_line
        ],
    )
