"""Money rules of sales (DOMAIN.md §1, §4, §5; docs/finance.md): pure values in, values out.

- A line's revenue is `round2(qty × unit_price)`; its fees and other costs are given for the
  whole line.
- A return of `q` of the `n` units not returned yet refunds what is left of the revenue when
  `q = n`, else `round2(q × left / n)`: the last units carry any residue, so the refunds of a
  fully returned line add up to its revenue exactly.
- A sale's COGS status: `pending` until inventory has costed every line, `partial` while
  units wait for stock, then `costed`; a cancelled sale stays `cancelled`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from uuid import UUID

from mpflow_platform.money import round_money as round2

ZERO = Decimal("0.00")
#: numeric(14,2) holds amounts below 10^12.
MONEY_LIMIT = Decimal(10) ** 12

CogsStatus = Literal["pending", "partial", "costed", "cancelled"]


def line_revenue(qty: int, unit_price: Decimal) -> Decimal:
    """What a line earns: `round2(qty × unit_price)`."""
    return round2(qty * unit_price)


def fees_total(fees: Iterable[Decimal]) -> Decimal:
    """Σ of a line's fees (the amounts by type)."""
    return round2(sum(fees, ZERO))


def fits_money(amount: Decimal) -> bool:
    """Whether an amount can be stored (numeric(14,2): below 10^12 in magnitude)."""
    return abs(amount) < MONEY_LIMIT


def refund_for(
    *, qty: int, qty_returned: int, revenue: Decimal, refunded: Decimal, q: int
) -> Decimal:
    """The revenue refunded when `q` more units of a line return: what is left of the
    revenue when every remaining unit returns, else `round2(q × left / remaining)`."""
    remaining = qty - qty_returned
    if not 0 < q <= remaining:
        raise ValueError(f"cannot return {q} units: {remaining} of {qty} are not returned yet")
    left = revenue - refunded
    return left if q == remaining else round2(q * left / remaining)


@dataclass(frozen=True)
class LineCosting:
    """What inventory told finance about one line so far."""

    costed: bool
    qty_pending: int


def cogs_status(lines: Iterable[LineCosting], *, cancelled: bool) -> CogsStatus:
    """The sale's COGS status from its lines (see the module docstring)."""
    if cancelled:
        return "cancelled"
    lines = list(lines)
    if not lines or not all(line.costed for line in lines):
        return "pending"
    return "partial" if any(line.qty_pending > 0 for line in lines) else "costed"


@dataclass(frozen=True)
class Demand:
    """Units a sale takes from one card at one location."""

    card_id: UUID
    location: str
    qty: int
    #: Indexes of the sale's lines that ask for these units.
    lines: tuple[int, ...]


@dataclass(frozen=True)
class Shortage:
    card_id: UUID
    location: str
    requested: int
    available: int
    lines: tuple[int, ...]


def demands(lines: Sequence[tuple[UUID, str, int]]) -> list[Demand]:
    """Units per (card, location) summed over `(card_id, location, qty)` lines, in order of
    first appearance."""
    qty: dict[tuple[UUID, str], int] = {}
    where: dict[tuple[UUID, str], list[int]] = {}
    for i, (card_id, location, units) in enumerate(lines):
        key = (card_id, location)
        qty[key] = qty.get(key, 0) + units
        where.setdefault(key, []).append(i)
    return [Demand(c, loc, n, tuple(where[(c, loc)])) for (c, loc), n in qty.items()]


def shortages(
    wanted: Iterable[Demand], available: Mapping[tuple[UUID, str], int]
) -> list[Shortage]:
    """The (card, location) pairs where the sale asks for more units than are on hand."""
    short = []
    for d in wanted:
        have = max(available.get((d.card_id, d.location), 0), 0)
        if d.qty > have:
            short.append(Shortage(d.card_id, d.location, d.qty, have, d.lines))
    return short
