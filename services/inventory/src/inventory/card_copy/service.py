"""Inventory's read copy of catalog cards, fed by catalog events."""

from __future__ import annotations

from uuid import UUID

from inventory.events.consumed import CardSnapshot
from mpflow_platform.db import Connection


async def upsert_card(*, tx: Connection, user_id: UUID, card: CardSnapshot, event_id: UUID) -> bool:
    """Insert or refresh the copy of one card (inside the consumer's transaction) unless the
    copy already reflects a newer version of the card; whether it was written."""
    status: str = await tx.execute(
        """
        INSERT INTO inventory.cards (user_id, card_id, sku, title, status, length_mm, width_mm,
                                     height_mm, weight_g, version, source_event_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (user_id, card_id) DO UPDATE
        SET sku = EXCLUDED.sku, title = EXCLUDED.title, status = EXCLUDED.status,
            length_mm = EXCLUDED.length_mm, width_mm = EXCLUDED.width_mm,
            height_mm = EXCLUDED.height_mm, weight_g = EXCLUDED.weight_g,
            version = EXCLUDED.version, source_event_id = EXCLUDED.source_event_id,
            updated_at = now()
        WHERE inventory.cards.version <= EXCLUDED.version
        """,
        user_id,
        card.card_id,
        card.sku,
        card.title,
        card.status,
        card.length_mm,
        card.width_mm,
        card.height_mm,
        card.weight_g,
        card.version,
        event_id,
    )
    return status != "INSERT 0 0"
