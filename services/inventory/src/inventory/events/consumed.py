"""Inventory's own copies of the events it reads (the producer's model is not imported)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict

CARD_CREATED = "mpflow.catalog.card.created"


class CardCreated(BaseModel):
    model_config = ConfigDict(extra="ignore")

    card_id: UUID
    sku: str
    title: str
    status: str = "active"
