"""Events the catalog publishes (their payloads are the contract: see docs/events.md)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel

CARD_CREATED = "catalog.card.created"


class CardCreated(BaseModel):
    """A master card was created; consumers keep their own read copy of cards."""

    card_id: UUID
    sku: str
    title: str
    status: str
