"""Inventory's read copy of catalog cards, fed by catalog events."""

from __future__ import annotations

from uuid import UUID

from mpflow_platform.db import Connection


async def upsert_card(
    *,
    tx: Connection,
    user_id: UUID,
    card_id: UUID,
    sku: str,
    title: str,
    status: str,
    event_id: UUID,
) -> None:
    """Insert or refresh the copy of one card (inside the consumer's transaction)."""
    await tx.execute(
        """
        INSERT INTO inventory.cards (user_id, card_id, sku, title, status, source_event_id)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (user_id, card_id) DO UPDATE
        SET sku = EXCLUDED.sku, title = EXCLUDED.title, status = EXCLUDED.status,
            source_event_id = EXCLUDED.source_event_id, updated_at = now()
        """,
        user_id,
        card_id,
        sku,
        title,
        status,
        event_id,
    )
