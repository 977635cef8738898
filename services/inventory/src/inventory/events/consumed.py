"""Inventory's own copies of the events it reads (the producer's model is not imported)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict

CARD_CREATED = "mpflow.catalog.card.created"
CARD_UPDATED = "mpflow.catalog.card.updated"
CARD_ARCHIVED = "mpflow.catalog.card.archived"


class CardSnapshot(BaseModel):
    """What inventory copies of a card. Events from before `version` existed count as 0."""

    model_config = ConfigDict(extra="ignore")

    card_id: UUID
    sku: str
    title: str
    status: str = "active"
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None
    weight_g: int | None = None
    version: int = 0


class CardCreated(CardSnapshot):
    pass


class CardUpdated(CardSnapshot):
    pass


class CardArchived(CardSnapshot):
    pass
