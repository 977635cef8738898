"""Landed cost of a supplier order (DOMAIN.md §2, §4a): pure arithmetic, no I/O.

`allocate()` turns an order's lines and charges into each line's value in base currency, its
share of every charge (with the basis value it was split on, for the explain view) and its
landed value. The rules, literally from DOMAIN.md §4a:

- `line_value_base = round2(qty_ordered × unit_price × order_rate)`;
  `charge_base = round2(amount × charge_rate)` (half-up, `mpflow_platform.money.round_money`).
- A charge is split over the lines by largest remainder in kopecks (ties to the earlier line,
  `mpflow_platform.money.split_largest_remainder`) on its method's basis: `by_value` ->
  `line_value_base`; `by_quantity` -> `qty_ordered`; `by_weight` -> `qty_ordered × weight_kg`;
  `by_volume` -> `qty_ordered × volume_l`; `equal` -> 1 per line; `manual` -> see below.
- `line_landed_value = line_value_base + Σ its charge shares`; `landed_unit_cost =
  line_landed_value / qty_ordered` to 4 dp is display only (values are stored and summed).

Decisions the contract leaves open (each pinned by a test):

- **Manual amounts are in the charge's currency** and must sum exactly to the charge's
  `amount` (DOMAIN.md §2: "must sum to the charge", which is entered in its own currency).
  They are converted by splitting `charge_base` over the lines by largest remainder with the
  manual amounts as weights, so the parts sum exactly to `charge_base`; when the charge is in
  base currency (rate 1) every part equals its manual amount exactly. Lines missing from the
  mapping get 0. Every manual amount must have the charge's sign (or be 0), because a
  largest-remainder split needs same-signed weights.
- **Zero basis**: a line whose basis is 0 (weight 0, price 0) gets no share. When the basis is
  0 on *every* line and the charge is not 0, no split is meaningful, so `ZeroBasis` is raised
  (choose another method); `money.split_largest_remainder` would otherwise silently split
  equally. A zero charge over a zero basis is simply 0 everywhere.
- **Negative charges** (a supplier discount or credit) are split like positive ones: the split
  is done on the absolute amount and the sign reapplied, so the parts still sum exactly. A
  line whose landed value would become negative raises `NegativeLandedValue` (stock cannot be
  worth less than nothing; §4a's receipt and FIFO rules assume non-negative values).
- Malformed input (empty order, duplicate ids, qty ≤ 0, negative price/weight/volume, rate ≤ 0)
  raises a plain `ValueError`: the API schemas reject it first.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, Literal, TypeVar

from mpflow_platform.money import KOPECK, round_money, split_largest_remainder

K = TypeVar("K", bound=Hashable)
Method = Literal["by_value", "by_quantity", "by_weight", "by_volume", "equal", "manual"]
UNIT_COST_QUANTUM = Decimal("0.0001")
ZERO = Decimal(0)


@dataclass(frozen=True)
class OrderLine(Generic[K]):
    """A supplier order line: units ordered, unit price in the order currency, and the card's
    weight (kg) and volume (l) snapshotted when the line was added (None when unknown)."""

    line_id: K
    qty_ordered: int
    unit_price: Decimal
    weight_kg: Decimal | None = None
    volume_l: Decimal | None = None


@dataclass(frozen=True)
class Charge(Generic[K]):
    """An order charge in its own currency, with its rate to base and allocation method;
    `manual` (method `manual` only) maps line ids to amounts in the charge's currency."""

    charge_id: Hashable
    amount: Decimal
    rate: Decimal
    method: Method
    manual: Mapping[K, Decimal] | None = None


@dataclass(frozen=True)
class ChargeShare:
    """One line's share of one charge: the basis value it was split on (for the explain view;
    the signed manual amount for `manual`) and the share in base currency."""

    charge_id: Hashable
    method: Method
    basis: Decimal
    amount_base: Decimal


@dataclass(frozen=True)
class ChargeTotal:
    """A charge in base currency and the total of the basis it was split on."""

    charge_id: Hashable
    method: Method
    charge_base: Decimal
    basis_total: Decimal


@dataclass(frozen=True)
class LineCost(Generic[K]):
    """A line's value in base, its charge shares (in charge order) and its landed value."""

    line_id: K
    qty_ordered: int
    line_value_base: Decimal
    shares: tuple[ChargeShare, ...]
    line_landed_value: Decimal

    @property
    def landed_unit_cost(self) -> Decimal:
        """`line_landed_value / qty_ordered` to 4 dp, half-up — display only (§4a)."""
        return round_money(self.line_landed_value / self.qty_ordered, UNIT_COST_QUANTUM)


@dataclass(frozen=True)
class Allocation(Generic[K]):
    """The landed cost of an order: one `LineCost` per line (in line order) and one
    `ChargeTotal` per charge (in charge order)."""

    lines: tuple[LineCost[K], ...]
    charges: tuple[ChargeTotal, ...]

    def line(self, line_id: K) -> LineCost[K]:
        """The costed line with this id (KeyError when the order has none)."""
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise KeyError(line_id)


class LandedCostError(ValueError):
    """An order's charges cannot be allocated as given (a validation error for the caller)."""


class MissingBasis(LandedCostError):
    """`by_weight` / `by_volume` was chosen but some lines lack that snapshot (DOMAIN.md §2)."""

    def __init__(self, method: Method, line_ids: Sequence[Hashable], charge_id: Hashable = None):
        self.method = method
        self.line_ids = tuple(line_ids)
        self.charge_id = charge_id
        what = "weight" if method == "by_weight" else "volume"
        super().__init__(
            f"charge {charge_id!r} is allocated {method}, but lines {list(self.line_ids)!r} have "
            f"no {what}: set it on those lines or choose another method"
        )


class ManualMismatch(LandedCostError):
    """Manual amounts do not sum to the charge's amount (both in the charge's currency), name
    lines that are not in the order, or have a sign other than the charge's."""

    def __init__(
        self,
        charge_id: Hashable,
        expected: Decimal,
        got: Decimal,
        unknown_line_ids: Sequence[Hashable] = (),
        wrong_sign_line_ids: Sequence[Hashable] = (),
    ):
        self.charge_id = charge_id
        self.expected = expected
        self.got = got
        self.unknown_line_ids = tuple(unknown_line_ids)
        self.wrong_sign_line_ids = tuple(wrong_sign_line_ids)
        problems = []
        if expected != got:
            problems.append(f"manual amounts sum to {got}, the charge is {expected}")
        if self.unknown_line_ids:
            problems.append(f"lines {list(self.unknown_line_ids)!r} are not in the order")
        if self.wrong_sign_line_ids:
            problems.append(f"lines {list(self.wrong_sign_line_ids)!r} have the wrong sign")
        super().__init__(f"charge {charge_id!r}: " + "; ".join(problems))


class ZeroBasis(LandedCostError):
    """A non-zero charge's basis is 0 on every line (e.g. all weights 0): nothing to split by."""

    def __init__(self, charge_id: Hashable, method: Method):
        self.charge_id = charge_id
        self.method = method
        super().__init__(
            f"charge {charge_id!r} is allocated {method}, but that basis is 0 on every line: "
            "choose another method"
        )


class NegativeLandedValue(LandedCostError):
    """Negative charges would make these lines' landed value negative."""

    def __init__(self, line_ids: Sequence[Hashable]):
        self.line_ids = tuple(line_ids)
        super().__init__(f"lines {list(self.line_ids)!r} would have a negative landed value")


def allocate(
    lines: Sequence[OrderLine[K]], order_rate: Decimal, charges: Sequence[Charge[K]]
) -> Allocation[K]:
    """Landed cost of an order: line values, charge shares and landed values (DOMAIN.md §4a)."""
    _check_order(lines, order_rate, charges)
    values = [round_money(line.qty_ordered * line.unit_price * order_rate) for line in lines]
    shares: list[list[ChargeShare]] = [[] for _ in lines]
    totals = []
    for charge in charges:
        charge_base = round_money(charge.amount * charge.rate)
        basis = _basis(charge, lines, values)
        for i, (b, part) in enumerate(zip(basis, _split(charge, charge_base, basis), strict=True)):
            shares[i].append(ChargeShare(charge.charge_id, charge.method, b, part))
        totals.append(ChargeTotal(charge.charge_id, charge.method, charge_base, sum(basis, ZERO)))
    costed = tuple(
        LineCost(
            line_id=line.line_id,
            qty_ordered=line.qty_ordered,
            line_value_base=value,
            shares=tuple(line_shares),
            line_landed_value=value + sum((s.amount_base for s in line_shares), ZERO),
        )
        for line, value, line_shares in zip(lines, values, shares, strict=True)
    )
    negative = [c.line_id for c in costed if c.line_landed_value < 0]
    if negative:
        raise NegativeLandedValue(negative)
    return Allocation(costed, tuple(totals))


def _basis(
    charge: Charge[K], lines: Sequence[OrderLine[K]], values: list[Decimal]
) -> list[Decimal]:
    """Each line's basis value for `charge` (§4a); raises `MissingBasis` / `ManualMismatch`."""
    method = charge.method
    if method == "by_value":
        return list(values)
    if method == "by_quantity":
        return [Decimal(line.qty_ordered) for line in lines]
    if method == "equal":
        return [Decimal(1) for _ in lines]
    if method == "manual":
        return _manual_basis(charge, lines)
    sizes = [line.weight_kg if method == "by_weight" else line.volume_l for line in lines]
    missing = [line.line_id for line, size in zip(lines, sizes, strict=True) if size is None]
    if missing:
        raise MissingBasis(method, missing, charge.charge_id)
    known = [size for size in sizes if size is not None]
    return [line.qty_ordered * size for line, size in zip(lines, known, strict=True)]


def _manual_basis(charge: Charge[K], lines: Sequence[OrderLine[K]]) -> list[Decimal]:
    manual = charge.manual or {}
    ids = {line.line_id for line in lines}
    unknown = [line_id for line_id in manual if line_id not in ids]
    wrong_sign = [
        line_id
        for line_id, amount in manual.items()
        if amount and _sign(amount) != _sign(charge.amount)
    ]
    got = sum(manual.values(), ZERO)
    if got != charge.amount or unknown or wrong_sign:
        raise ManualMismatch(charge.charge_id, charge.amount, got, unknown, wrong_sign)
    return [manual.get(line.line_id, ZERO) for line in lines]


def _split(charge: Charge[K], charge_base: Decimal, basis: list[Decimal]) -> list[Decimal]:
    """Largest-remainder split of `charge_base` on the basis' magnitudes (manual amounts carry
    the charge's sign; every other basis is non-negative)."""
    weights = [abs(b) for b in basis]
    if sum(weights, ZERO) == 0:
        if charge_base != 0:
            raise ZeroBasis(charge.charge_id, charge.method)
        return [ZERO.quantize(KOPECK) for _ in basis]
    return split_largest_remainder(charge_base, weights)


def _sign(amount: Decimal) -> int:
    return (amount > 0) - (amount < 0)


def _check_order(
    lines: Sequence[OrderLine[K]], order_rate: Decimal, charges: Sequence[Charge[K]]
) -> None:
    if not lines:
        raise ValueError("an order needs at least one line to allocate charges over")
    if len({line.line_id for line in lines}) != len(lines):
        raise ValueError("line ids must be unique")
    if len({charge.charge_id for charge in charges}) != len(charges):
        raise ValueError("charge ids must be unique")
    if order_rate <= 0 or any(charge.rate <= 0 for charge in charges):
        raise ValueError("exchange rates must be positive")
    for line in lines:
        sizes = (line.weight_kg, line.volume_l)
        if (
            line.qty_ordered <= 0
            or line.unit_price < 0
            or any(s is not None and s < 0 for s in sizes)
        ):
            raise ValueError(
                f"line {line.line_id!r}: qty must be positive, price/sizes not negative"
            )
