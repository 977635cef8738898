"""Use cases of the stock views: read-only, one transaction each."""

from __future__ import annotations

from uuid import UUID

from inventory.stock import queries
from inventory.stock.queries import MovementFilter
from inventory.stock.schemas import (
    LotRead,
    MovementRead,
    ReconciliationPage,
    ReconciliationRow,
    StockRow,
)
from inventory.supplier.service import tenant_of
from mpflow_platform.db import Pool, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.pagination import Page, PageQuery, next_cursor


async def overview(*, pool: Pool, identity: Identity, page: PageQuery) -> Page[StockRow]:
    """Every active card of the tenant (and archived ones still holding stock) with its
    quantity and value per location, from the ledger balances."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        rows, total = await queries.list_stock(tx, user_id=tenant, page=page)
    return Page[StockRow](
        items=[StockRow.model_validate(r) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )


async def list_lots(
    *, pool: Pool, identity: Identity, card_id: UUID | None, open_only: bool, page: PageQuery
) -> Page[LotRead]:
    """The tenant's lots, optionally of one card and only those with units left."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        rows, total = await queries.list_lots(
            tx, user_id=tenant, card_id=card_id, open_only=open_only, page=page
        )
    return Page[LotRead](
        items=[LotRead.model_validate(r) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )


async def list_movements(
    *, pool: Pool, identity: Identity, where: MovementFilter, page: PageQuery
) -> Page[MovementRead]:
    """The stock ledger, filtered by card, location, type, reference and date range."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        rows, total = await queries.list_movements(tx, user_id=tenant, where=where, page=page)
    return Page[MovementRead](
        items=[MovementRead.model_validate(r) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )


async def reconciliation(
    *, pool: Pool, identity: Identity, ok: bool | None, page: PageQuery
) -> ReconciliationPage:
    """Per card: Σ lot remaining vs Σ ledger quantity, Σ lot remaining value vs Σ balance
    value, the differences and `ok` (DOMAIN.md §6)."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        rows, total, all_ok = await queries.reconcile(tx, user_id=tenant, ok=ok, page=page)
    return ReconciliationPage(
        items=[ReconciliationRow.model_validate(r) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
        ok=all_ok,
    )
