"""SQL for commission tiers; every statement is scoped by user_id (and RLS). Never commits."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from catalog.pricing.model import TierRow
from mpflow_platform.db import Connection
from mpflow_platform.ids import uuid7

_COLUMNS = (
    "category, product_type, scheme, price_min, price_max, rate_percent, valid_from, "
    "valid_to, source"
)


async def has_tiers(tx: Connection, *, user_id: UUID) -> bool:
    """Whether the tenant has loaded any tier at all (else the sample applies)."""
    found: bool = await tx.fetchval(
        "SELECT EXISTS (SELECT 1 FROM catalog.commission_tiers WHERE user_id = $1)", user_id
    )
    return found


async def list_tiers(
    tx: Connection, *, user_id: UUID, category: str | None = None, scheme: str | None = None
) -> list[asyncpg.Record]:
    """The tenant's tiers, optionally of one category (any case) and scheme."""
    rows: list[asyncpg.Record] = await tx.fetch(
        f"SELECT {_COLUMNS} FROM catalog.commission_tiers "
        "WHERE user_id = $1 AND ($2::text IS NULL OR category_key = $2) "
        "AND ($3::text IS NULL OR scheme = $3) "
        "ORDER BY category_key, product_type_key, scheme, valid_from, price_min",
        user_id,
        category.casefold() if category is not None else None,
        scheme,
    )
    return rows


def _key_arrays(rows: list[TierRow]) -> list[list[object]]:
    keys = sorted({r.set_key for r in rows})
    return [[k[i] for k in keys] for i in range(4)]


async def count_in_sets(tx: Connection, *, user_id: UUID, rows: list[TierRow]) -> int:
    """How many stored tiers belong to the sets (category, type, scheme, valid_from) of rows."""
    count: int = await tx.fetchval(
        """
        SELECT count(*) FROM catalog.commission_tiers t
          JOIN unnest($2::text[], $3::text[], $4::text[], $5::date[])
               AS k(category_key, product_type_key, scheme, valid_from)
            ON t.category_key = k.category_key AND t.product_type_key = k.product_type_key
           AND t.scheme = k.scheme AND t.valid_from = k.valid_from
         WHERE t.user_id = $1
        """,
        user_id,
        *_key_arrays(rows),
    )
    return count


async def delete_sets(tx: Connection, *, user_id: UUID, rows: list[TierRow]) -> None:
    """Remove the stored sets that `rows` replace."""
    await tx.execute(
        """
        DELETE FROM catalog.commission_tiers t
         USING unnest($2::text[], $3::text[], $4::text[], $5::date[])
               AS k(category_key, product_type_key, scheme, valid_from)
         WHERE t.user_id = $1 AND t.category_key = k.category_key
           AND t.product_type_key = k.product_type_key AND t.scheme = k.scheme
           AND t.valid_from = k.valid_from
        """,
        user_id,
        *_key_arrays(rows),
    )


async def insert_tiers(tx: Connection, *, user_id: UUID, rows: list[TierRow]) -> None:
    await tx.executemany(
        """
        INSERT INTO catalog.commission_tiers
            (id, user_id, category, category_key, product_type, product_type_key, scheme,
             price_min, price_max, rate_percent, valid_from, valid_to, source)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        """,
        [
            (
                uuid7(),
                user_id,
                r.category,
                r.category.casefold(),
                r.product_type,
                r.product_type.casefold(),
                r.scheme,
                r.price_min,
                r.price_max,
                r.rate_percent,
                r.valid_from,
                r.valid_to,
                r.source,
            )
            for r in rows
        ],
    )
