"""SQL of the Ozon intake: cards by Ozon SKU or offer id, the sale of a posting, the register
of finance operations. Every query names the tenant (RLS applies as well)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from mpflow_platform.db import Connection


async def cards_for_products(
    tx: Connection, *, user_id: UUID, products: Sequence[tuple[int, str | None]]
) -> list[UUID | None]:
    """The tenant's card of each `(ozon sku, offer id)`, in order (None: no card is linked).
    A card linked by the SKU wins over one linked by the offer id; then active cards, then
    the lowest id, so the choice is stable."""
    if not products:
        return []
    rows = await tx.fetch(
        """
        SELECT p.n, (
            SELECT c.card_id FROM finance.cards c
             WHERE c.user_id = $1
               AND (c.ozon_skus @> ARRAY[p.sku] OR c.ozon_offer_ids @> ARRAY[p.offer_id])
             ORDER BY (c.ozon_skus @> ARRAY[p.sku]) DESC, (c.status = 'archived'), c.card_id
             LIMIT 1) AS card_id
          FROM unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS p(sku, offer_id, n)
         ORDER BY p.n
        """,
        user_id,
        [sku for sku, _ in products],
        [offer_id or "" for _, offer_id in products],
    )
    return [r["card_id"] for r in rows]


@dataclass(frozen=True)
class SaleLineRef:
    id: UUID
    card_id: UUID
    qty: int
    qty_returned: int
    unit_price: Decimal


@dataclass(frozen=True)
class PostingSale:
    sale_id: UUID
    status: str
    lines: list[SaleLineRef]


async def lock_posting(tx: Connection, *, user_id: UUID, posting_number: str) -> None:
    """Serialise, until the transaction ends, everything finance does about one Ozon posting
    of the tenant (its sale and its finance operations), also across replicas: an operation
    booked while the posting's sale is being recorded would miss the sale's prices and links
    (and the sale's re-booking would miss the operation)."""
    await tx.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        f"finance.ozon_posting:{user_id}:{posting_number}",
    )


async def sale_of_posting(
    tx: Connection, *, user_id: UUID, posting_number: str
) -> PostingSale | None:
    """The sale recorded for an Ozon posting, with its lines in order, if any."""
    sale = await tx.fetchrow(
        "SELECT id, status FROM finance.sales "
        "WHERE user_id = $1 AND marketplace = 'ozon' AND external_id = $2",
        user_id,
        posting_number,
    )
    if sale is None:
        return None
    rows = await tx.fetch(
        "SELECT id, card_id, qty, qty_returned, unit_price FROM finance.sale_lines "
        "WHERE user_id = $1 AND sale_id = $2 ORDER BY line_no",
        user_id,
        sale["id"],
    )
    return PostingSale(
        sale["id"],
        sale["status"],
        [
            SaleLineRef(r["id"], r["card_id"], r["qty"], r["qty_returned"], r["unit_price"])
            for r in rows
        ],
    )


# --- the register of finance operations -----------------------------------------------------


async def register_operation(
    tx: Connection,
    *,
    user_id: UUID,
    operation_id: int,
    operation_type: str,
    operation_date: datetime,
    posting_number: str | None,
    amount: Decimal,
    payload: dict[str, Any],
    seen_at: datetime,
) -> bool:
    """Store (or replace) the operation as last received; an event older than the one stored
    changes nothing. Whether it was stored."""
    status: str = await tx.execute(
        """
        INSERT INTO finance.ozon_operations (user_id, operation_id, operation_type,
                                             operation_date, posting_number, amount, payload,
                                             seen_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (user_id, operation_id) DO UPDATE
        SET operation_type = EXCLUDED.operation_type, operation_date = EXCLUDED.operation_date,
            posting_number = EXCLUDED.posting_number, amount = EXCLUDED.amount,
            payload = EXCLUDED.payload, seen_at = EXCLUDED.seen_at, updated_at = now()
        WHERE finance.ozon_operations.seen_at <= EXCLUDED.seen_at
        """,
        user_id,
        operation_id,
        operation_type,
        operation_date,
        posting_number,
        amount,
        payload,
        seen_at,
    )
    return status != "INSERT 0 0"


async def set_unmatched_skus(
    tx: Connection, *, user_id: UUID, operation_id: int, skus: Sequence[int]
) -> None:
    """Remember which of the operation's SKUs no card was linked to."""
    await tx.execute(
        "UPDATE finance.ozon_operations SET unmatched_skus = $3 "
        "WHERE user_id = $1 AND operation_id = $2 AND unmatched_skus IS DISTINCT FROM $3",
        user_id,
        operation_id,
        sorted(set(skus)),
    )


async def operations_of_posting(
    tx: Connection, *, user_id: UUID, posting_number: str
) -> list[dict[str, Any]]:
    """Payloads of the registered operations of a posting, oldest first."""
    rows = await tx.fetch(
        "SELECT payload FROM finance.ozon_operations "
        "WHERE user_id = $1 AND posting_number = $2 ORDER BY operation_date, operation_id",
        user_id,
        posting_number,
    )
    return [r["payload"] for r in rows]


async def operations_with_unmatched(
    tx: Connection, *, user_id: UUID, skus: Sequence[int]
) -> list[dict[str, Any]]:
    """Payloads of the registered operations with an item SKU among `skus` that had no card."""
    if not skus:
        return []
    rows = await tx.fetch(
        "SELECT payload FROM finance.ozon_operations "
        "WHERE user_id = $1 AND unmatched_skus <> '{}' AND unmatched_skus && $2::bigint[] "
        "ORDER BY operation_date, operation_id",
        user_id,
        list(skus),
    )
    return [r["payload"] for r in rows]
