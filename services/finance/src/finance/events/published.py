"""Events finance publishes (their payloads are the contract: see docs/events.md).

Finance owns two contexts: `finance.*` and `sales.*` (sales are recorded by finance, costed
by inventory from these events: DOMAIN.md §4, §5). Sale line ids are finance's; inventory
keys its costing on them, so a line id never changes once published.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

SALE_RECORDED = "sales.sale.recorded"
SALE_CANCELLED = "sales.sale.cancelled"
SALE_RETURNED = "sales.sale.returned"

Marketplace = Literal["ozon", "manual"]
#: Where units leave from (a sale) or come back to (a return): inventory's ledger locations.
Location = Literal["home", "in_transit", "marketplace:ozon"]
DEFAULT_LOCATION: dict[str, Location] = {"ozon": "marketplace:ozon", "manual": "home"}


class SaleLine(BaseModel):
    line_id: UUID
    card_id: UUID
    qty: int = Field(gt=0)
    #: Where the units leave from; omitted -> the marketplace's default (ozon -> FBO stock
    #: `marketplace:ozon`, manual -> `home`), filled in by the sale's validator.
    location: Location | None = None


class SaleRecorded(BaseModel):
    """A sale (a manual sale or an Ozon posting) was recorded: inventory costs its lines FIFO."""

    sale_id: UUID
    marketplace: Marketplace
    external_id: str | None = None
    occurred_at: datetime
    lines: list[SaleLine] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _default_locations(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("lines"), list):
            default = DEFAULT_LOCATION.get(str(data.get("marketplace")))
            data = {
                **data,
                "lines": [
                    {**line, "location": line.get("location") or default}
                    if isinstance(line, dict)
                    else line
                    for line in data["lines"]
                ],
            }
        return data


class SaleCancelled(BaseModel):
    """A sale was cancelled before delivery: its units go back where they came from."""

    sale_id: UUID
    occurred_at: datetime


class ReturnedLine(BaseModel):
    line_id: UUID
    qty: int = Field(gt=0)


class SaleReturned(BaseModel):
    """A customer returned units of a sale: `restock` puts them back into stock at `location`,
    `defect` keeps them out of stock (their COGS stays expensed)."""

    sale_id: UUID
    return_id: UUID
    occurred_at: datetime
    kind: Literal["restock", "defect"]
    location: Location
    lines: list[ReturnedLine] = Field(min_length=1)
