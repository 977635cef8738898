"""Events inventory publishes (their payloads are the contract: see docs/events.md).

Money is in the tenant's base currency, decimal strings with 2 places.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

LOT_RECEIVED = "inventory.lot.received"
PURCHASE_RECEIVED = "inventory.purchase.received"
PURCHASE_UNRECEIVED = "inventory.purchase.unreceived"
COGS_ALLOCATED = "inventory.cogs.allocated"
COGS_ADJUSTED = "inventory.cogs.adjusted"
LOSS_ACCRUED = "inventory.loss.accrued"


class LotReceived(BaseModel):
    """A lot was created: goods received on an order, an initial balance, a + adjustment or
    stocktake difference."""

    lot_id: UUID
    card_id: UUID
    source: Literal["receipt", "initial_balance", "adjustment", "stocktake", "return"]
    qty: int
    value: Decimal
    received_at: datetime
    location: str
    order_id: UUID | None = None
    order_line_id: UUID | None = None
    receipt_id: UUID | None = None


class PurchaseLine(BaseModel):
    order_line_id: UUID
    card_id: UUID
    qty: int
    value: Decimal


class PurchaseReceived(BaseModel):
    """Goods of a supplier order arrived (a receipt): their landed value, for finance. Not a
    cash movement: payments to the supplier are recorded by finance."""

    receipt_id: UUID
    order_id: UUID
    supplier_id: UUID
    received_at: datetime
    value: Decimal
    lines: list[PurchaseLine]


class PurchaseUnreceived(BaseModel):
    """A receipt was reversed (unreceived): its lots were emptied and the purchase it
    announced (`inventory.purchase.received`, same `receipt_id`) is withdrawn. `value` and
    `lines` repeat what the receipt brought in, as positive amounts."""

    receipt_id: UUID
    order_id: UUID
    supplier_id: UUID
    occurred_at: datetime
    value: Decimal
    lines: list[PurchaseLine]


class LotTake(BaseModel):
    lot_id: UUID
    qty: int
    cost: Decimal


class CostedLine(BaseModel):
    sale_line_id: UUID
    card_id: UUID
    qty: int
    qty_filled: int
    qty_pending: int
    cost: Decimal
    lots: list[LotTake]


class CogsAllocated(BaseModel):
    """A sale was costed FIFO: per line the cost of the units filled now; `qty_pending`
    units had no stock and will be costed by `inventory.cogs.adjusted` when lots arrive."""

    sale_id: UUID
    occurred_at: datetime
    lines: list[CostedLine]


class AdjustedLine(BaseModel):
    sale_id: UUID
    sale_line_id: UUID
    card_id: UUID
    amount: Decimal
    qty_filled: int = 0
    qty_pending: int = 0
    lots: list[LotTake] = []


class CogsAdjusted(BaseModel):
    """COGS of earlier sales changed now (dated `occurred_at`, never back-dated): a backorder
    filled by a new lot, a late charge or redistributed shortage on units already sold, a
    restocked return or a cancellation putting units back. Amounts are signed (+ more COGS)."""

    adjustment_id: UUID
    reason: Literal[
        "backorder_filled",
        "late_charge",
        "shortage",
        "return_restock",
        "sale_cancelled",
        "unattributed",
    ]
    occurred_at: datetime
    source_id: UUID | None
    amount: Decimal
    lines: list[AdjustedLine]
    card_id: UUID | None = None


class LossAccrued(BaseModel):
    """Stock was lost at its FIFO cost: a write-off, a − adjustment or stocktake difference, a
    shortage written off, or a defective return."""

    loss_id: UUID
    card_id: UUID
    reason: Literal["write_off", "adjustment", "stocktake", "shortage", "defect_return"]
    qty: int
    value: Decimal
    occurred_at: datetime
    ref_type: str
    ref_id: UUID
    #: The operator's reason code (write-offs: damage, loss, marketplace_rejection, other).
    cause: str | None = None
