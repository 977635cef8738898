"""Inventory's domain errors, mapped to problem+json once by the platform handler
(STYLE.md §7.9): subclass `NotFound` (404), `Conflict` (409) or `Unprocessable` (422) and set
`error_code`. Raise them from service code; routes never raise HTTPException.

Extra keyword arguments become members of the problem body, e.g.
`Unprocessable("…", invalid_params=[{"name": "lines.0.card_id", "reason": "…"}])`.
"""

from __future__ import annotations

from mpflow_platform.http.problems import Conflict, NotFound, Unprocessable

__all__ = ["Conflict", "NotFound", "Unprocessable"]


# --- suppliers -----------------------------------------------------------------------------


class SupplierNotFound(NotFound):
    error_code = "supplier_not_found"


class DuplicateSupplierName(Conflict):
    error_code = "duplicate_supplier_name"


class UnknownSupplier(Unprocessable):
    """A request names a supplier the tenant does not have (or has archived)."""

    error_code = "unknown_supplier"


# --- supplier orders -----------------------------------------------------------------------


class SupplierOrderNotFound(NotFound):
    error_code = "supplier_order_not_found"


class DuplicateOrderNumber(Conflict):
    error_code = "duplicate_order_number"


class OrderNotEditable(Conflict):
    """Header and lines change, and the order is deleted, only while it is a draft."""

    error_code = "order_not_editable"


class InvalidStatusTransition(Conflict):
    error_code = "invalid_status_transition"


class OrderNotCancellable(Conflict):
    error_code = "order_not_cancellable"


class OrderCancelled(Conflict):
    """Nothing is added to a cancelled order."""

    error_code = "order_cancelled"


class UnknownCard(Unprocessable):
    error_code = "unknown_card"


class CardArchived(Unprocessable):
    error_code = "card_archived"


class InvalidOrder(Unprocessable):
    """An order or charge that validates field by field but not as a whole (rates, sizes)."""

    error_code = "invalid_order"


class ChargeNotAllocatable(Unprocessable):
    """A charge cannot be split over the order's lines (missing weight/volume, manual amounts
    that do not sum, zero basis, negative landed value); `error_code` says which."""

    error_code = "charge_not_allocatable"


# --- stock ---------------------------------------------------------------------------------


class StockValueTooLarge(Unprocessable):
    """A card's stock value at a location would reach 10^12 (more than a balance holds)."""

    error_code = "stock_value_too_large"
