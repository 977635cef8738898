"""Inventory's own copies of the events it reads (the producer's model is not imported)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

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


# Sales, recorded by finance (`finance/events/published.py`); inventory costs them FIFO.
SALE_RECORDED = "mpflow.sales.sale.recorded"
SALE_CANCELLED = "mpflow.sales.sale.cancelled"
SALE_RETURNED = "mpflow.sales.sale.returned"

Location = Literal["home", "in_transit", "marketplace:ozon"]
#: Where a line's units leave from when the event does not say (by marketplace).
DEFAULT_LOCATION: dict[str, Location] = {"ozon": "marketplace:ozon", "manual": "home"}


class SaleLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    line_id: UUID
    card_id: UUID
    qty: int = Field(gt=0)
    location: Location | None = None


class SaleRecorded(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sale_id: UUID
    marketplace: str = "manual"
    occurred_at: datetime
    lines: list[SaleLine] = Field(min_length=1)

    def location_of(self, line: SaleLine) -> Location:
        return line.location or DEFAULT_LOCATION.get(self.marketplace, "home")


class SaleCancelled(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sale_id: UUID
    occurred_at: datetime


class ReturnedLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    line_id: UUID
    qty: int = Field(gt=0)


class SaleReturned(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sale_id: UUID
    return_id: UUID
    occurred_at: datetime
    kind: Literal["restock", "defect"]
    location: Location
    lines: list[ReturnedLine] = Field(min_length=1)
