"""Pure report arithmetic: periods, P&L lines, tax, margin, ROI, per unit, allocation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance.report.model import (
    PeriodProblem,
    SumRow,
    Sums,
    allocate_by_revenue,
    clip_group,
    dashboard_windows,
    day_start,
    group_bounds,
    per_unit,
    percent,
    resolve_period,
    sums_of,
    tax_of,
)

D = Decimal
FEES = ("commission", "logistics", "storage")


def _sums(**values: Decimal) -> Sums:
    return Sums(fees={"commission": D("0.00")}, **values)  # type: ignore[arg-type]


def test_sums_name_each_kind_with_costs_positive() -> None:
    rows = [
        SumRow("revenue", None, D("1500.00"), 3),
        SumRow("refund", None, D("-500.00"), 1),
        SumRow("fee", "commission", D("-225.00")),
        SumRow("fee", "storage", D("-30.00")),
        SumRow("other_cost", None, D("-10.00")),
        SumRow("cogs", None, D("-600.00")),
        SumRow("cogs_adjustment", None, D("200.00")),
        SumRow("loss", None, D("-40.00"), 1),
        SumRow("expense", None, D("-300.00")),
        SumRow("income", None, D("100.00")),
        SumRow("tax", None, D("-999.00")),
    ]

    s = sums_of(rows, FEES)

    assert (s.revenue, s.returns, s.net_revenue) == (D("1500.00"), D("500.00"), D("1000.00"))
    assert s.fees == {"commission": D("225.00"), "logistics": D("0.00"), "storage": D("30.00")}
    assert (s.fees_total, s.other_costs, s.cogs) == (D("255.00"), D("10.00"), D("600.00"))
    assert (s.cogs_adjustments, s.losses) == (D("-200.00"), D("40.00"))
    assert s.gross_profit == D("1000.00") - 255 - 10 - 600 + 200 - 40
    assert (s.operating_expenses, s.other_income) == (D("300.00"), D("100.00"))
    assert s.profit_before_tax == D("95.00")
    assert (s.units_sold, s.units_returned) == (3, 1)


def test_usn_income_taxes_net_revenue_plus_other_income() -> None:
    s = _sums(revenue=D("1000.00"), returns=D("100.00"), other_income=D("108.75"))

    assert tax_of("usn_income", D("6.00"), s) == D("60.53")  # 1008.75 × 6 % = 60.525


def test_usn_income_minus_expense_taxes_profit_and_a_loss_pays_nothing() -> None:
    profit = _sums(revenue=D("1000.00"), cogs=D("600.00"), operating_expenses=D("100.05"))
    loss = _sums(revenue=D("1000.00"), cogs=D("1200.00"))

    assert tax_of("usn_income_minus_expense", D("15.00"), profit) == D("44.99")  # 299.95×15 %
    assert tax_of("usn_income_minus_expense", D("15.00"), loss) == D("0.00")


def test_a_zero_rate_and_no_tax_mode_give_no_tax() -> None:
    s = _sums(revenue=D("1000.00"))

    assert tax_of("usn_income", D("0"), s) == D("0.00")
    assert tax_of("none", D("6.00"), s) == D("0.00")


def test_percent_rounds_half_up_and_is_none_on_a_zero_base() -> None:
    assert percent(D("211.00"), D("800.00")) == D("26.38")  # 26.375
    assert percent(D("-21.00"), D("1000.00")) == D("-2.10")
    assert percent(D("5.00"), D("0.00")) is None


def test_per_unit_is_none_for_no_units() -> None:
    assert per_unit(D("100.00"), 3) == D("33.33")
    assert per_unit(D("100.00"), 0) is None


def test_account_charges_are_allocated_by_revenue_share_largest_remainder() -> None:
    assert allocate_by_revenue(D("30.00"), [D("1300.00"), D("500.00")]) == [
        D("21.67"),
        D("8.33"),
    ]
    assert allocate_by_revenue(D("0.10"), [D("-5.00"), D("0.00"), D("0.00")]) == [
        D("0.04"),
        D("0.03"),
        D("0.03"),
    ]


@given(
    st.decimals(min_value=-10_000, max_value=10_000, places=2),
    st.lists(st.decimals(min_value=-1000, max_value=100_000, places=2), min_size=1, max_size=20),
)
def test_allocated_parts_always_sum_to_the_charges(total: Decimal, revenues: list[Decimal]) -> None:
    assert sum(allocate_by_revenue(total, revenues)) == total


def test_the_default_period_is_the_last_30_days_ending_today() -> None:
    period = resolve_period(None, None, timezone="Europe/Moscow", today=date(2026, 3, 31))

    assert (period.date_from, period.date_to) == (date(2026, 3, 2), date(2026, 3, 31))
    assert period.start == datetime(2026, 3, 1, 21, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 3, 31, 21, 0, tzinfo=UTC)


def test_a_reversed_range_and_one_over_three_years_are_refused() -> None:
    today = date(2026, 3, 31)

    with pytest.raises(PeriodProblem) as reversed_range:
        resolve_period(date(2026, 3, 2), date(2026, 3, 1), timezone="UTC", today=today)
    with pytest.raises(PeriodProblem) as too_long:
        resolve_period(date(2023, 1, 1), date(2026, 1, 1), timezone="UTC", today=today)
    three_years = resolve_period(date(2023, 1, 1), date(2025, 12, 31), timezone="UTC", today=today)

    assert reversed_range.value.error_code == "invalid_date_range"
    assert too_long.value.error_code == "period_too_long"
    assert three_years.date_to == date(2025, 12, 31)


def test_days_start_at_local_midnight_across_a_dst_change() -> None:
    # Berlin moves to summer time on 2026-03-29: that day starts at 23:00Z, the next at 22:00Z.
    assert day_start(date(2026, 3, 29), "Europe/Berlin") == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert day_start(date(2026, 3, 30), "Europe/Berlin") == datetime(2026, 3, 29, 22, tzinfo=UTC)


def test_groups_are_clipped_to_the_report_period() -> None:
    period = resolve_period(date(2026, 3, 4), date(2026, 4, 10), timezone="UTC", today=date.today())

    assert clip_group(date(2026, 3, 2), "week", period) == (date(2026, 3, 4), date(2026, 3, 8))
    assert clip_group(date(2026, 3, 1), "month", period) == (date(2026, 3, 4), date(2026, 3, 31))
    assert clip_group(date(2026, 4, 1), "month", period) == (date(2026, 4, 1), date(2026, 4, 10))
    assert clip_group(date(2026, 3, 9), "day", period) == (date(2026, 3, 9), date(2026, 3, 9))


def test_december_groups_end_on_new_years_eve() -> None:
    period = resolve_period(
        date(2025, 12, 1), date(2026, 1, 31), timezone="UTC", today=date.today()
    )

    assert clip_group(date(2025, 12, 1), "month", period) == (date(2025, 12, 1), date(2025, 12, 31))


def test_dashboard_windows_end_today_each_beside_the_one_before() -> None:
    windows = {w.name: (w.date_from, w.date_to) for w in dashboard_windows(date(2026, 3, 31))}

    assert windows == {
        "today": (date(2026, 3, 31), date(2026, 3, 31)),
        "today_previous": (date(2026, 3, 30), date(2026, 3, 30)),
        "7d": (date(2026, 3, 25), date(2026, 3, 31)),
        "7d_previous": (date(2026, 3, 18), date(2026, 3, 24)),
        "30d": (date(2026, 3, 2), date(2026, 3, 31)),
        "30d_previous": (date(2026, 1, 31), date(2026, 3, 1)),
    }


def test_group_bounds_begin_at_local_midnight_of_each_groups_first_day_in_the_period() -> None:
    period = resolve_period(
        date(2026, 3, 4), date(2026, 3, 17), timezone="Europe/Moscow", today=date.today()
    )

    starts, instants = group_bounds(period, "week")

    assert starts == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert instants == [
        datetime(2026, 3, 3, 21, tzinfo=UTC),  # 4 March 00:00 MSK: the period starts there
        datetime(2026, 3, 8, 21, tzinfo=UTC),
        datetime(2026, 3, 15, 21, tzinfo=UTC),
    ]
    assert group_bounds(period, "month")[0] == [date(2026, 3, 1)]
    assert len(group_bounds(period, "day")[0]) == 14
