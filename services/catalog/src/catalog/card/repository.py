"""SQL for master cards, their sources and marketplace links; every statement is scoped by
user_id (and row-level security checks it again). Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

import asyncpg

from mpflow_platform.db import Connection, update_row
from mpflow_platform.http.pagination import PageQuery, fetch_page, like_pattern

SORTABLE = {
    "sku": "sku",
    "title": "lower(title)",
    "brand": "lower(brand)",
    "status": "status",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
CARD_COLUMNS = (
    "id, sku, title, description, brand, status, barcodes, length_mm, width_mm, height_mm, "
    "weight_g, attributes, purchase_price, purchase_currency, version, created_at, updated_at, "
    "archived_at"
)
#: Columns an update may set; the names never come from input.
UPDATABLE = (
    "sku",
    "title",
    "description",
    "brand",
    "status",
    "barcodes",
    "length_mm",
    "width_mm",
    "height_mm",
    "weight_g",
    "attributes",
    "purchase_price",
    "purchase_currency",
    "archived_at",
)
SOURCE_COLUMNS = "id, card_id, kind, provider, url, ref, price_tiers, data, created_at"
LINK_COLUMNS = "card_id, marketplace, offer_id, product_id, sku"


class SkuTaken(Exception):
    """Another card of the tenant has this SKU."""


class LinkTaken(Exception):
    """Another card of the tenant is linked to this marketplace id."""

    def __init__(self, constraint: str | None) -> None:
        super().__init__(constraint)
        self.constraint = constraint


@dataclass(frozen=True)
class CardFilter:
    """What a list narrows by, besides the page's `q`."""

    statuses: Sequence[str] = ()
    brand: str | None = None
    has_link: bool | None = None


async def insert_card(tx: Connection, *, values: dict[str, Any]) -> dict[str, Any] | None:
    """The new row, or None when the tenant already has this SKU."""
    names = list(values)
    row = await tx.fetchrow(
        f"""
        INSERT INTO catalog.master_cards ({", ".join(names)})
        VALUES ({", ".join(f"${i}" for i in range(1, len(names) + 1))})
        ON CONFLICT (user_id, sku) DO NOTHING
        RETURNING {CARD_COLUMNS}
        """,
        *values.values(),
    )
    return None if row is None else dict(row)


async def get_card(
    tx: Connection, *, user_id: UUID, card_id: UUID, lock: bool = False
) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        f"SELECT {CARD_COLUMNS} FROM catalog.master_cards WHERE user_id = $1 AND id = $2"
        + (" FOR UPDATE" if lock else ""),
        user_id,
        card_id,
    )
    return None if row is None else dict(row)


async def get_cards_by_sku(
    tx: Connection, *, user_id: UUID, skus: Sequence[str], lock: bool = False
) -> dict[str, dict[str, Any]]:
    """The tenant's cards with these SKUs, by SKU."""
    rows = await tx.fetch(
        f"SELECT {CARD_COLUMNS} FROM catalog.master_cards WHERE user_id = $1 AND sku = ANY($2) "
        "ORDER BY sku" + (" FOR UPDATE" if lock else ""),
        user_id,
        list(skus),
    )
    return {r["sku"]: dict(r) for r in rows}


async def update_card(
    tx: Connection, *, user_id: UUID, card_id: UUID, changes: dict[str, Any]
) -> dict[str, Any]:
    """Apply `changes` (keys of UPDATABLE), bump the version; the row after. Raises SkuTaken."""
    try:
        row = await update_row(
            tx,
            table="catalog.master_cards",
            user_id=user_id,
            row_id=card_id,
            changes=changes,
            allowed=UPDATABLE,
            also="version = version + 1, updated_at = now()",
            returning=CARD_COLUMNS,
        )
    except asyncpg.UniqueViolationError as exc:
        raise SkuTaken from exc
    assert row is not None
    return dict(row)


def _filter_sql(user_id: UUID, page: PageQuery, where: CardFilter) -> tuple[str, list[Any]]:
    sql, args = "user_id = $1", list[Any]([user_id])
    if page.q:
        args += [like_pattern(page.q), page.q.strip()]
        n = len(args)
        sql += (
            f" AND (sku ILIKE ${n - 1} OR title ILIKE ${n - 1} OR brand ILIKE ${n - 1}"
            f" OR ${n} = ANY(barcodes))"
        )
    if where.statuses:
        args.append(list(where.statuses))
        sql += f" AND status = ANY(${len(args)})"
    if where.brand is not None:
        args.append(where.brand)
        sql += f" AND lower(brand) = lower(${len(args)})"
    if where.has_link is not None:
        exists = (
            "EXISTS (SELECT 1 FROM catalog.marketplace_links l "
            "WHERE l.user_id = master_cards.user_id AND l.card_id = master_cards.id)"
        )
        sql += f" AND {'' if where.has_link else 'NOT '}{exists}"
    return sql, args


async def list_cards(
    tx: Connection, *, user_id: UUID, page: PageQuery, where: CardFilter
) -> tuple[list[dict[str, Any]], int]:
    sql, args = _filter_sql(user_id, page, where)
    rows, total = await fetch_page(
        tx,
        columns=CARD_COLUMNS,
        table="catalog.master_cards",
        where=sql,
        args=args,
        search_columns=(),
        tie_breaker="id",
        page=replace(page, q=None),
    )
    return [dict(r) for r in rows], total


async def stream_cards(tx: Connection, *, user_id: UUID, page: PageQuery, where: CardFilter) -> Any:
    """A server-side cursor over every matching card in the page's order (for exports);
    iterate it inside the transaction."""
    sql, args = _filter_sql(user_id, page, where)
    return tx.cursor(
        f"SELECT {CARD_COLUMNS} FROM catalog.master_cards WHERE {sql} ORDER BY {page.sort.sql}, id",
        *args,
        prefetch=500,
    )


# --- marketplace links ---------------------------------------------------------------------


async def links_of(
    tx: Connection, *, user_id: UUID, card_ids: Sequence[UUID]
) -> dict[UUID, list[dict[str, Any]]]:
    """The cards' links, by card id (every id present, maybe with no links)."""
    rows = await tx.fetch(
        f"SELECT {LINK_COLUMNS} FROM catalog.marketplace_links "
        "WHERE user_id = $1 AND card_id = ANY($2) ORDER BY marketplace, offer_id",
        user_id,
        list(card_ids),
    )
    links: dict[UUID, list[dict[str, Any]]] = {card_id: [] for card_id in card_ids}
    for row in rows:
        links[row["card_id"]].append(dict(row))
    return links


async def replace_links(
    tx: Connection, *, user_id: UUID, card_id: UUID, links: Sequence[dict[str, Any]]
) -> None:
    """Make `links` the card's links. Raises LinkTaken when another card holds one of them."""
    await tx.execute(
        "DELETE FROM catalog.marketplace_links WHERE user_id = $1 AND card_id = $2",
        user_id,
        card_id,
    )
    if not links:
        return
    try:
        await tx.executemany(
            """
            INSERT INTO catalog.marketplace_links
                (id, user_id, card_id, marketplace, offer_id, product_id, sku)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """,
            [
                (
                    link["id"],
                    user_id,
                    card_id,
                    link["marketplace"],
                    link["offer_id"],
                    link["product_id"],
                    link["sku"],
                )
                for link in links
            ],
        )
    except asyncpg.UniqueViolationError as exc:
        raise LinkTaken(exc.constraint_name) from exc


# --- sources -------------------------------------------------------------------------------


async def insert_sources(
    tx: Connection, *, user_id: UUID, card_id: UUID, sources: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    rows = []
    for source in sources:
        row = await tx.fetchrow(
            f"""
            INSERT INTO catalog.card_sources
                (id, user_id, card_id, kind, provider, url, ref, price_tiers, data)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            RETURNING {SOURCE_COLUMNS}
            """,
            source["id"],
            user_id,
            card_id,
            source["kind"],
            source["provider"],
            source["url"],
            source["ref"],
            source["price_tiers"],
            source["data"],
        )
        assert row is not None
        rows.append(dict(row))
    return rows


async def sources_of(tx: Connection, *, user_id: UUID, card_id: UUID) -> list[dict[str, Any]]:
    rows = await tx.fetch(
        f"SELECT {SOURCE_COLUMNS} FROM catalog.card_sources "
        "WHERE user_id = $1 AND card_id = $2 ORDER BY created_at, id",
        user_id,
        card_id,
    )
    return [dict(r) for r in rows]


async def delete_source(tx: Connection, *, user_id: UUID, card_id: UUID, source_id: UUID) -> bool:
    status: str = await tx.execute(
        "DELETE FROM catalog.card_sources WHERE user_id = $1 AND card_id = $2 AND id = $3",
        user_id,
        card_id,
        source_id,
    )
    return status != "DELETE 0"


async def touch_card(tx: Connection, *, user_id: UUID, card_id: UUID) -> dict[str, Any]:
    """Bump the card's version and updated_at (its sources or links changed)."""
    return await update_card(tx, user_id=user_id, card_id=card_id, changes={})
