"""Supplier orders, pure (DOMAIN.md §2): the status state machine, the edit rules, line
snapshots and order numbers. No I/O; the landed-cost arithmetic is `costing.landed`.

Statuses: `draft` → `ordered` → `in_transit` are set by the user (POST …/status);
`partially_received` / `received` by receipts and unreceipts (`receipt.model.order_status`);
`cancelled` by POST …/cancel while nothing has been received. Only a draft's header and
lines change, and only a draft is deleted; charges are added in any status but `cancelled`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from mpflow_platform.money import round_money

Status = Literal["draft", "ordered", "in_transit", "partially_received", "received", "cancelled"]
UserStatus = Literal["ordered", "in_transit"]

#: The tenant's base currency. Inventory keeps no copy of tenant settings yet, so it is the
#: platform default (DOMAIN.md §1); every base amount is stored, so a later setting only
#: affects new orders.
BASE_CURRENCY = "RUB"
NUMBER_PREFIX = "PO-"
SNAPSHOT_QUANTUM = Decimal("0.0001")
#: numeric(12,4) holds less than 10^8 kg or litres.
MAX_SNAPSHOT = Decimal("99999999.9999")

#: Moves the user may make through POST …/status (receipts and cancel have their own).
USER_TRANSITIONS: dict[Status, frozenset[Status]] = {
    "draft": frozenset({"ordered"}),
    "ordered": frozenset({"in_transit"}),
}


def is_editable(status: Status) -> bool:
    """Header and lines can be replaced, and the order deleted, only while it is a draft."""
    return status == "draft"


def transition_problem(current: Status, target: UserStatus) -> str | None:
    """Why the user cannot move an order from `current` to `target`, or None (moving to the
    status it already has is a no-op, not a problem)."""
    if current == target or target in USER_TRANSITIONS.get(current, frozenset()):
        return None
    allowed = sorted(USER_TRANSITIONS.get(current, frozenset()))
    then = (
        f"from {current} it can go to {', '.join(allowed)}"
        if allowed
        else (f"{current} is set by receipts or cancel, not by hand")
    )
    return f"an order cannot go from {current} to {target}: {then}"


@dataclass(frozen=True)
class LineProgress:
    """What receipt-related rules need of a line."""

    line_no: int
    sku: str
    qty_ordered: int
    qty_received: int


def has_receipts(lines: Sequence[LineProgress]) -> bool:
    """Whether any units of the order have been received (charges then come after receipt)."""
    return any(line.qty_received > 0 for line in lines)


def cancel_problem(status: Status, lines: Sequence[LineProgress]) -> str | None:
    """Why the order cannot be cancelled, or None (cancelling a cancelled order is a no-op).
    A `received` order always has received units (closing needs some), so the lines say it
    all; `status` is kept for the callers' symmetry with the other rules."""
    received = [f"{line.line_no} ({line.sku})" for line in lines if line.qty_received > 0]
    if received:
        return (
            f"units were already received on line(s) {', '.join(received)}: unreceive them "
            "first, or close the order instead of cancelling it"
        )
    return None


def charge_problem(status: Status) -> str | None:
    """Why no charge can be added to the order, or None."""
    if status == "cancelled":
        return "the order is cancelled: charges can no longer be added to it"
    return None


def fx_rate_problem(currency: str, fx_rate: Decimal) -> str | None:
    """Why `fx_rate` cannot be the rate of `currency` to base, or None."""
    if fx_rate <= 0:
        return "the rate must be positive"
    if currency == BASE_CURRENCY and fx_rate != 1:
        return f"{currency} is the base currency: its rate is 1"
    return None


def weight_kg(weight_g: int | None) -> Decimal | None:
    """The weight snapshot of a line: the card's grams in kilograms (None when unknown)."""
    if weight_g is None:
        return None
    return round_money(Decimal(weight_g) / 1000, SNAPSHOT_QUANTUM)


def volume_l(length_mm: int | None, width_mm: int | None, height_mm: int | None) -> Decimal | None:
    """The volume snapshot of a line: the card's package in litres, 4 dp half-up (None
    unless all three dimensions are known)."""
    if length_mm is None or width_mm is None or height_mm is None:
        return None
    return round_money(Decimal(length_mm * width_mm * height_mm) / 1_000_000, SNAPSHOT_QUANTUM)


def order_number(sequence: int) -> str:
    """The generated number of a tenant's `sequence`-th order: PO-000001."""
    return f"{NUMBER_PREFIX}{sequence:06d}"


def landed_unit_cost(landed_value: Decimal, qty_ordered: int) -> Decimal:
    """`landed_value / qty_ordered` to 4 dp half-up (display only, §4a)."""
    return round_money(landed_value / qty_ordered, SNAPSHOT_QUANTUM)
