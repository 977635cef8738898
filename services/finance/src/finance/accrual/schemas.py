"""Response models of the accruals list (money as decimal strings with 2 places)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from finance.money import Money


class AccrualRead(BaseModel):
    """One P&L entry. `amount` is signed by its effect on profit (revenue +, costs −)."""

    id: UUID
    occurred_at: datetime
    kind: str
    fee_type: str | None
    amount: Money
    qty: int = Field(description="Units sold (+) or cancelled (−), returned, or lost.")
    card_id: UUID | None
    sku: str | None = Field(description="The card's SKU (null for account-level entries).")
    sale_id: UUID | None
    sale_line_id: UUID | None
    category: str | None
    source: str
    source_key: str = Field(description="The fact this entry comes from, e.g. sale:<line>:revenue.")
    description: str | None
    created_at: datetime
    updated_at: datetime
