"""FIFO lots: receipt values, consumption, late values, returns (DOMAIN.md §3–§5, §4a).

Pure arithmetic on values, no I/O: the caller loads lots under row locks, calls these
functions and stores what they return. Every split is a largest-remainder split in kopecks
(`mpflow_platform.money.split_largest_remainder`, ties to the earlier part) and every stored
amount is rounded half-up to kopecks (`round_money`), so that at every step
`Σ COGS (with adjustments, less returns put back) + Σ lot remaining value = Σ value received`.

Two edges where §4a, applied literally, would leave a lot's value below zero, and what is done:

- `receipt_value`: with a tiny unit value, half-up rounding of partial receipts could add up
  to more than the line's landed value and leave the completing receipt a negative residue; a
  partial receipt is therefore capped at what is still unassigned (it binds only then).
- `split_late_value` with a negative value (a refund, a credit note): a lot's on-hand part
  never takes its remaining value below zero; the excess is consumed (a COGS adjustment).
  A refund larger than the value of the units sold can still make an allocation's cost
  negative (a COGS credit); `restock_return` then puts back 0 rather than a negative value.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

from mpflow_platform.money import KOPECK, round_money, split_largest_remainder

L = TypeVar("L", bound=Hashable)
A = TypeVar("A", bound=Hashable)
UNIT_COST_QUANTUM = Decimal("0.0001")
ZERO = Decimal(0)


@dataclass(frozen=True)
class LotState(Generic[L]):
    """A lot's quantities (integer pieces) and values (kopecks), initial and remaining (§3)."""

    lot_id: L
    received_at: datetime
    initial_qty: int
    remaining_qty: int
    initial_value: Decimal
    remaining_value: Decimal

    def __post_init__(self) -> None:
        if not 0 <= self.remaining_qty <= self.initial_qty or self.initial_qty <= 0:
            raise ValueError(f"lot {self.lot_id!r}: need 0 <= remaining_qty <= initial_qty, > 0")


@dataclass(frozen=True)
class LotTake(Generic[L]):
    """`qty` units taken from one lot at `cost` — one FIFO allocation row (§4)."""

    lot_id: L
    qty: int
    cost: Decimal


@dataclass(frozen=True)
class Consumption(Generic[L]):
    """The result of `consume`: allocations in FIFO order, the touched lots as they are after
    it (same order), the units filled and the units `pending` for want of stock (§4)."""

    allocations: tuple[LotTake[L], ...]
    lots: tuple[LotState[L], ...]
    filled: int
    pending: int

    @property
    def cost(self) -> Decimal:
        """Σ allocation costs: the COGS of the filled units."""
        return sum((a.cost for a in self.allocations), ZERO)


@dataclass(frozen=True)
class LotLateShare(Generic[L]):
    """One lot's part of a late value: `share = on_hand + consumed`, and the part of `consumed`
    that no open allocation could take (`unattributed`, booked by the caller)."""

    lot_id: L
    share: Decimal
    on_hand: Decimal
    consumed: Decimal
    unattributed: Decimal


@dataclass(frozen=True)
class AllocationLateShare(Generic[L, A]):
    """An allocation's part of its lot's consumed share: a COGS adjustment dated now (§5)."""

    allocation_id: A
    lot_id: L
    amount: Decimal


@dataclass(frozen=True)
class LateSplit(Generic[L, A]):
    """A late value split over a line's lots (in the order given) and their allocations."""

    lots: tuple[LotLateShare[L], ...]
    allocations: tuple[AllocationLateShare[L, A], ...]

    @property
    def on_hand(self) -> Decimal:
        """Σ added to lots' remaining values."""
        return sum((lot.on_hand for lot in self.lots), ZERO)

    @property
    def consumed(self) -> Decimal:
        """Σ COGS adjustments, attributed to allocations or not."""
        return sum((lot.consumed for lot in self.lots), ZERO)

    @property
    def unattributed(self) -> Decimal:
        """Σ consumed parts of lots with no open allocation to attribute them to."""
        return sum((lot.unattributed for lot in self.lots), ZERO)


class ReceiptExceedsOrder(ValueError):
    """More units received than ordered: amend the order line first (§4a is undefined there)."""

    def __init__(self, qty_ordered: int, qty_received_before: int, n: int):
        self.qty_ordered, self.qty_received_before, self.n = qty_ordered, qty_received_before, n
        super().__init__(
            f"receiving {n} units after {qty_received_before} of {qty_ordered} ordered exceeds "
            "the order line: raise its quantity first"
        )


def receipt_value(
    line_landed_value: Decimal,
    qty_ordered: int,
    qty_received_before: int,
    value_received_before: Decimal,
    n: int,
) -> Decimal:
    """Initial value of a lot of `n` units received on a line (§4a).

    `round2(n × line_landed_value / qty_ordered)`, except the receipt completing the ordered
    quantity, which takes `line_landed_value − value_received_before` (Σ earlier lots' initial
    values). A partial receipt never takes more than that residue (module docstring).
    """
    if n <= 0 or qty_received_before < 0:
        raise ValueError("a receipt needs a positive quantity")
    if qty_received_before + n > qty_ordered:
        raise ReceiptExceedsOrder(qty_ordered, qty_received_before, n)
    if line_landed_value < 0 or not ZERO <= value_received_before <= line_landed_value:
        raise ValueError("need 0 <= value_received_before <= line_landed_value")
    residue = line_landed_value - value_received_before
    if qty_received_before + n == qty_ordered:
        return residue
    return min(round_money(n * line_landed_value / qty_ordered), residue)


def consume(lots_in_fifo_order: Sequence[LotState[L]], qty: int) -> Consumption[L]:
    """Take `qty` units from lots, oldest first, skipping empty lots (§4, §4a).

    Taking `q` of a lot's `r` remaining units of remaining value `V` costs `V` when `q = r`, else
    `round2(q × V / r)`; the lot keeps the rest, so its last unit carries any residue and no lot
    goes below zero. Units beyond the stock are `pending`. The caller orders the lots
    (received_at, then id); out-of-order `received_at` is refused.
    """
    if qty <= 0:
        raise ValueError("consume a positive quantity")
    stamps = [lot.received_at for lot in lots_in_fifo_order]
    if stamps != sorted(stamps):
        raise ValueError("lots must be given oldest received_at first")
    takes: list[LotTake[L]] = []
    after: list[LotState[L]] = []
    need = qty
    for lot in lots_in_fifo_order:
        if need == 0:
            break
        if lot.remaining_qty == 0:
            continue
        q = min(need, lot.remaining_qty)
        cost = _proportional(lot.remaining_value, q, lot.remaining_qty)
        takes.append(LotTake(lot.lot_id, q, cost))
        after.append(
            replace(
                lot, remaining_qty=lot.remaining_qty - q, remaining_value=lot.remaining_value - cost
            )
        )
        need -= q
    return Consumption(tuple(takes), tuple(after), filled=qty - need, pending=need)


def split_late_value(
    value: Decimal,
    lots_of_line: Sequence[LotState[L]],
    allocations_per_lot: Mapping[L, Sequence[tuple[A, int]]],
) -> LateSplit[L, A]:
    """Split a value added to a line after receipt (late charge, redistributed shortage) (§4a).

    1. Over the line's lots by initial quantity, largest remainder.
    2. Each lot's share: on-hand `round2(share × remaining / initial)` (added to its remaining
       value; floored so the lot's remaining value stays ≥ 0, module docstring) and consumed
       `share − on_hand` (a COGS adjustment now, §5).
    3. The consumed part over the lot's allocations by their open (not returned) quantity,
       largest remainder. When the lot has no allocation with open quantity (e.g. all were
       returned), the consumed part is returned as the lot's `unattributed` amount for the
       caller to book as an unattributed COGS adjustment.

    Negative values are split on their magnitude with the sign reapplied, so every level still
    sums exactly: Σ lot shares = value, and per lot on_hand + Σ its allocation parts +
    unattributed = share.
    """
    if value != value.quantize(KOPECK):
        raise ValueError(f"a late value must be in kopecks, got {value}")
    if not lots_of_line:
        raise ValueError("a late value needs received lots: add it to the line's landed value")
    shares = split_largest_remainder(value, [Decimal(lot.initial_qty) for lot in lots_of_line])
    lot_parts: list[LotLateShare[L]] = []
    alloc_parts: list[AllocationLateShare[L, A]] = []
    for lot, share in zip(lots_of_line, shares, strict=True):
        on_hand = max(
            _proportional(share, lot.remaining_qty, lot.initial_qty), -lot.remaining_value
        )
        consumed = share - on_hand
        open_allocations = [(a, q) for a, q in allocations_per_lot.get(lot.lot_id, ()) if q > 0]
        unattributed = ZERO.quantize(KOPECK)
        if consumed and open_allocations:
            parts = split_largest_remainder(consumed, [Decimal(q) for _, q in open_allocations])
            alloc_parts += [
                AllocationLateShare(a, lot.lot_id, part)
                for (a, _), part in zip(open_allocations, parts, strict=True)
            ]
        elif consumed:
            unattributed = consumed
        lot_parts.append(LotLateShare(lot.lot_id, share, on_hand, consumed, unattributed))
    return LateSplit(tuple(lot_parts), tuple(alloc_parts))


def restock_return(allocation_qty: int, allocation_cost: Decimal, q: int) -> Decimal:
    """Value put back into the lot by a restocked return of `q` of an allocation's `a` units
    whose cost is now `c`: `c` when `q = a`, else `round2(q × c / a)` (§4a). The allocation
    keeps `a − q` units and `c − put_back`; that much COGS is reversed (§5).

    An allocation whose cost a refund made negative (module docstring) puts back 0: its
    units return at no value and the credit stays in COGS, so the lot never goes below zero.
    """
    if not 0 < q <= allocation_qty:
        raise ValueError(f"return 1..{allocation_qty} units of this allocation, not {q}")
    return max(_proportional(allocation_cost, q, allocation_qty), ZERO.quantize(KOPECK))


def average_unit_cost(lots: Sequence[LotState[L]]) -> Decimal | None:
    """Weighted-average unit cost of the remaining stock, `Σ remaining value / Σ remaining qty`
    to 4 dp (unit costs keep 4 dp, §1); None when nothing remains (the caller must then give a
    cost). It prices a positive adjustment or stocktake surplus (§5)."""
    qty = sum(lot.remaining_qty for lot in lots)
    if qty == 0:
        return None
    value = sum((lot.remaining_value for lot in lots), ZERO)
    return round_money(value / qty, UNIT_COST_QUANTUM)


def adjustment_value(n: int, unit_cost: Decimal) -> Decimal:
    """Initial value of the lot a positive adjustment of `n` units creates at `unit_cost`
    (e.g. `average_unit_cost`): `round2(n × unit_cost)` (§1, §5)."""
    if n <= 0 or unit_cost < 0:
        raise ValueError("a positive adjustment needs n > 0 and a non-negative unit cost")
    return round_money(n * unit_cost)


def _proportional(whole: Decimal, part_qty: int, whole_qty: int) -> Decimal:
    """`whole` when the part is all of it, else `round2(part_qty × whole / whole_qty)` (§4a)."""
    if part_qty == whole_qty:
        return whole
    return round_money(part_qty * whole / whole_qty)
