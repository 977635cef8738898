"""Pure report arithmetic: periods in the tenant's time zone, P&L lines from accrual sums,
tax, margin, ROI, per-unit figures and the allocation of account-level charges.

No I/O here: the sums come from SQL (report/queries.py), already grouped by kind and fee
type; this module only names and combines them (DOMAIN.md §7, docs/finance.md "Tax").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from finance.moments import DAY_RANGE, day_in_range
from mpflow_platform.money import round_money, split_largest_remainder

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
#: The default period: this many days ending today (tenant's time zone).
DEFAULT_DAYS = 30
#: The longest period a report covers.
MAX_YEARS = 3

#: Accrual kinds of the sale level (per card), as opposed to operating expenses and income.
SALE_KINDS = ("revenue", "refund", "fee", "other_cost", "cogs", "cogs_adjustment", "loss")
#: Account-level charges (card_id NULL) that unit economics lists apart and may allocate.
ACCOUNT_CHARGE_KINDS = ("fee", "cogs_adjustment", "loss")


class PeriodProblem(ValueError):
    """A report period that cannot be served; `name` is the parameter at fault."""

    def __init__(self, name: str, reason: str, error_code: str) -> None:
        super().__init__(reason)
        self.name, self.reason, self.error_code = name, reason, error_code


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Inclusive local dates and the UTC bounds `[start, end)` they stand for."""

    date_from: date
    date_to: date
    timezone: str
    start: datetime
    end: datetime


def day_start(day: date, timezone: str) -> datetime:
    """The UTC instant at which `day` begins in `timezone`."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def today_in(timezone: str, now: datetime | None = None) -> date:
    """Today's date in `timezone`."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def resolve_period(
    date_from: date | None, date_to: date | None, *, timezone: str, today: date
) -> Period:
    """The report period: defaults to the last 30 days ending today; a missing end is
    today, a missing start is 30 days before the end. Raises PeriodProblem for a reversed
    range, a range over 3 years, or a date outside 2000-01-01 … 2099-12-31 (so that neither
    the time zone nor the years arithmetic can overflow)."""
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value is not None and not day_in_range(value):
            raise PeriodProblem(name, DAY_RANGE, "invalid_date")
    end = date_to or (today if date_from is None or date_from <= today else date_from)
    start = date_from or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise PeriodProblem("date_to", "must not be before date_from", "invalid_date_range")
    if end >= _add_years(start, MAX_YEARS):
        raise PeriodProblem(
            "date_to", f"a report covers at most {MAX_YEARS} years", "period_too_long"
        )
    return Period(
        start,
        end,
        timezone,
        day_start(start, timezone),
        day_start(end + timedelta(days=1), timezone),
    )


def group_starts(period: Period, group_by: str) -> list[date]:
    """The first day of every day / week (from Monday) / month the period touches."""
    first = period.date_from
    if group_by == "week":
        first -= timedelta(days=first.weekday())
    elif group_by == "month":
        first = first.replace(day=1)
    starts = []
    while first <= period.date_to:
        starts.append(first)
        first = clip_group(first, group_by, None)[1] + timedelta(days=1)
    return starts


def group_bounds(period: Period, group_by: str) -> tuple[list[date], list[datetime]]:
    """The groups' first days and the UTC instants each begins within the period (local
    midnight of its first day in the period): the thresholds SQL buckets accruals by."""
    starts = group_starts(period, group_by)
    return starts, [day_start(max(s, period.date_from), period.timezone) for s in starts]


def clip_group(start: date, group_by: str, period: Period | None) -> tuple[date, date]:
    """The dates a group (day, week from Monday, or month starting at `start`) covers
    within the period (all of them without one)."""
    if group_by == "day":
        last = start
    elif group_by == "week":
        last = start + timedelta(days=6)
    else:
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        last = following - timedelta(days=1)
    if period is None:
        return start, last
    return max(start, period.date_from), min(last, period.date_to)


# --- P&L lines ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SumRow:
    """One aggregated accrual row from SQL: Σ amount and Σ qty of a kind (and fee type)."""

    kind: str
    fee_type: str | None
    amount: Decimal
    qty: int = 0


@dataclass
class Sums:
    """Accrual sums by P&L line, costs positive (signs follow docs/finance.md)."""

    revenue: Decimal = ZERO
    returns: Decimal = ZERO
    fees: dict[str, Decimal] = field(default_factory=dict)
    other_costs: Decimal = ZERO
    cogs: Decimal = ZERO
    cogs_adjustments: Decimal = ZERO
    losses: Decimal = ZERO
    operating_expenses: Decimal = ZERO
    other_income: Decimal = ZERO
    units_sold: int = 0
    units_returned: int = 0

    @property
    def net_revenue(self) -> Decimal:
        return self.revenue - self.returns

    @property
    def fees_total(self) -> Decimal:
        return sum(self.fees.values(), ZERO)

    @property
    def cost_of_goods(self) -> Decimal:
        """COGS with its adjustments: the investment ROI is measured against."""
        return self.cogs + self.cogs_adjustments

    @property
    def gross_profit(self) -> Decimal:
        return (
            self.net_revenue
            - self.fees_total
            - self.other_costs
            - self.cogs
            - self.cogs_adjustments
            - self.losses
        )

    @property
    def profit_before_tax(self) -> Decimal:
        return self.gross_profit - self.operating_expenses + self.other_income


def sums_of(rows: Iterable[SumRow], fee_types: Sequence[str]) -> Sums:
    """Name the SQL sums: revenue Σ, returns −Σ refund, fees −Σ per type, other costs,
    COGS, adjustments, losses, expenses as −Σ (costs positive), other income Σ. Stored
    `tax` rows are not counted: tax is computed (docs/finance.md)."""
    s = Sums(fees={t: ZERO for t in fee_types})
    for r in rows:
        if r.kind == "revenue":
            s.revenue += r.amount
            s.units_sold += r.qty
        elif r.kind == "refund":
            s.returns -= r.amount
            s.units_returned += r.qty
        elif r.kind == "fee" and r.fee_type is not None:
            s.fees[r.fee_type] = s.fees.get(r.fee_type, ZERO) - r.amount
        elif r.kind == "other_cost":
            s.other_costs -= r.amount
        elif r.kind == "cogs":
            s.cogs -= r.amount
        elif r.kind == "cogs_adjustment":
            s.cogs_adjustments -= r.amount
        elif r.kind == "loss":
            s.losses -= r.amount
        elif r.kind == "expense":
            s.operating_expenses -= r.amount
        elif r.kind == "income":
            s.other_income += r.amount
    return s


def tax_of(tax_mode: str, tax_rate: Decimal, sums: Sums) -> Decimal:
    """Tax for the sums: `usn_income` rate × (revenue − refunds + other income);
    `usn_income_minus_expense` rate × profit before tax; `none` 0. A negative base (a
    loss, refunds over revenue) gives 0; rounded half-up to kopecks."""
    if tax_mode == "usn_income":
        base = sums.net_revenue + sums.other_income
    elif tax_mode == "usn_income_minus_expense":
        base = sums.profit_before_tax
    else:
        return ZERO
    return round_money(max(base, ZERO) * tax_rate / HUNDRED)


def percent(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator / denominator in percent, 2 dp half-up; None when the denominator is 0."""
    if denominator == 0:
        return None
    return round_money(numerator * HUNDRED / denominator)


def per_unit(amount: Decimal, units: int) -> Decimal | None:
    """amount / units, 2 dp half-up; None for 0 units."""
    return None if units == 0 else round_money(amount / units)


def allocate_by_revenue(total: Decimal, revenues: Sequence[Decimal]) -> list[Decimal]:
    """Split `total` over cards by their revenue share, largest remainder in kopecks (the
    parts sum to the total exactly; ties go to the earlier card). Negative revenue counts as
    none; when no card has revenue the total is split equally."""
    if not revenues:
        return []
    return split_largest_remainder(total, [max(r, ZERO) for r in revenues])


# --- dashboard ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One dashboard period: `name` (`today`, `7d`, `30d`, each `…_previous`)."""

    name: str
    date_from: date
    date_to: date


DASHBOARD_SPANS = (("today", 1), ("7d", 7), ("30d", 30))


def dashboard_windows(today: date) -> list[Window]:
    """Today, 7 and 30 days ending today, and the period of the same length before each."""
    windows = []
    for name, days in DASHBOARD_SPANS:
        first = today - timedelta(days=days - 1)
        windows.append(Window(name, first, today))
        windows.append(
            Window(f"{name}_previous", first - timedelta(days=days), first - timedelta(days=1))
        )
    return windows
