"""Receiving goods of a supplier order, as pure rules (DOMAIN.md §2, §3, §4a).

No I/O: the service loads the order's lines under locks, asks `plan_receipt()` what the
receipt does (lots to create, line totals after it, shortages settled by `close`) and
`order_status()` where the order ends up, then stores the answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal
from uuid import UUID

from inventory.costing.fifo import receipt_value

#: Statuses an order takes receipts in.
RECEIVABLE: tuple[str, ...] = ("ordered", "in_transit", "partially_received")
ShortagePolicy = Literal["redistribute", "write_off"]


@dataclass(frozen=True)
class OrderLine:
    """What a receipt needs of a supplier-order line."""

    id: UUID
    card_id: UUID
    qty_ordered: int
    qty_received: int
    landed_value: Decimal
    value_received: Decimal

    @property
    def qty_open(self) -> int:
        return self.qty_ordered - self.qty_received


@dataclass(frozen=True)
class LotToCreate:
    order_line_id: UUID
    card_id: UUID
    qty: int
    value: Decimal


@dataclass(frozen=True)
class Shortage:
    """A line closed short: `qty` units never came; `value` = landed − value received."""

    order_line_id: UUID
    card_id: UUID
    qty: int
    value: Decimal
    has_lots: bool


@dataclass(frozen=True)
class ReceiptPlan:
    lots: tuple[LotToCreate, ...]
    lines_after: tuple[OrderLine, ...]
    shortages: tuple[Shortage, ...]

    @property
    def value(self) -> Decimal:
        return sum((lot.value for lot in self.lots), Decimal("0.00"))


class ReceiptRejected(ValueError):
    """The requested receipt is not possible; `problems` are (field, reason) pairs."""

    def __init__(self, problems: Sequence[tuple[str, str]]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in self.problems))


def plan_receipt(
    lines: Sequence[OrderLine], requested: Sequence[tuple[UUID, int]], *, close: bool
) -> ReceiptPlan:
    """One lot per requested line at `receipt_value` (§4a); with `close`, every line still
    short after the receipt is a `Shortage` to settle by the order's policy (§3), and its
    value_received in `lines_after` is its landed value (the shortage settles the rest).

    Refuses unknown or repeated lines and more units than are still open on a line
    (an over-receipt: amend the order first).
    """
    by_id = {line.id: line for line in lines}
    problems: list[tuple[str, str]] = []
    seen: set[UUID] = set()
    for i, (line_id, qty) in enumerate(requested):
        line = by_id.get(line_id)
        if line is None:
            problems.append((f"lines.{i}.order_line_id", "not a line of this order"))
        elif line_id in seen:
            problems.append((f"lines.{i}.order_line_id", "this line is named twice"))
        elif qty > line.qty_open:
            problems.append(
                (
                    f"lines.{i}.qty",
                    f"over-receipt: {qty} units but only {line.qty_open} of {line.qty_ordered} "
                    "are still open on this line; amend the order line first",
                )
            )
        seen.add(line_id)
    if problems:
        raise ReceiptRejected(problems)
    after: dict[UUID, OrderLine] = dict(by_id)
    lots: list[LotToCreate] = []
    for line_id, qty in requested:
        line = after[line_id]
        value = receipt_value(
            line.landed_value, line.qty_ordered, line.qty_received, line.value_received, qty
        )
        lots.append(LotToCreate(line_id, line.card_id, qty, value))
        after[line_id] = OrderLine(
            id=line.id,
            card_id=line.card_id,
            qty_ordered=line.qty_ordered,
            qty_received=line.qty_received + qty,
            landed_value=line.landed_value,
            value_received=line.value_received + value,
        )
    lines_after = tuple(after[line.id] for line in lines)
    shortages = tuple(
        Shortage(
            order_line_id=line.id,
            card_id=line.card_id,
            qty=line.qty_open,
            value=line.landed_value - line.value_received,
            has_lots=line.qty_received > 0,
        )
        for line in lines_after
        if close and line.qty_open > 0
    )
    if close:
        # A settled shortage accounts for the rest of the line's landed value (in its lots
        # or as a loss): value_received = landed_value keeps later arithmetic exact.
        lines_after = tuple(
            replace(line, value_received=line.landed_value) if line.qty_open > 0 else line
            for line in lines_after
        )
    return ReceiptPlan(tuple(lots), lines_after, shortages)


def order_status(lines: Sequence[OrderLine], *, closed: bool, before: str) -> str:
    """Where an order stands after a receipt or an unreceive: `received` when closed or
    every line is complete, `partially_received` when some units arrived, else back to
    `ordered` (an unreceive of the only receipt; `before` is kept while nothing changed)."""
    if closed or all(line.qty_open == 0 for line in lines):
        return "received"
    if any(line.qty_received > 0 for line in lines):
        return "partially_received"
    return before if before in ("ordered", "in_transit") else "ordered"


def unreceived_lines(
    lines: Sequence[OrderLine], taken_back: Mapping[UUID, tuple[int, Decimal]]
) -> tuple[OrderLine, ...]:
    """The lines after an unreceive gave back `(qty, value)` per line id."""
    out = []
    for line in lines:
        qty, value = taken_back.get(line.id, (0, Decimal(0)))
        out.append(
            OrderLine(
                id=line.id,
                card_id=line.card_id,
                qty_ordered=line.qty_ordered,
                qty_received=line.qty_received - qty,
                landed_value=line.landed_value,
                value_received=line.value_received - value,
            )
        )
    return tuple(out)
