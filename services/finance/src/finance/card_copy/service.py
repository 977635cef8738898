"""Finance's read copy of catalog cards, fed by catalog events: SKU and title for reports,
and the Ozon links (marketplace SKUs, offer ids) that map Ozon data to cards."""

from __future__ import annotations

from uuid import UUID

from finance.events.consumed import CardSnapshot
from mpflow_platform.db import Connection


async def upsert_card(tx: Connection, *, user_id: UUID, card: CardSnapshot) -> bool:
    """Insert or refresh the copy of one card (inside the consumer's transaction) unless the
    copy already reflects a newer version of the card; whether it was written."""
    ozon = [link for link in card.links if link.marketplace == "ozon"]
    status: str = await tx.execute(
        """
        INSERT INTO finance.cards (card_id, user_id, sku, title, status, ozon_skus,
                                   ozon_offer_ids, version)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (card_id) DO UPDATE
        SET sku = EXCLUDED.sku, title = EXCLUDED.title, status = EXCLUDED.status,
            ozon_skus = EXCLUDED.ozon_skus, ozon_offer_ids = EXCLUDED.ozon_offer_ids,
            version = EXCLUDED.version, updated_at = now()
        WHERE finance.cards.version <= EXCLUDED.version
        """,
        card.card_id,
        user_id,
        card.sku,
        card.title,
        card.status,
        sorted({link.sku for link in ozon if link.sku is not None}),
        sorted({link.offer_id for link in ozon if link.offer_id}),
        card.version,
    )
    return status != "INSERT 0 0"
