"""Sale use cases (DOMAIN.md §4, §5; docs/finance.md).

The transaction-level functions (`record_sale`, `cancel_sale`, `return_sale`,
`find_sale_id`, `set_marketplace_status`) run inside the caller's transaction with the
tenant set: the HTTP routes and the Ozon intake both call them, so each operation has one
implementation. Each writes the sale rows, its accruals (keys of docs/finance.md) and its
`sales.sale.*` event (outbox) together. The functions taking a pool are the API's use cases:
one transaction each (plus the calls to auth and inventory they need).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel

from finance.accrual import repository as accrual_repository
from finance.accrual.repository import Accrual
from finance.events.published import (
    DEFAULT_LOCATION,
    SALE_CANCELLED,
    SALE_RECORDED,
    SALE_RETURNED,
    ReturnedLine,
    SaleCancelled,
    SaleLine,
    SaleRecorded,
    SaleReturned,
)
from finance.sale import model, queries, repository
from finance.sale.model import ZERO
from finance.sale.queries import SaleFilter
from finance.sale.repository import LineRow
from finance.sale.schemas import (
    NewReturn,
    NewSale,
    ReturnCreate,
    ReturnCreated,
    ReturnRead,
    SaleCancel,
    SaleCreate,
    SaleLineRead,
    SaleListItem,
    SaleRead,
    SaleTotals,
)
from finance.tenant import tenant_settings
from mpflow_platform.db import Connection, Pool, transaction
from mpflow_platform.events import new_event, outbox
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.internal import InternalClient, UpstreamRefused
from mpflow_platform.http.pagination import Page, PageQuery, next_cursor
from mpflow_platform.http.problems import Conflict, NotFound, Unprocessable
from mpflow_platform.ids import uuid7

SCHEMA = "finance"
SOURCE = "finance"


class SaleNotFound(NotFound):
    error_code = "sale_not_found"


class UnknownCard(Unprocessable):
    """A line names a card finance has no copy of (catalog's card events copy them)."""

    error_code = "unknown_card"


class InsufficientStock(Conflict):
    """The tenant rejects sales without stock (`negative_stock = reject`)."""

    error_code = "insufficient_stock"


class SaleHasReturns(Conflict):
    """A sale with customer returns was delivered: it cannot be cancelled."""

    error_code = "sale_has_returns"


class SaleIsCancelled(Conflict):
    """Nothing is returned from a cancelled sale."""

    error_code = "sale_cancelled"


class InvalidReturn(Unprocessable):
    """A return line of another sale, or more units than were sold and not yet returned."""

    error_code = "invalid_return"


def tenant_of(identity: Identity) -> UUID:
    """The caller's tenant (the platform refuses anonymous calls before they get here)."""
    assert identity.user_id is not None, "the platform refuses anonymous calls"
    return identity.user_id


async def _publish(tx: Connection, *, user_id: UUID, event_type: str, data: BaseModel) -> None:
    event = new_event(event_type, data.model_dump(mode="json"), user_id=user_id, source=SOURCE)
    await outbox.add(tx, schema=SCHEMA, event=event)


# --- transaction-level use cases (the API and the Ozon intake) ------------------------------


async def find_sale_id(
    tx: Connection, *, user_id: UUID, marketplace: str, external_id: str
) -> UUID | None:
    """The sale recorded for a marketplace's order id, if any."""
    return await repository.find_sale_id(
        tx, user_id=user_id, marketplace=marketplace, external_id=external_id
    )


async def check_cards(tx: Connection, *, user_id: UUID, card_ids: Sequence[UUID]) -> None:
    """Raise UnknownCard naming every line (`lines.<i>.card_id`) whose card finance lacks."""
    known = await repository.known_cards(tx, user_id=user_id, card_ids=card_ids)
    unknown = [i for i, card in enumerate(card_ids) if card not in known]
    if unknown:
        raise UnknownCard(
            "no such card: " + ", ".join(f"line {i} ({card_ids[i]})" for i in unknown),
            invalid_params=[
                {"name": f"lines.{i}.card_id", "reason": "no such card in the catalog"}
                for i in unknown
            ],
        )


def _line_rows(sale: NewSale) -> list[LineRow]:
    return [
        LineRow(
            id=uuid7(),
            line_no=no,
            card_id=line.card_id,
            qty=line.qty,
            location=line.location or DEFAULT_LOCATION[sale.marketplace],
            unit_price=line.unit_price,
            revenue=model.line_revenue(line.qty, line.unit_price),
            fees={kind: f"{amount:.2f}" for kind, amount in line.fees.items()},
            fees_total=model.fees_total(line.fees.values()),
            other_costs=line.other_costs,
        )
        for no, line in enumerate(sale.lines, start=1)
    ]


def _line_accruals(
    sale_id: UUID, line: LineRow, *, prefix: Literal["sale", "cancel"], at: datetime
) -> list[Accrual]:
    """A line's revenue, fees and other costs (`sale:`), or their reversal (`cancel:`)."""
    sign = 1 if prefix == "sale" else -1
    ids: dict[str, Any] = {"card_id": line.card_id, "sale_id": sale_id, "sale_line_id": line.id}
    key = f"{prefix}:{line.id}"
    rows = [
        Accrual(
            f"{key}:revenue", at, "revenue", sign * line.revenue, "sale", qty=sign * line.qty, **ids
        )
    ]
    for fee_type, amount in line.fees.items():
        rows.append(
            Accrual(
                f"{key}:fee:{fee_type}",
                at,
                "fee",
                -sign * Decimal(amount),
                "sale",
                fee_type=fee_type,  # type: ignore[arg-type]  # validated as FeeType on input
                **ids,
            )
        )
    rows.append(Accrual(f"{key}:other", at, "other_cost", -sign * line.other_costs, "sale", **ids))
    return rows


async def record_sale(
    tx: Connection,
    *,
    user_id: UUID,
    sale: NewSale,
    source: Literal["api", "ozon"],
    created_by: UUID | None = None,
) -> tuple[UUID, bool]:
    """Record a sale with its accruals and `sales.sale.recorded` (inventory costs it); the
    sale already recorded for (marketplace, external_id) is returned unchanged, also when a
    concurrent call records it first. A sale first seen cancelled is stored as cancelled,
    with no accruals and no event. Returns (sale id, whether it was created). Raises
    UnknownCard."""
    if sale.external_id is not None:
        found = await find_sale_id(
            tx, user_id=user_id, marketplace=sale.marketplace, external_id=sale.external_id
        )
        if found is not None:
            return found, False
    await check_cards(tx, user_id=user_id, card_ids=[line.card_id for line in sale.lines])
    sale_id, lines = uuid7(), _line_rows(sale)
    inserted = await repository.insert_sale(
        tx,
        values={
            "id": sale_id,
            "user_id": user_id,
            "marketplace": sale.marketplace,
            "external_id": sale.external_id,
            "occurred_at": sale.occurred_at,
            "status": "cancelled" if sale.cancelled else "active",
            "marketplace_status": sale.marketplace_status,
            "cogs_status": "cancelled" if sale.cancelled else "pending",
            "cancelled_at": sale.occurred_at if sale.cancelled else None,
            "note": sale.note,
            "source": source,
            "created_by": created_by,
        },
    )
    if not inserted:  # a concurrent call recorded the same external id first
        assert sale.external_id is not None
        found = await find_sale_id(
            tx, user_id=user_id, marketplace=sale.marketplace, external_id=sale.external_id
        )
        assert found is not None
        return found, False
    await repository.insert_lines(tx, user_id=user_id, sale_id=sale_id, lines=lines)
    if sale.cancelled:
        return sale_id, True
    accruals = [
        a for ln in lines for a in _line_accruals(sale_id, ln, prefix="sale", at=sale.occurred_at)
    ]
    await accrual_repository.add(tx, user_id=user_id, accruals=accruals)
    event = SaleRecorded(
        sale_id=sale_id,
        marketplace=sale.marketplace,
        external_id=sale.external_id,
        occurred_at=sale.occurred_at,
        lines=[
            SaleLine.model_validate(
                {"line_id": ln.id, "card_id": ln.card_id, "qty": ln.qty, "location": ln.location}
            )
            for ln in lines
        ],
    )
    await _publish(tx, user_id=user_id, event_type=SALE_RECORDED, data=event)
    return sale_id, True


async def _lock_sale(tx: Connection, *, user_id: UUID, sale_id: UUID) -> dict[str, Any]:
    sale = await repository.get_sale_for_update(tx, user_id=user_id, sale_id=sale_id)
    if sale is None:
        raise SaleNotFound(f"no sale {sale_id}")
    return sale


def _stored_line(row: dict[str, Any]) -> LineRow:
    return LineRow(
        id=row["id"],
        line_no=row["line_no"],
        card_id=row["card_id"],
        qty=row["qty"],
        location=row["location"],
        unit_price=ZERO,
        revenue=row["revenue"],
        fees=dict(row["fees"]),
        fees_total=ZERO,
        other_costs=row["other_costs"],
    )


async def cancel_sale(
    tx: Connection, *, user_id: UUID, sale_id: UUID, occurred_at: datetime
) -> bool:
    """Cancel a sale before delivery: reversal accruals dated `occurred_at` (revenue, fees
    and other costs back to 0) and `sales.sale.cancelled` (inventory puts the units back and
    reverses the COGS). Whether it changed anything (an already cancelled sale stays as it
    is). Raises SaleNotFound, SaleHasReturns."""
    sale = await _lock_sale(tx, user_id=user_id, sale_id=sale_id)
    if sale["status"] == "cancelled":
        return False
    if await repository.has_returns(tx, user_id=user_id, sale_id=sale_id):
        raise SaleHasReturns(
            f"sale {sale_id} has customer returns, so it was delivered and cannot be "
            "cancelled; record a return for the remaining units instead"
        )
    lines = [
        _stored_line(r)
        for r in await repository.get_lines_for_update(tx, user_id=user_id, sale_id=sale_id)
    ]
    await repository.mark_cancelled(tx, user_id=user_id, sale_id=sale_id, occurred_at=occurred_at)
    accruals = [
        a for ln in lines for a in _line_accruals(sale_id, ln, prefix="cancel", at=occurred_at)
    ]
    await accrual_repository.add(tx, user_id=user_id, accruals=accruals)
    event = SaleCancelled(sale_id=sale_id, occurred_at=occurred_at)
    await _publish(tx, user_id=user_id, event_type=SALE_CANCELLED, data=event)
    return True


def _checked_return(
    ret: NewReturn, lines: dict[UUID, dict[str, Any]]
) -> list[tuple[UUID, int, Decimal]]:
    """`(line_id, qty, refund)` per returned line; raises InvalidReturn naming bad lines."""
    problems = []
    for i, item in enumerate(ret.lines):
        line = lines.get(item.line_id)
        if line is None:
            problems.append({"name": f"lines.{i}.line_id", "reason": "not a line of this sale"})
        elif item.qty > line["qty"] - line["qty_returned"]:
            left = line["qty"] - line["qty_returned"]
            problems.append(
                {
                    "name": f"lines.{i}.qty",
                    "reason": f"only {left} of the {line['qty']} units sold are not returned yet",
                }
            )
    if problems:
        raise InvalidReturn(
            "the return does not fit the sale: see invalid_params", invalid_params=problems
        )
    return [
        (
            item.line_id,
            item.qty,
            model.refund_for(
                qty=lines[item.line_id]["qty"],
                qty_returned=lines[item.line_id]["qty_returned"],
                revenue=lines[item.line_id]["revenue"],
                refunded=lines[item.line_id]["refunded"],
                q=item.qty,
            ),
        )
        for item in ret.lines
    ]


async def return_sale(
    tx: Connection, *, user_id: UUID, sale_id: UUID, ret: NewReturn
) -> tuple[UUID, bool]:
    """Record a customer return: refunds (revenue back, fees stay), the lines' returned
    units, and `sales.sale.returned` (inventory restocks or keeps the COGS of a defect).
    The return already recorded under `ret.external_id` is returned unchanged. Returns
    (return id, whether it was created). Raises SaleNotFound, SaleIsCancelled,
    InvalidReturn."""
    sale = await _lock_sale(tx, user_id=user_id, sale_id=sale_id)
    if ret.external_id is not None:
        found = await repository.find_return_id(
            tx, user_id=user_id, sale_id=sale_id, external_id=ret.external_id
        )
        if found is not None:
            return found, False
    if sale["status"] == "cancelled":
        raise SaleIsCancelled(f"sale {sale_id} is cancelled: nothing of it can be returned")
    rows = await repository.get_lines_for_update(tx, user_id=user_id, sale_id=sale_id)
    lines = {r["id"]: r for r in rows}
    refunds = _checked_return(ret, lines)
    return_id = uuid7()
    location = ret.location or lines[ret.lines[0].line_id]["location"]
    await repository.insert_return(
        tx,
        values={
            "id": return_id,
            "user_id": user_id,
            "sale_id": sale_id,
            "kind": ret.kind,
            "location": location,
            "occurred_at": ret.occurred_at,
            "external_id": ret.external_id,
            "created_by": ret.created_by,
        },
    )
    await repository.insert_return_lines(tx, user_id=user_id, return_id=return_id, lines=refunds)
    accruals = [
        Accrual(
            f"return:{return_id}:{line_id}",
            ret.occurred_at,
            "refund",
            ZERO - refund,
            "sale",
            qty=qty,
            card_id=lines[line_id]["card_id"],
            sale_id=sale_id,
            sale_line_id=line_id,
        )
        for line_id, qty, refund in refunds
    ]
    await accrual_repository.add(tx, user_id=user_id, accruals=accruals)
    event = SaleReturned(
        sale_id=sale_id,
        return_id=return_id,
        occurred_at=ret.occurred_at,
        kind=ret.kind,
        location=location,
        lines=[ReturnedLine(line_id=line_id, qty=qty) for line_id, qty, _ in refunds],
    )
    await _publish(tx, user_id=user_id, event_type=SALE_RETURNED, data=event)
    return return_id, True


async def set_marketplace_status(
    tx: Connection, *, user_id: UUID, sale_id: UUID, status: str
) -> None:
    """Store the marketplace's own status of the sale as last seen. Raises SaleNotFound."""
    if not await repository.set_marketplace_status(
        tx, user_id=user_id, sale_id=sale_id, status=status
    ):
        raise SaleNotFound(f"no sale {sale_id}")


# --- reading --------------------------------------------------------------------------------


async def read_sale(tx: Connection, *, user_id: UUID, sale_id: UUID) -> SaleRead:
    """One sale with lines (COGS, returns, profit), returns and totals. Raises SaleNotFound."""
    header = await queries.get_header(tx, user_id=user_id, sale_id=sale_id)
    if header is None:
        raise SaleNotFound(f"no sale {sale_id}")
    cancelled = header["status"] == "cancelled"
    lines = [
        SaleLineRead.model_validate(
            {
                **r,
                "fees": {k: Decimal(v) for k, v in r["fees"].items()},
                "cogs_status": model.cogs_status(
                    [model.LineCosting(r["costed"], r["qty_pending"])], cancelled=cancelled
                ),
            }
        )
        for r in await queries.get_lines(tx, user_id=user_id, sale_id=sale_id)
    ]
    returns = [
        ReturnRead.model_validate(r)
        for r in await queries.get_returns(tx, user_id=user_id, sale_id=sale_id)
    ]
    totals = SaleTotals.model_validate(
        await queries.get_totals(tx, user_id=user_id, sale_id=sale_id)
    )
    return SaleRead.model_validate({**header, "lines": lines, "returns": returns, "totals": totals})


async def get_sale(*, pool: Pool, identity: Identity, sale_id: UUID) -> SaleRead:
    """One sale of the caller's tenant (404 for anyone else's)."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        return await read_sale(tx, user_id=tenant, sale_id=sale_id)


async def list_sales(
    *, pool: Pool, identity: Identity, where: SaleFilter, page: PageQuery
) -> Page[SaleListItem]:
    """A page of the caller's sales with revenue and profit."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        rows, total = await queries.list_sales(tx, user_id=tenant, where=where, page=page)
    return Page[SaleListItem](
        items=[SaleListItem.model_validate(r) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )


# --- the API's write use cases --------------------------------------------------------------


async def _check_stock(
    *, auth: InternalClient, inventory: InternalClient, identity: Identity, sale: NewSale
) -> None:
    """When the tenant rejects sales without stock, raise InsufficientStock listing every
    (card, location) whose units on hand (inventory) are fewer than the sale's lines ask."""
    settings = await tenant_settings(auth, identity)
    if settings.negative_stock != "reject":
        return
    wanted = model.demands(
        [
            (ln.card_id, ln.location or DEFAULT_LOCATION[sale.marketplace], ln.qty)
            for ln in sale.lines
        ]
    )
    answer = await inventory.get_json(
        "/internal/availability",
        identity=identity,
        params={"card_id": sorted({str(d.card_id) for d in wanted})},
    )
    available = {(UUID(i["card_id"]), str(i["location"])): int(i["qty"]) for i in answer["items"]}
    short = model.shortages(wanted, available)
    if short:
        raise InsufficientStock(
            "not enough stock for the sale (the tenant rejects sales without stock): "
            + "; ".join(
                f"card {s.card_id} at {s.location}: {s.requested} asked, {s.available} on hand"
                for s in short
            ),
            shortages=[
                {
                    "card_id": str(s.card_id),
                    "location": s.location,
                    "requested": s.requested,
                    "available": s.available,
                    "lines": list(s.lines),
                }
                for s in short
            ],
        )


async def create_sale(
    *,
    pool: Pool,
    identity: Identity,
    auth: InternalClient,
    inventory: InternalClient,
    data: SaleCreate,
) -> tuple[SaleRead, bool]:
    """Record a sale posted through the API; (the sale, whether it was created). A sale
    already recorded under the same (marketplace, external_id) is returned unchanged."""
    tenant = tenant_of(identity)
    sale = data.to_new_sale(datetime.now(UTC))
    async with transaction(pool, user_id=tenant) as tx:
        existing = None
        if sale.external_id is not None:
            existing = await find_sale_id(
                tx, user_id=tenant, marketplace=sale.marketplace, external_id=sale.external_id
            )
        if existing is None:
            await check_cards(tx, user_id=tenant, card_ids=[ln.card_id for ln in sale.lines])
    if existing is None:
        await _check_stock(auth=auth, inventory=inventory, identity=identity, sale=sale)
    async with transaction(pool, user_id=tenant) as tx:
        sale_id, created = await record_sale(
            tx, user_id=tenant, sale=sale, source="api", created_by=identity.account_id
        )
        return await read_sale(tx, user_id=tenant, sale_id=sale_id), created


async def cancel(*, pool: Pool, identity: Identity, sale_id: UUID, data: SaleCancel) -> SaleRead:
    """Cancel a sale (a second cancellation changes nothing); the sale after."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        await cancel_sale(
            tx, user_id=tenant, sale_id=sale_id, occurred_at=data.occurred_at or datetime.now(UTC)
        )
        return await read_sale(tx, user_id=tenant, sale_id=sale_id)


async def create_return(
    *, pool: Pool, identity: Identity, sale_id: UUID, data: ReturnCreate
) -> tuple[ReturnCreated, bool]:
    """Record a customer return; (the return with its sale after, whether it was created)."""
    tenant = tenant_of(identity)
    ret = data.to_new_return(datetime.now(UTC), identity.account_id)
    async with transaction(pool, user_id=tenant) as tx:
        return_id, created = await return_sale(tx, user_id=tenant, sale_id=sale_id, ret=ret)
        sale = await read_sale(tx, user_id=tenant, sale_id=sale_id)
    found = next(r for r in sale.returns if r.id == return_id)
    return ReturnCreated.model_validate({**found.model_dump(), "sale": sale}), created


async def explain_cogs(
    *, pool: Pool, identity: Identity, inventory: InternalClient, sale_id: UUID
) -> dict[str, Any]:
    """Inventory's COGS chain of the sale (lots, orders, FX rates, charges, adjustments),
    passed through. A sale inventory has not costed yet answers 200 in the same shape with
    every line pending (`cogs_status` pending, no allocations). Raises SaleNotFound."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        sale = await read_sale(tx, user_id=tenant, sale_id=sale_id)
    try:
        chain: dict[str, Any] = await inventory.get_json(
            f"/internal/sales/{sale_id}/cogs", identity=identity
        )
        return chain
    except UpstreamRefused:
        # Inventory answers 404 until the sale's event reached it; once finance has heard
        # of its costing, a refusal is a real error.
        if any(line.qty_costed or line.qty_pending for line in sale.lines):
            raise
    return _pending_chain(sale)


def _pending_chain(sale: SaleRead) -> dict[str, Any]:
    return {
        "sale_id": str(sale.id),
        "cost": "0.00",
        "cogs_status": sale.cogs_status,
        "lines": [
            {
                "sale_line_id": str(line.id),
                "card_id": str(line.card_id),
                "sku": line.sku,
                "location": line.location,
                "status": "cancelled" if sale.status == "cancelled" else "active",
                "qty": line.qty,
                "qty_pending": line.qty,
                "qty_returned": line.qty_returned,
                "cost": "0.00",
                "cogs_status": "pending",
                "allocations": [],
                "adjustments": [],
            }
            for line in sale.lines
        ],
    }
