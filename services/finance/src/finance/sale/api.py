"""The sales API's use cases (API.md router `sales`): each opens its own transaction with
the caller's tenant (plus the calls to auth and inventory it needs) and calls the
transaction-level functions of `service` and `returns`, which the Ozon intake shares.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from finance.events.published import DEFAULT_LOCATION
from finance.sale import model, queries
from finance.sale.errors import InsufficientStock
from finance.sale.queries import SaleFilter
from finance.sale.returns import return_sale
from finance.sale.schemas import (
    NewSale,
    ReturnCreate,
    ReturnCreated,
    SaleCancel,
    SaleCreate,
    SaleListItem,
    SaleRead,
)
from finance.sale.service import cancel_sale, check_cards, find_sale_id, read_sale, record_sale
from finance.tenant import tenant_of, tenant_settings
from mpflow_platform.db import Pool, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.internal import InternalClient, UpstreamRefused
from mpflow_platform.http.pagination import Page, PageQuery, next_cursor


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
    # A short read first, so an existing sale or an unknown card answers without the calls
    # to auth and inventory, and no connection is held while they run; `record_sale` checks
    # both again in its own transaction (a concurrent post may have recorded it since).
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
