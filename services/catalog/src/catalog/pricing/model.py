"""The pricing calculator: pure Decimal arithmetic, no I/O (DOMAIN.md §10).

Everything is per unit sold, in the base currency, in kopecks.

Inputs (money already converted to base and rounded half-up to the kopeck, DOMAIN.md §1):
    P      price the buyer pays
    C      cost of goods (COGS per unit)
    L, M   logistics to the marketplace, last mile
    S      storage = round(storage_per_day × storage_days)
    R      expected return cost = round(return_cost × return_rate)
           (return_rate = returns per unit sold; a returned unit goes back to stock, so only
           the cost of the return itself — reverse logistics, processing — is lost; if you know
           the buyout share b of deliveries, use return_rate = (1 − b) / b)
    c      commission rate: fixed, or the rate of the Ozon tier with price_min ≤ P < price_max
    a      acquiring rate,  τ  tax rate

Lines (each rounded half-up to the kopeck, so the lines always sum to the total):
    commission = round(c × P)     acquiring = round(a × P)
    F          = C + L + M + S + R                         (costs that do not depend on P)
    tax        = 0                                          mode none
               = round(τ × P)                               mode usn_income (on revenue)
               = round(τ × max(0, P − F − commission − acquiring))
                                                            mode usn_income_minus_expense:
                 every other line is a deductible expense (the annual minimum tax is not
                 modelled)
    total_costs = F + commission + acquiring + tax
    profit      = P − total_costs
    margin %    = profit / P × 100        ROI % = profit / C × 100 (none when C = 0)
    markup %    = (P − C) / C × 100       (none when C = 0)

Reverse (a target) and breakeven. Without rounding, profit is the minimum of straight lines
A·P − B in P (one line, or two for usn_income_minus_expense):
    none                     A = 1 − c − a              B = F
    usn_income               A = 1 − c − a − τ          B = F
    usn_income_minus_expense A = 1 − c − a,  B = F  and  A = (1 − τ)(1 − c − a),  B = (1 − τ)F
A target is "profit ≥ m·P + q": margin t → m = t/100, q = 0; ROI r → m = 0, q = r/100 × C;
breakeven → m = q = 0. So each line gives (A − m)·P ≥ B + q, i.e. P ≥ (B + q)/(A − m) when
A − m > 0 (no price reaches it when A − m ≤ 0 and B + q > 0).

Tiers are tried in price order. For each, the exact equation is solved with that tier's rate;
since the rounded lines differ from the exact ones by at most ROUNDING_SLACK, the prices of
the grid (multiples of `step`, default one kopeck) from the relaxed solution upwards are
checked with the rounded forward calculation, inside the tier, and the first one that meets
the target is the answer: the lowest price reaching it, since tiers do not overlap. A tier
whose solution lies outside it is reported and the next tier is tried. When no tier has one,
the target is unreachable and the supremum of the margin (or ROI) is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Literal

from mpflow_platform.money import KOPECK, round_money

TaxMode = Literal["usn_income", "usn_income_minus_expense", "none"]
Scheme = Literal["FBO", "FBS", "RFBS"]
TargetKind = Literal["margin", "roi", "breakeven"]

HUNDRED = Decimal(100)
ZERO = Decimal(0)
#: |rounded profit − exact profit| ≤ 0.005 (commission) + 0.005 (acquiring) + 0.015 (tax,
#: whose base moves with the two rounded lines); 0.03 leaves room.
ROUNDING_SLACK = Decimal("0.03")
#: At most this many grid prices are checked per tier (the window is a few kopecks unless the
#: target sits within a hair of the highest reachable margin), and MAX_CHECKS in all, so that
#: a file of thousands of tiers cannot make one request expensive.
MAX_SCAN = 20_000
#: The highest price the calculator answers with (what numeric(14,2) holds): a target that
#: needs more is unreachable, not an arithmetic overflow.
MAX_PRICE = Decimal("999999999999.99")
MAX_CHECKS = 50_000


class PricingError(Exception):
    """Base of the calculator's errors (the service maps them to problem+json)."""


class NoCommissionTier(PricingError):
    """The price lies in no commission tier."""

    def __init__(self, price: Decimal, tiers: tuple[Tier, ...]) -> None:
        ranges = ", ".join(t.label for t in tiers)
        super().__init__(f"the price {price} is in no commission tier (tiers: {ranges})")
        self.price = price


class TargetUnreachable(PricingError):
    """No price reaches the target; `best` is the highest margin/ROI %, when computable."""

    def __init__(self, message: str, *, best: Decimal | None) -> None:
        super().__init__(message)
        self.best = best


class RoiUndefined(PricingError):
    """ROI needs a positive cost of goods."""


@dataclass(frozen=True)
class Tier:
    """A commission rate for price_min ≤ price < price_max (None: no upper bound)."""

    price_min: Decimal
    price_max: Decimal | None
    rate_percent: Decimal

    def contains(self, price: Decimal) -> bool:
        return self.price_min <= price and (self.price_max is None or price < self.price_max)

    @property
    def label(self) -> str:
        upper = "∞" if self.price_max is None else str(self.price_max)
        return f"[{self.price_min}, {upper}) {self.rate_percent} %"


@dataclass(frozen=True)
class Commission:
    """Fixed (one tier over all prices, `tiered` False) or Ozon's tiers in price order."""

    tiers: tuple[Tier, ...]
    tiered: bool

    @classmethod
    def fixed(cls, rate_percent: Decimal) -> Commission:
        return cls((Tier(ZERO, None, rate_percent),), tiered=False)

    @classmethod
    def of_tiers(cls, tiers: list[Tier]) -> Commission:
        return cls(tuple(sorted(tiers, key=lambda t: t.price_min)), tiered=True)

    def tier_for(self, price: Decimal) -> Tier:
        for tier in self.tiers:
            if tier.contains(price):
                return tier
        raise NoCommissionTier(price, self.tiers)


@dataclass(frozen=True)
class Costs:
    """Per-unit inputs in base currency (kopecks) and rates in percent."""

    cogs: Decimal
    logistics: Decimal = ZERO
    last_mile: Decimal = ZERO
    storage_per_day: Decimal = ZERO
    storage_days: int = 0
    return_rate_percent: Decimal = ZERO
    return_cost: Decimal = ZERO
    acquiring_percent: Decimal = Decimal("1.5")
    tax_mode: TaxMode = "usn_income"
    tax_rate_percent: Decimal = Decimal(6)

    @property
    def storage(self) -> Decimal:
        return round_money(self.storage_per_day * self.storage_days)

    @property
    def returns(self) -> Decimal:
        return round_money(self.return_cost * self.return_rate_percent / HUNDRED)

    @property
    def fixed(self) -> Decimal:
        """F: the costs that do not depend on the price."""
        return self.cogs + self.logistics + self.last_mile + self.storage + self.returns


@dataclass(frozen=True)
class Breakdown:
    """The forward calculation at one price (money in kopecks, percents exact)."""

    price: Decimal
    costs: Costs
    commission_rate_percent: Decimal
    tier: Tier | None
    commission: Decimal
    acquiring: Decimal
    tax_base: Decimal
    tax: Decimal

    @property
    def total_costs(self) -> Decimal:
        return self.costs.fixed + self.commission + self.acquiring + self.tax

    @property
    def profit(self) -> Decimal:
        return self.price - self.total_costs

    @property
    def margin_percent(self) -> Decimal:
        return self.profit * HUNDRED / self.price

    @property
    def roi_percent(self) -> Decimal | None:
        return self.profit * HUNDRED / self.costs.cogs if self.costs.cogs > 0 else None

    @property
    def markup_percent(self) -> Decimal | None:
        cogs = self.costs.cogs
        return (self.price - cogs) * HUNDRED / cogs if cogs > 0 else None


@dataclass(frozen=True)
class Target:
    """What reverse solving aims at: margin % or ROI % (value), or breakeven (profit 0)."""

    kind: TargetKind
    value: Decimal = ZERO

    def slope_and_offset(self, costs: Costs) -> tuple[Decimal, Decimal]:
        """(m, q) of "profit ≥ m·price + q"."""
        if self.kind == "margin":
            return self.value / HUNDRED, ZERO
        if self.kind == "roi":
            if costs.cogs <= 0:
                raise RoiUndefined("a ROI target needs a cost of goods above zero")
            return ZERO, self.value * costs.cogs / HUNDRED
        return ZERO, ZERO

    def is_met(self, b: Breakdown) -> bool:
        m, q = self.slope_and_offset(b.costs)
        return b.profit >= m * b.price + q


@dataclass(frozen=True)
class TierTry:
    """One tier tried by the solver: the exact solution at its rate, and whether a price
    inside the tier reaches the target (`outcome`: inside | outside | unreachable)."""

    tier: Tier
    solution: Decimal | None
    outcome: Literal["inside", "outside", "unreachable"]


@dataclass(frozen=True)
class Solution:
    price: Decimal
    breakdown: Breakdown
    tried: list[TierTry] = field(default_factory=list)


def forward(price: Decimal, costs: Costs, commission: Commission) -> Breakdown:
    """Profit, margin, ROI at `price` (kopecks); NoCommissionTier outside every tier."""
    tier = commission.tier_for(price)
    return _at_rate(price, costs, tier.rate_percent, tier if commission.tiered else None)


def _at_rate(price: Decimal, costs: Costs, rate_percent: Decimal, tier: Tier | None) -> Breakdown:
    fee = round_money(price * rate_percent / HUNDRED)
    acquiring = round_money(price * costs.acquiring_percent / HUNDRED)
    tau = costs.tax_rate_percent / HUNDRED
    if costs.tax_mode == "usn_income":
        base = price
    elif costs.tax_mode == "usn_income_minus_expense":
        base = max(ZERO, price - costs.fixed - fee - acquiring)
    else:
        base, tau = ZERO, ZERO
    return Breakdown(
        price=price,
        costs=costs,
        commission_rate_percent=rate_percent,
        tier=tier,
        commission=fee,
        acquiring=acquiring,
        tax_base=base,
        tax=round_money(tau * base),
    )


def _lines(costs: Costs, rate_percent: Decimal) -> list[tuple[Decimal, Decimal]]:
    """The exact profit as min over (A, B) of A·P − B, at one commission rate."""
    k = (rate_percent + costs.acquiring_percent) / HUNDRED
    tau = costs.tax_rate_percent / HUNDRED
    f = costs.fixed
    if costs.tax_mode == "usn_income":
        return [(1 - k - tau, f)]
    if costs.tax_mode == "usn_income_minus_expense":
        return [(1 - k, f), ((1 - tau) * (1 - k), (1 - tau) * f)]
    return [(1 - k, f)]


def _interval(
    lines: list[tuple[Decimal, Decimal]], m: Decimal, q: Decimal, slack: Decimal
) -> tuple[Decimal, Decimal | None] | None:
    """Prices P > 0 with (A − m)·P ≥ B + q − slack for every line: [low, high] (high None:
    unbounded), or None when there is none."""
    low, high = ZERO, None
    for a, b in lines:
        s, r = a - m, b + q - slack
        if s > 0:
            low = max(low, r / s)
        elif s < 0:
            bound = r / s
            high = bound if high is None else min(high, bound)
        elif r > 0:
            return None
    if high is not None and high < low:
        return None
    return low, high


def _ceil_to(value: Decimal, step: Decimal) -> Decimal:
    return ((value / step).to_integral_value(rounding=ROUND_CEILING) * step).quantize(KOPECK)


def _floor_to(value: Decimal, step: Decimal) -> Decimal:
    return ((value / step).to_integral_value(rounding=ROUND_FLOOR) * step).quantize(KOPECK)


def _scan_tier(
    tier: Tier, costs: Costs, target: Target, step: Decimal, tiered: bool, budget: list[int]
) -> tuple[Breakdown | None, Decimal | None]:
    """(the lowest grid price in `tier` meeting the target, or None; the exact solution).
    `budget` holds the checks left for the whole solve and is decreased."""
    m, q = target.slope_and_offset(costs)
    lines = _lines(costs, tier.rate_percent)
    exact = _interval(lines, m, q, ZERO)
    solution = None if exact is None else exact[0]
    relaxed = _interval(lines, m, q, ROUNDING_SLACK)
    if relaxed is None:
        return None, solution
    low = max(relaxed[0], tier.price_min, step)
    if low > MAX_PRICE:
        return None, solution  # only prices no one could charge (or store) would do
    start = _ceil_to(low, step)
    strict = _interval(lines, m, q, -ROUNDING_SLACK)
    guaranteed = None if strict is None else _ceil_to(max(strict[0], low), step)
    if guaranteed is not None and exact is not None and guaranteed - start > step * MAX_SCAN:
        # A window too wide to scan (the target is within a hair of the tier's asymptotic
        # margin): scan around the exact solution instead.
        start = max(
            start, _ceil_to(min(max(exact[0], low), MAX_PRICE), step) - step * (MAX_SCAN // 2)
        )
    price = start
    for _ in range(MAX_SCAN + 1):
        if not _may_scan(price, tier, relaxed[1]) or budget[0] <= 0:
            break
        budget[0] -= 1
        b = _at_rate(price, costs, tier.rate_percent, tier if tiered else None)
        if target.is_met(b):
            return b, solution
        price += step
    if guaranteed is not None and price < guaranteed and _may_scan(guaranteed, tier, relaxed[1]):
        b = _at_rate(guaranteed, costs, tier.rate_percent, tier if tiered else None)
        if target.is_met(b):
            return b, solution
    return None, solution


def _may_scan(price: Decimal, tier: Tier, high: Decimal | None) -> bool:
    return (tier.price_max is None or price < tier.price_max) and (high is None or price <= high)


def solve(target: Target, costs: Costs, commission: Commission, step: Decimal = KOPECK) -> Solution:
    """The lowest price (a multiple of `step`) reaching `target`; TargetUnreachable if none."""
    tried: list[TierTry] = []
    budget = [MAX_CHECKS]
    for tier in commission.tiers:
        found, solution = _scan_tier(tier, costs, target, step, commission.tiered, budget)
        # The exact solution is shown only when it is a price at all (not ~10^26).
        display = None if solution is None or solution > MAX_PRICE else _ceil_to(solution, KOPECK)
        if found is not None:
            tried.append(TierTry(tier, display, "inside"))
            return Solution(found.price, found, tried)
        tried.append(TierTry(tier, display, "outside" if solution is not None else "unreachable"))
    raise _unreachable(target, costs, commission)


def _unreachable(target: Target, costs: Costs, commission: Commission) -> TargetUnreachable:
    best = best_reachable(target, costs, commission)
    what = {"margin": "margin", "roi": "ROI", "breakeven": "breakeven"}[target.kind]
    wanted = f"a {what} of {target.value} %" if target.kind != "breakeven" else "breakeven"
    if best is None:
        return TargetUnreachable(f"no price reaches {wanted} with these costs", best=None)
    measure = "ROI" if target.kind == "roi" else "margin"
    return TargetUnreachable(
        f"no price reaches {wanted}: with these costs and rates the {measure} stays below "
        f"{best} %; lower the target or the costs",
        best=best,
    )


def best_reachable(target: Target, costs: Costs, commission: Commission) -> Decimal | None:
    """The supremum of the margin % (ROI % for a ROI target) over the tiers' prices, rounded
    down to 0.01; None when it is unbounded or there is no tier."""
    values: list[Decimal] = []
    for tier in commission.tiers:
        lines = _lines(costs, tier.rate_percent)
        if target.kind == "roi":
            value = _sup_profit(lines, tier)
            if value is None:
                return None
            values.append(value * HUNDRED / costs.cogs)
        elif tier.price_max is None:  # margin = min(A − B/P) rises to min(A) as P grows
            values.append(min(a for a, _ in lines) * HUNDRED)
        else:
            p = tier.price_max
            values.append(min(a * p - b for a, b in lines) * HUNDRED / p)
    if not values or max(values) > MAX_PRICE:  # no figure worth showing
        return None
    return _floor_to(max(values), KOPECK)


def _sup_profit(lines: list[tuple[Decimal, Decimal]], tier: Tier) -> Decimal | None:
    """The supremum of the exact profit (concave, piecewise linear) over the tier; None when
    unbounded."""

    def profit(p: Decimal) -> Decimal:
        return min(a * p - b for a, b in lines)

    points = [max(tier.price_min, KOPECK)]
    if tier.price_max is not None:
        points.append(tier.price_max)
    elif min(a for a, _ in lines) > 0:
        return None
    if len(lines) == 2:
        (a1, b1), (a2, b2) = lines
        if a1 != a2:
            kink = (b1 - b2) / (a1 - a2)
            if tier.contains(kink):
                points.append(kink)
    return max(profit(p) for p in points)


# --- commission tiers as data ------------------------------------------------------------


@dataclass(frozen=True)
class TierRow:
    """One stored (or sample) commission tier with its scope and validity."""

    category: str
    product_type: str
    scheme: Scheme
    price_min: Decimal
    price_max: Decimal | None
    rate_percent: Decimal
    valid_from: date
    valid_to: date | None
    source: str

    @property
    def set_key(self) -> tuple[str, str, str, date]:
        """Rows sharing this key form one tier set (replaced together on import)."""
        return (
            self.category.casefold(),
            self.product_type.casefold(),
            self.scheme,
            self.valid_from,
        )

    def is_valid_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def as_tier(self) -> Tier:
        return Tier(self.price_min, self.price_max, self.rate_percent)


def in_force(rows: list[TierRow], on: date) -> list[TierRow]:
    """Per (category, product type, scheme): the set with the latest valid_from that is in
    force on `on` (valid_to is the last day, inclusive), ordered by scope and price."""
    latest: dict[tuple[str, str, str], date] = {}
    for row in rows:
        if row.is_valid_on(on):
            scope = row.set_key[:3]
            latest[scope] = max(latest.get(scope, row.valid_from), row.valid_from)
    chosen = [r for r in rows if r.is_valid_on(on) and latest.get(r.set_key[:3]) == r.valid_from]
    return sorted(chosen, key=lambda r: (*r.set_key[:3], r.price_min))


def tiers_for(
    rows: list[TierRow], *, category: str, product_type: str, scheme: str, on: date
) -> list[TierRow]:
    """The tiers for a product: its own product type's set, else the category-wide set
    (product type '')."""
    current = [
        r
        for r in in_force(rows, on)
        if r.category.casefold() == category.casefold() and r.scheme == scheme
    ]
    own = [r for r in current if r.product_type.casefold() == product_type.casefold()]
    return own or [r for r in current if r.product_type == ""]


def overlaps(rows: list[TierRow]) -> list[tuple[int, int]]:
    """Pairs of indexes of rows of one set whose price ranges overlap."""
    by_set: dict[tuple[str, str, str, date], list[int]] = {}
    for i, row in enumerate(rows):
        by_set.setdefault(row.set_key, []).append(i)
    found = []
    for indexes in by_set.values():
        ordered = sorted(indexes, key=lambda i: rows[i].price_min)
        widest = ordered[0]  # the row reaching highest so far
        for cur in ordered[1:]:
            upper = rows[widest].price_max
            if upper is None or rows[cur].price_min < upper:
                found.append((widest, cur))
            reach = rows[cur].price_max
            if upper is not None and (reach is None or reach > upper):
                widest = cur
    return found


def to_base(amount: Decimal, rate: Decimal) -> Decimal:
    """A foreign amount in base currency at `rate`, rounded half-up to the kopeck."""
    return round_money(amount * rate)
