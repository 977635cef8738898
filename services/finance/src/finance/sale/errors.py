"""The sale use cases' refusals, as problem+json errors (API.md conventions): raised by
`service`, `returns` and `api`, caught by the Ozon intake where a refusal is expected."""

from __future__ import annotations

from mpflow_platform.http.problems import Conflict, NotFound, Unprocessable


class SaleNotFound(NotFound):
    error_code = "sale_not_found"


class UnknownCard(Unprocessable):
    """A line names a card finance has no copy of (catalog's card events copy them)."""

    error_code = "unknown_card"


class InsufficientStock(Conflict):
    """The tenant rejects sales without stock (`negative_stock = reject`)."""

    error_code = "insufficient_stock"


class SaleHasReturns(Conflict):
    """A sale with customer returns was delivered: it cannot be cancelled."""

    error_code = "sale_has_returns"


class SaleIsCancelled(Conflict):
    """Nothing is returned from a cancelled sale."""

    error_code = "sale_cancelled"


class InvalidReturn(Unprocessable):
    """A return line of another sale, or more units than were sold and not yet returned."""

    error_code = "invalid_return"
