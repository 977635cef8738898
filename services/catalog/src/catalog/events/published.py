"""Events the catalog publishes (their payloads are the contract: see docs/events.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

CARD_CREATED = "catalog.card.created"
CARD_UPDATED = "catalog.card.updated"
CARD_ARCHIVED = "catalog.card.archived"


class CardLink(BaseModel):
    marketplace: Literal["ozon"]
    offer_id: str
    product_id: int | None
    sku: int | None


class CardSnapshot(BaseModel):
    """What other services copy of a card: the whole of it after the change. `version`
    grows with every change, so a copy ignores an event older than what it holds."""

    card_id: UUID
    sku: str
    title: str
    status: Literal["draft", "active", "archived"]
    brand: str | None
    barcodes: list[str]
    length_mm: int | None
    width_mm: int | None
    height_mm: int | None
    weight_g: int | None
    links: list[CardLink]
    version: int
    updated_at: datetime


class CardCreated(CardSnapshot):
    """A master card was created."""


class CardUpdated(CardSnapshot):
    """A master card changed (any field, its links, or its status other than archiving)."""


class CardArchived(CardSnapshot):
    """A master card was archived (`status` is `archived`)."""
