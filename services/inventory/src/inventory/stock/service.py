"""The stock overview use case."""

from __future__ import annotations

from decimal import Decimal

from inventory.stock import queries
from inventory.stock.schemas import StockRow
from mpflow_platform.db import Pool, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.pagination import Page, PageQuery, next_cursor


async def overview(*, pool: Pool, identity: Identity, page: PageQuery) -> Page[StockRow]:
    """Every active card of the tenant with its stock (zero until goods are received)."""
    assert identity.user_id is not None
    async with transaction(pool, user_id=identity.user_id) as tx:
        rows, total = await queries.list_active_cards(tx, user_id=identity.user_id, page=page)
    # Lots and the ledger arrive with supplier orders; until then every card holds nothing.
    items = [
        StockRow(
            card_id=r["card_id"],
            sku=r["sku"],
            title=r["title"],
            quantity=0,
            value=Decimal("0"),
            locations=[],
        )
        for r in rows
    ]
    return Page[StockRow](
        items=items, total=total, next_cursor=next_cursor(page.offset, page.limit, total)
    )
