"""Stock operations as pure rules: stocktake differences and transfer values (DOMAIN.md §5,
§6). No I/O; FIFO arithmetic itself is `inventory.costing.fifo`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from mpflow_platform.money import round_money


@dataclass(frozen=True)
class CountDifference:
    """A stocktake line: what the ledger expected at the location and what was counted."""

    card_id: UUID
    expected_qty: int
    counted_qty: int

    @property
    def difference(self) -> int:
        return self.counted_qty - self.expected_qty


def count_differences(
    counted: Sequence[tuple[UUID, int]], expected: Mapping[UUID, int]
) -> list[CountDifference]:
    """One difference per counted card, in the order counted (no ledger row: 0 expected)."""
    return [CountDifference(card, expected.get(card, 0), qty) for card, qty in counted]


def transfer_value(balance_qty: int, balance_value: Decimal, qty: int) -> Decimal:
    """Value moving with `qty` units out of a location holding `balance_qty` units worth
    `balance_value`: all of it when the whole balance moves, else
    `round2(qty × balance_value / balance_qty)` — the average cost at that location, with
    the residue kept by the last unit (like §4a consumption), so an emptied location holds
    no stray kopecks."""
    if not 0 < qty <= balance_qty:
        raise ValueError(f"transfer 1..{balance_qty} units, not {qty}")
    if qty == balance_qty:
        return balance_value
    return round_money(qty * balance_value / balance_qty)
