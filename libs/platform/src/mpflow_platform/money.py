"""Domain-neutral money arithmetic shared by several services with one meaning."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

KOPECK = Decimal("0.01")


def round_money(amount: Decimal, quantum: Decimal = KOPECK) -> Decimal:
    """Round half-up to the quantum (kopecks by default)."""
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def split_largest_remainder(
    total: Decimal, weights: Sequence[Decimal], quantum: Decimal = KOPECK
) -> list[Decimal]:
    """Split `total` by `weights` into parts that are multiples of `quantum` and sum exactly.

    Each part gets the floor of its share; the quanta left over go one each to the parts with
    the largest remainders (ties: earlier part first). All-zero weights split equally.
    """
    if not weights:
        raise ValueError("cannot split over zero parts")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if total != total.quantize(quantum):
        raise ValueError(f"total {total} is not a multiple of {quantum}")
    effective = list(weights) if sum(weights) > 0 else [Decimal(1)] * len(weights)
    weight_sum = sum(effective)
    units = int(total / quantum)
    sign = -1 if units < 0 else 1
    units = abs(units)
    exact = [Decimal(units) * w / weight_sum for w in effective]
    floors = [int(e) for e in exact]
    leftover = units - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return [Decimal(sign * f) * quantum for f in floors]
