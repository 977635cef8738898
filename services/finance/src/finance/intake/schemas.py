"""Response models of the intake's parked documents (what waits for a card, and why)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from finance.intake.parked import ParkedKind


class ParkedProduct(BaseModel):
    """A product of the parked posting, as Ozon sent it."""

    sku: int = Field(description="Ozon SKU.")
    offer_id: str | None = Field(description="The seller's offer id (article) on Ozon.")
    name: str | None
    quantity: int


class ParkedRead(BaseModel):
    """A marketplace document finance could not take yet. It is taken as soon as a card links
    one of its missing SKUs or offer ids (catalog's card events)."""

    kind: ParkedKind = Field(description="What is parked: `ozon_posting`.")
    key: str = Field(description="The document's id: the Ozon posting number.")
    reason: str = Field(description="Why it waits, e.g. which SKU no card is linked to.")
    missing_skus: list[int] = Field(description="Ozon SKUs no card is linked to.")
    missing_offer_ids: list[str] = Field(description="Offer ids no card is linked to.")
    status: str | None = Field(description="The posting's Ozon status in the newest payload.")
    products: list[ParkedProduct] = Field(description="The posting's products (newest payload).")
    attempts: int = Field(description="How many times it was received and parked.")
    seen_at: datetime = Field(description="When Ozon data of the newest payload was produced.")
    created_at: datetime = Field(description="When it was first parked.")
    updated_at: datetime = Field(description="When it was last parked again.")
