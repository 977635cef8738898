"""The pricing calculator's arithmetic (catalog/pricing/model.py), computed by hand.

Tiers used below (TIERS): [0, 300) 5 %, [300, 1500) 10 %, [1500, ∞) 20 %.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.pricing import model
from catalog.pricing.model import Commission, Costs, Target, Tier

TIERS = Commission.of_tiers(
    [Tier(D(300), D(1500), D(10)), Tier(D(0), D(300), D(5)), Tier(D(1500), None, D(20))]
)
BARE = Costs(cogs=D(300), acquiring_percent=D(0), tax_mode="none", tax_rate_percent=D(0))


def test_forward_in_the_second_tier_uses_its_rate_and_every_cost() -> None:
    costs = Costs(
        cogs=D(300),
        logistics=D(50),
        last_mile=D(63),
        storage_per_day=D(2),
        storage_days=30,
        return_rate_percent=D(5),
        return_cost=D(50),
        acquiring_percent=D("1.5"),
        tax_mode="usn_income",
        tax_rate_percent=D(6),
    )

    b = model.forward(D(1000), costs, TIERS)

    # 1000 is in [300, 1500): commission 10 % = 100.00
    assert b.tier == Tier(D(300), D(1500), D(10))
    assert b.commission == D("100.00")
    assert b.acquiring == D("15.00")  # 1.5 % × 1000
    assert costs.storage == D("60.00")  # 2 × 30
    assert costs.returns == D("2.50")  # 5 % × 50
    assert b.tax == D("60.00")  # 6 % × 1000 (on revenue)
    # 300 + 50 + 63 + 60 + 2.50 + 100 + 15 + 60 = 650.50
    assert b.total_costs == D("650.50")
    assert b.profit == D("349.50")  # 1000 − 650.50
    assert b.margin_percent == D("34.95")  # 349.50 / 1000
    assert b.roi_percent == D("116.5")  # 349.50 / 300
    assert round(b.markup_percent or 0, 2) == D("233.33")  # (1000 − 300) / 300


def test_a_price_at_a_tier_boundary_takes_the_upper_tier() -> None:
    at = model.forward(D(300), BARE, TIERS)
    below = model.forward(D("299.99"), BARE, TIERS)

    assert at.commission_rate_percent == D(10)  # price_min is inclusive
    assert at.commission == D("30.00")
    assert below.commission_rate_percent == D(5)  # price_max is exclusive
    assert below.commission == D("15.00")  # 5 % × 299.99 = 14.9995 → 15.00


def test_a_price_below_the_first_tier_is_in_no_tier() -> None:
    tiers = Commission.of_tiers([Tier(D(100), None, D(10))])

    with pytest.raises(model.NoCommissionTier):
        model.forward(D("99.99"), BARE, tiers)


def test_reverse_whose_first_tier_solution_crosses_the_boundary_answers_from_the_next() -> None:
    target = Target("margin", D(20))

    solution = model.solve(target, BARE, TIERS)

    # tier 5 %: P = 300 / (1 − 0.05 − 0.20) = 400, not below 300 → outside
    # tier 10 %: P = 300 / (1 − 0.10 − 0.20) = 428.5714… → 428.58
    #   at 428.58: commission 42.858 → 42.86, profit 85.72 ≥ 20 % × 428.58 = 85.716 ✓
    #   at 428.57: commission 42.86, profit 85.71 < 85.714 ✗
    assert [(t.tier.rate_percent, t.solution, t.outcome) for t in solution.tried] == [
        (D(5), D("400.00"), "outside"),
        (D(10), D("428.58"), "inside"),
    ]
    assert solution.price == D("428.58")
    assert solution.breakdown.profit == D("85.72")


def test_a_target_margin_that_no_tier_reaches_is_unreachable_with_the_best_margin() -> None:
    # Best margins: tier 1 at 300: (0.95·300 − 300)/300 = −5 %; tier 2 at 1500:
    # (0.9·1500 − 300)/1500 = 70 %; tier 3 as P → ∞: 1 − 0.20 = 80 %.
    with pytest.raises(model.TargetUnreachable) as caught:
        model.solve(Target("margin", D(85)), BARE, TIERS)

    assert caught.value.best == D("80.00")
    assert "80.00 %" in str(caught.value)


def test_rates_that_eat_the_whole_price_make_any_margin_unreachable() -> None:
    costs = Costs(cogs=D(100), acquiring_percent=D("1.5"), tax_rate_percent=D(6))

    # 1 − 0.60 − 0.015 − 0.06 − 0.40 < 0: the denominator is negative at every price;
    # the margin tends to 1 − 0.675 = 32.5 %.
    with pytest.raises(model.TargetUnreachable) as caught:
        model.solve(Target("margin", D(40)), costs, Commission.fixed(D(60)))

    assert caught.value.best == D("32.50")


def test_a_zero_tax_rate_is_valid_and_charges_nothing() -> None:
    costs = Costs(cogs=D(300), acquiring_percent=D(0), tax_rate_percent=D(0))

    b = model.forward(D(1000), costs, Commission.fixed(D(10)))

    assert b.tax == D("0.00")
    assert b.profit == D("600.00")  # 1000 − 300 − 100


def test_income_minus_expense_tax_deducts_every_cost_and_is_never_negative() -> None:
    costs = Costs(
        cogs=D(300),
        acquiring_percent=D(0),
        tax_mode="usn_income_minus_expense",
        tax_rate_percent=D(15),
    )

    profit = model.forward(D(1000), costs, Commission.fixed(D(10)))
    loss = model.forward(D(300), costs, Commission.fixed(D(10)))

    assert profit.tax_base == D("600.00")  # 1000 − 300 − 100
    assert profit.tax == D("90.00")  # 15 % × 600
    assert profit.profit == D("510.00")
    assert loss.tax == D("0.00")  # base 300 − 300 − 30 < 0 → 0
    assert loss.profit == D("-30.00")


def test_breakeven_puts_profit_at_zero_to_the_kopeck() -> None:
    costs = Costs(cogs=D(500), acquiring_percent=D("1.5"), tax_rate_percent=D(6))

    solution = model.solve(Target("breakeven"), costs, Commission.fixed(D(10)))

    # P = 500 / (1 − 0.10 − 0.015 − 0.06) = 606.0606… ; at 606.06: commission 60.61,
    # acquiring 9.09, tax 36.36 → costs 606.06 → profit 0.00 (rounding lets it be 1 kop. lower)
    assert solution.price == D("606.06")
    assert solution.breakdown.profit == D("0.00")


def test_roi_target_solves_for_profit_over_cogs() -> None:
    costs = Costs(cogs=D(200), acquiring_percent=D(0), tax_mode="none")

    solution = model.solve(Target("roi", D(50)), costs, Commission.fixed(D(20)))

    # profit = 0.8 P − 200 ≥ 0.5 × 200 = 100 → P = 375.00
    assert solution.price == D("375.00")
    assert solution.breakdown.roi_percent == D(50)


def test_roi_without_a_cost_of_goods_is_undefined() -> None:
    with pytest.raises(model.RoiUndefined):
        model.solve(Target("roi", D(50)), Costs(cogs=D(0)), Commission.fixed(D(20)))


def test_a_price_step_of_one_rouble_rounds_the_answer_up_to_whole_roubles() -> None:
    solution = model.solve(Target("margin", D(20)), BARE, TIERS, D(1))

    assert solution.price == D("429.00")  # 428.5714… up to the next rouble


def test_a_foreign_amount_converts_at_its_rate_to_the_kopeck() -> None:
    # 12.345 CNY × 12.85 = 158.63325 → 158.63 (half-up)
    assert model.to_base(D("12.345"), D("12.85")) == D("158.63")
    # 1.5 × 12.85 = 19.275 → 19.28 (half-up, not banker's)
    assert model.to_base(D("1.5"), D("12.85")) == D("19.28")


def _row(product_type: str, valid_from: date, rate: str, **kw: object) -> model.TierRow:
    fields: dict[str, object] = {
        "category": "Электроника",
        "product_type": product_type,
        "scheme": "FBO",
        "price_min": D(0),
        "price_max": None,
        "rate_percent": D(rate),
        "valid_from": valid_from,
        "valid_to": None,
        "source": "file",
    }
    return model.TierRow(**{**fields, **kw})  # type: ignore[arg-type]


def test_the_newest_set_in_force_and_the_own_product_type_win() -> None:
    rows = [
        _row("", date(2025, 1, 1), "10"),
        _row("", date(2025, 6, 1), "12"),
        _row("", date(2026, 1, 1), "14"),  # not yet in force
        _row("Смартфон", date(2025, 1, 1), "8", valid_to=date(2025, 3, 31)),
    ]

    def rate(product_type: str, on: date) -> list[D]:
        chosen = model.tiers_for(
            rows, category="электроника", product_type=product_type, scheme="FBO", on=on
        )
        return [r.rate_percent for r in chosen]

    assert rate("", date(2025, 7, 1)) == [D(12)]
    assert rate("Смартфон", date(2025, 3, 31)) == [D(8)]  # valid_to is inclusive
    assert rate("Смартфон", date(2025, 4, 1)) == [D(10)]  # expired → category-wide
    assert rate("", date(2024, 12, 31)) == []


def test_overlapping_ranges_of_one_set_are_found() -> None:
    rows = [
        _row("", date(2025, 1, 1), "10", price_max=D(1000)),
        _row("", date(2025, 1, 1), "12", price_min=D(100), price_max=D(200)),
        _row("", date(2025, 1, 1), "14", price_min=D(500), price_max=None),
        _row("", date(2025, 2, 1), "14", price_min=D(500)),  # another set
    ]

    assert model.overlaps(rows) == [(0, 1), (0, 2)]


# --- properties ---------------------------------------------------------------------------

money = st.integers(min_value=0, max_value=2_000_000).map(lambda k: D(k) / 100)
percent = st.integers(min_value=0, max_value=3000).map(lambda b: D(b) / 100)


@st.composite
def costs_st(draw: st.DrawFn) -> Costs:
    return Costs(
        cogs=draw(money),
        logistics=draw(money),
        last_mile=draw(money),
        storage_per_day=draw(st.integers(0, 1000).map(lambda k: D(k) / 100)),
        storage_days=draw(st.integers(0, 120)),
        return_rate_percent=draw(percent),
        return_cost=draw(money),
        acquiring_percent=draw(st.integers(0, 500).map(lambda b: D(b) / 100)),
        tax_mode=draw(st.sampled_from(["usn_income", "usn_income_minus_expense", "none"])),
        tax_rate_percent=draw(st.integers(0, 2000).map(lambda b: D(b) / 100)),
    )


@st.composite
def commission_st(draw: st.DrawFn) -> Commission:
    if draw(st.booleans()):
        return Commission.fixed(draw(percent))
    bounds = sorted(set(draw(st.lists(st.integers(1, 5_000_000), max_size=4))))
    edges = [0, *bounds]
    tiers = [
        Tier(D(lo) / 100, D(hi) / 100 if hi is not None else None, draw(percent))
        for lo, hi in zip(edges, [*bounds, None], strict=True)
    ]
    return Commission.of_tiers(tiers)


step_st = st.sampled_from([D("0.01"), D("0.01"), D("1")])
ROUNDING = D("0.03")  # the rounded lines move profit by at most 0.03 more than one step


def _window_is_scanned(costs: Costs, tier: Tier, m: D) -> bool:
    """Whether the solver's scan covered the whole rounding window (not cut by MAX_SCAN)."""
    k = (tier.rate_percent + costs.acquiring_percent) / 100
    tau = costs.tax_rate_percent / 100
    slopes = {
        "usn_income": [1 - k - tau],
        "usn_income_minus_expense": [1 - k, (1 - tau) * (1 - k)],
        "none": [1 - k],
    }[costs.tax_mode]
    s = min(slopes) - m
    return s > 0 and 2 * model.ROUNDING_SLACK / s / D("0.01") < model.MAX_SCAN


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    costs=costs_st(),
    commission=commission_st(),
    target=st.integers(-5000, 9000).map(lambda b: D(b) / 100),
    step=step_st,
)
def test_forward_of_reverse_reaches_the_margin_and_one_step_less_does_not(
    costs: Costs, commission: Commission, target: D, step: D
) -> None:
    try:
        solution = model.solve(Target("margin", target), costs, commission, step)
    except model.TargetUnreachable:
        return
    price = solution.price

    again = model.forward(price, costs, commission)

    assert again == solution.breakdown
    assert again.profit * 100 >= target * price  # margin ≥ target, exactly
    assert price % step == 0
    lower = price - step
    if lower <= 0:
        return
    tier = commission.tier_for(price)
    if not _window_is_scanned(costs, tier, target / 100):
        return
    try:
        assert not Target("margin", target).is_met(model.forward(lower, costs, commission))
    except model.NoCommissionTier:
        pass
    if tier.contains(lower):
        # profit(P) ≤ profit(P − step) + step + 0.03 and profit(P − step) < t·(P − step), so
        # margin(P) − t < (step·(1 − t) + 0.03) / P: the effect of one step plus rounding.
        bound = 100 * (step * (1 - target / 100) + ROUNDING) / price
        assert again.margin_percent - target < bound


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(costs=costs_st(), commission=commission_st(), step=step_st)
def test_breakeven_profit_is_zero_up_to_one_step(
    costs: Costs, commission: Commission, step: D
) -> None:
    try:
        solution = model.solve(Target("breakeven"), costs, commission, step)
    except model.TargetUnreachable:
        return
    profit = solution.breakdown.profit
    tier = commission.tier_for(solution.price)

    assert profit >= 0
    if tier.contains(solution.price - step) and _window_is_scanned(costs, tier, D(0)):
        # profit(P − step) ≤ −0.01 and one step adds at most step + 0.03 (rounding)
        assert profit < step + ROUNDING


@settings(max_examples=200, deadline=None)
@given(
    costs=costs_st().filter(lambda c: c.cogs > 0),
    commission=commission_st(),
    target=st.integers(-10000, 100000).map(lambda b: D(b) / 100),
)
def test_forward_of_reverse_reaches_the_roi(
    costs: Costs, commission: Commission, target: D
) -> None:
    try:
        solution = model.solve(Target("roi", target), costs, commission)
    except model.TargetUnreachable:
        return

    again = model.forward(solution.price, costs, commission)

    assert again.roi_percent is not None and again.roi_percent >= target


def test_a_target_needing_a_price_beyond_any_amount_is_unreachable_not_an_overflow() -> None:
    # 99.99 % commission and tax on profit leave a sliver per rouble; with a cost of 10^15
    # the price would be ~10^26, far past what any price (or numeric(14,2)) can be.
    costs = model.Costs(
        cogs=D("1000000000000000"),
        acquiring_percent=D("0"),
        tax_mode="usn_income_minus_expense",
        tax_rate_percent=D("99.99"),
    )
    commission = model.Commission.fixed(D("99.99"))

    with pytest.raises(model.TargetUnreachable):
        model.solve(model.Target("roi", D("100000")), costs, commission)
    with pytest.raises(model.TargetUnreachable):
        model.solve(model.Target("breakeven"), costs, commission)
