"""Events finance consumes, as finance reads them (producers' contracts: docs/events.md).

Catalog cards give finance SKUs, titles and Ozon links; inventory's costing events give sale
lines their COGS and the P&L its COGS, adjustments and losses; the Ozon service's intake
events (below, `ozon.*`) become sales and marketplace fees.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

CARD_CREATED = "mpflow.catalog.card.created"
CARD_UPDATED = "mpflow.catalog.card.updated"
CARD_ARCHIVED = "mpflow.catalog.card.archived"
COGS_ALLOCATED = "mpflow.inventory.cogs.allocated"
COGS_ADJUSTED = "mpflow.inventory.cogs.adjusted"
LOSS_ACCRUED = "mpflow.inventory.loss.accrued"


class CardLink(BaseModel):
    model_config = ConfigDict(extra="ignore")

    marketplace: str
    offer_id: str | None = None
    product_id: int | None = None
    sku: int | None = None


class CardSnapshot(BaseModel):
    """What finance copies of a card. Events from before `version` existed count as 0."""

    model_config = ConfigDict(extra="ignore")

    card_id: UUID
    sku: str
    title: str
    status: str = "active"
    links: list[CardLink] = []
    version: int = 0


class CardCreated(CardSnapshot):
    pass


class CardUpdated(CardSnapshot):
    pass


class CardArchived(CardSnapshot):
    pass


class LotTake(BaseModel):
    model_config = ConfigDict(extra="ignore")

    lot_id: UUID
    qty: int
    cost: Decimal


class CostedLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sale_line_id: UUID
    card_id: UUID
    qty: int
    qty_filled: int
    qty_pending: int
    cost: Decimal
    lots: list[LotTake] = []


class CogsAllocated(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sale_id: UUID
    occurred_at: datetime
    lines: list[CostedLine]


class AdjustedLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sale_id: UUID
    sale_line_id: UUID
    card_id: UUID
    amount: Decimal
    qty_filled: int = 0
    qty_pending: int = 0
    lots: list[LotTake] = []


class CogsAdjusted(BaseModel):
    model_config = ConfigDict(extra="ignore")

    adjustment_id: UUID
    reason: str
    occurred_at: datetime
    source_id: UUID | None = None
    amount: Decimal
    lines: list[AdjustedLine] = []
    card_id: UUID | None = None


class LossAccrued(BaseModel):
    model_config = ConfigDict(extra="ignore")

    loss_id: UUID
    card_id: UUID
    reason: Literal["write_off", "adjustment", "stocktake", "shortage", "defect_return"] | str
    qty: int
    value: Decimal
    occurred_at: datetime
    ref_type: str
    ref_id: UUID
    cause: str | None = None


# --- Ozon intake (producer: the ozon service; payloads: docs/events.md) -------------------

POSTING_UPSERTED = "mpflow.ozon.posting.upserted"
FINANCE_OPERATION = "mpflow.ozon.finance.operation"


def _text(value: object) -> object:
    """Ozon ids arrive as numbers or strings: read them as strings."""
    return str(value) if isinstance(value, int) else value


class PostingProduct(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sku: int
    offer_id: str
    name: str | None = None
    quantity: int = Field(gt=0)
    price: Decimal = Field(ge=0)
    currency_code: str = "RUB"


class PostingReturn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    return_id: Annotated[str, BeforeValidator(_text)]
    sku: int
    offer_id: str
    quantity: int = Field(gt=0)
    returned_at: datetime
    kind: Literal["restock", "defect"]


class PostingUpserted(BaseModel):
    """An Ozon posting as it is now: finance records it as a sale (by posting number)."""

    model_config = ConfigDict(extra="ignore")

    posting_number: str = Field(min_length=1)
    scheme: Literal["fbo", "fbs"]
    status: str
    in_process_at: datetime
    status_changed_at: datetime | None = None
    products: list[PostingProduct] = Field(min_length=1)
    returns: list[PostingReturn] = []


class OperationItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sku: int
    name: str | None = None


class OperationService(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    price: Decimal


class FinanceOperation(BaseModel):
    """An Ozon finance operation as it is now: finance books its fees (never its revenue)."""

    model_config = ConfigDict(extra="ignore")

    operation_id: int
    operation_type: str
    operation_type_name: str = ""
    operation_date: datetime
    type: str = "other"
    posting_number: str | None = None
    items: list[OperationItem] = []
    services: list[OperationService] = []
    accruals_for_sale: Decimal = Decimal("0.00")
    sale_commission: Decimal = Decimal("0.00")
    amount: Decimal
    delivery_charge: Decimal = Decimal("0.00")
    return_delivery_charge: Decimal = Decimal("0.00")
