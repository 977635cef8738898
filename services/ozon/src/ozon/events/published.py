"""Events the ozon service publishes (their payloads are the contract: see docs/events.md).

The intake contract of marketplace data: the Ozon sync turns what the Seller API answers into
these payloads, so consumers never parse Ozon's own formats. The producer normalises Ozon's
data on the way: money becomes decimal strings in RUB, Ozon's Moscow-time strings
(`/v3/finance/transaction/list` `operation_date`) become RFC 3339 UTC timestamps, and a
return's opened/condition flags become `restock` or `defect`.

Both events are snapshots of an external document: the same posting or operation may be
published again (a re-sync, a status change, a restated operation) under a new event id, and
consumers must treat it as "this is how the document looks now".
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

POSTING_UPSERTED = "ozon.posting.upserted"
FINANCE_OPERATION = "ozon.finance.operation"

#: Ozon's fulfilment schemes: `fbo` ships from Ozon's warehouses, `fbs` from the seller's.
Scheme = Literal["fbo", "fbs"]
#: Ozon's finance transaction types (`/v3/finance/transaction/list` `type`).
OperationKind = Literal[
    "orders", "returns", "services", "compensation", "transferDelivery", "other"
]


class PostingProduct(BaseModel):
    """One product line of a posting, as Ozon lists it."""

    sku: int = Field(gt=0)
    offer_id: str = Field(min_length=1)
    name: str | None = None
    quantity: int = Field(gt=0)
    #: Unit price the buyer pays, RUB.
    price: Decimal = Field(ge=0)
    currency_code: str = "RUB"


class PostingReturn(BaseModel):
    """Units of the posting a customer returned (Ozon `/v1/returns/list`), one per return id."""

    #: Ozon's return id (int64 in Ozon's API, sent as a string).
    return_id: str = Field(min_length=1)
    sku: int = Field(gt=0)
    offer_id: str = Field(min_length=1)
    quantity: int = Field(gt=0)
    returned_at: datetime
    #: `restock`: the units are sellable again; `defect`: opened or damaged (Ozon's
    #: `additional_info.is_opened` / condition, mapped by the producer).
    kind: Literal["restock", "defect"]


class PostingUpserted(BaseModel):
    """A posting (an Ozon order shipment) was seen for the first time or changed: its whole
    current state. Published again on every change of status or returns."""

    posting_number: str = Field(min_length=1)
    order_number: str | None = None
    #: The tenant's Ozon account (the ozon service's account id) it was synced from.
    account_id: UUID | None = None
    scheme: Scheme
    #: Ozon's status string: `awaiting_registration`, `acceptance_in_progress`,
    #: `awaiting_approve`, `awaiting_packaging`, `awaiting_deliver`, `arbitration`,
    #: `client_arbitration`, `delivering`, `driver_pickup`, `delivered`, `cancelled`,
    #: `not_accepted`, `sent_by_seller`, … (new values may appear).
    status: str = Field(min_length=1)
    #: When Ozon took the order into processing: the date of the sale.
    in_process_at: datetime
    #: When the order was created at Ozon (FBO lists carry it), if known.
    created_at: datetime | None = None
    #: When Ozon last changed the status, if known (dates a cancellation).
    status_changed_at: datetime | None = None
    products: list[PostingProduct] = Field(min_length=1)
    returns: list[PostingReturn] = []


class OperationItem(BaseModel):
    """One unit of an operation: Ozon lists an item once per unit."""

    sku: int
    name: str | None = None


class OperationService(BaseModel):
    """A marketplace service charged (negative) or refunded (positive) by the operation."""

    name: str = Field(min_length=1)
    price: Decimal


class FinanceOperation(BaseModel):
    """An Ozon finance operation (`/v3/finance/transaction/list`): a sale's accruals and fees,
    a return, a service charge, a compensation… Published when first seen and whenever Ozon
    restates it. Amounts are signed as Ozon signs them: charges negative, income positive."""

    operation_id: int = Field(gt=0)
    operation_type: str = Field(min_length=1)
    operation_type_name: str = ""
    #: Ozon's Moscow-time `operation_date`, converted to UTC.
    operation_date: datetime
    type: OperationKind
    account_id: UUID | None = None
    #: The posting it belongs to; null (or Ozon's empty string) for account-level operations.
    posting_number: str | None = None
    #: `fbo`, `fbs`, or null when Ozon names no (or another) scheme.
    scheme: Scheme | None = None
    items: list[OperationItem] = []
    services: list[OperationService] = []
    #: Revenue of the sale (+) or its reversal on a return (−), RUB.
    accruals_for_sale: Decimal = Decimal("0.00")
    sale_commission: Decimal = Decimal("0.00")
    #: Σ of everything: accruals_for_sale + sale_commission + delivery charges + Σ services.
    amount: Decimal
    delivery_charge: Decimal = Decimal("0.00")
    return_delivery_charge: Decimal = Decimal("0.00")
