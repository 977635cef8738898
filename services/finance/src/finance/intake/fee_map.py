"""Ozon finance operations as P&L parts (DOMAIN.md §8): pure values in, values out.

- Each service of an operation, and each of its own charge fields, is a **fee type**: Ozon's
  service or operation name mapped by `fee_type_for` (commission, logistics, last mile,
  fulfillment, drop-off, acquiring, returns, marketing, storage, other).
- An operation with items is split over its SKUs: the sale commission by the items' price
  share, every other part by quantity share (Ozon lists an item once per unit); each split
  is by largest remainder in kopecks, so the parts add up to Ozon's amounts exactly.
- `accruals_for_sale` (the sale's revenue or its reversal) is **not** a part: the posting
  carries the revenue as a sale, so booking it here too would count it twice.
- What the listed parts do not explain (`amount − accruals_for_sale − Σ parts`) is typed by
  the operation type: a charge (e.g. `MarketplaceMarketingActionCostOperation`, storage)
  becomes a fee of that type, a positive rest (a compensation) is income.
- An operation without items is account-level: its parts have no SKU.

Amounts keep Ozon's sign, which is their effect on profit: charges −, refunds of fees +.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from mpflow_platform.money import round_money, split_largest_remainder

if TYPE_CHECKING:
    from finance.accrual.repository import FeeType

ZERO = Decimal("0.00")

#: Name prefixes Ozon puts before a service's own name, longest first.
_PREFIXES = (
    "marketplaceserviceitem",
    "operationmarketplaceservice",
    "marketplaceservice",
    "marketplace",
)

#: (fragment of the lower-cased name, fee type), checked in order: the first match wins.
#: Returns come first (`ReturnAfterDelivToCustomer` is a return, not a last mile).
_RULES: tuple[tuple[str, FeeType], ...] = (
    ("return", "returns"),
    ("notdelivered", "returns"),
    ("delivtocustomer", "last_mile"),
    ("lastmile", "last_mile"),
    ("directflowtrans", "logistics"),
    ("directflowlogistic", "logistics"),
    ("logistic", "logistics"),
    ("deliverykgt", "logistics"),
    ("deliverycost", "logistics"),
    ("pickup", "logistics"),
    ("fulfillment", "fulfillment"),
    ("dropoff", "dropoff"),
    ("acquiring", "acquiring"),
    ("marketingaction", "marketing"),
    ("premium", "marketing"),
    ("review", "marketing"),
    ("promotion", "marketing"),
    ("advert", "marketing"),
    ("storage", "storage"),
    ("commission", "commission"),
)


def fee_type_for(name: str) -> FeeType:
    """The fee type of an Ozon service or operation name, case-insensitively and with or
    without the `MarketplaceServiceItem` prefix; `other` for a name it does not know."""
    key = name.strip().lower()
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix) :]
            break
    for fragment, fee_type in _RULES:
        if fragment in key:
            return fee_type
    return "other"


@dataclass(frozen=True)
class Charge:
    """One amount of an operation before the split: a service, the commission, the rest."""

    fee_type: FeeType | None  # None: income
    amount: Decimal
    #: `price`: split by the items' price share; `qty`: by their quantity share.
    basis: Literal["price", "qty"]
    label: str


@dataclass(frozen=True)
class Part:
    """One P&L entry of an operation: a fee of a type (or income) for one SKU (None: the
    account), summed over the operation's charges of that type."""

    sku: int | None
    kind: Literal["fee", "income"]
    fee_type: FeeType | None
    amount: Decimal
    labels: tuple[str, ...]


def charges(
    *,
    operation_type: str,
    amount: Decimal,
    accruals_for_sale: Decimal,
    sale_commission: Decimal,
    delivery_charge: Decimal,
    return_delivery_charge: Decimal,
    services: Sequence[tuple[str, Decimal]],
) -> list[Charge]:
    """The operation's amounts as charges (see the module docstring); zero amounts left out."""
    listed = [
        Charge("commission", round_money(sale_commission), "price", "sale_commission"),
        Charge("logistics", round_money(delivery_charge), "qty", "delivery_charge"),
        Charge("returns", round_money(return_delivery_charge), "qty", "return_delivery_charge"),
        *(Charge(fee_type_for(name), round_money(price), "qty", name) for name, price in services),
    ]
    rest = (
        round_money(amount) - round_money(accruals_for_sale) - sum((c.amount for c in listed), ZERO)
    )
    if rest > 0:
        listed.append(Charge(None, rest, "qty", operation_type))
    elif rest < 0:
        listed.append(Charge(fee_type_for(operation_type), rest, "qty", operation_type))
    return [c for c in listed if c.amount != 0]


def parts(
    charges_: Sequence[Charge], *, units: Mapping[int, int], prices: Mapping[int, Decimal]
) -> list[Part]:
    """Split the charges over the SKUs (`units`: SKU → units in the operation, in the order
    Ozon listed them; `prices`: SKU → unit price where known) and sum them per SKU and fee
    type. No units: account-level parts. The price share falls back to the quantity share
    unless every SKU has a price."""
    skus = list(units)
    by_qty = [Decimal(units[s]) for s in skus]
    by_price = (
        [units[s] * prices[s] for s in skus] if skus and all(s in prices for s in skus) else by_qty
    )
    sums: dict[tuple[int | None, FeeType | None], tuple[Decimal, tuple[str, ...]]] = {}
    for charge in charges_:
        shares: list[tuple[int | None, Decimal]]
        if skus:
            weights = by_price if charge.basis == "price" else by_qty
            shares = list(zip(skus, split_largest_remainder(charge.amount, weights), strict=True))
        else:
            shares = [(None, charge.amount)]
        for sku, share in shares:
            key = (sku, charge.fee_type)
            total, labels = sums.get(key, (ZERO, ()))
            sums[key] = (total + share, labels + (charge.label,))
    return [
        Part(sku, "income" if fee_type is None else "fee", fee_type, total, labels)
        for (sku, fee_type), (total, labels) in sums.items()
    ]


def units_of(skus: Sequence[int]) -> dict[int, int]:
    """Units per SKU from Ozon's item list (one entry per unit), in order of appearance."""
    units: dict[int, int] = {}
    for sku in skus:
        units[sku] = units.get(sku, 0) + 1
    return units
