"""The `date_from` / `date_to` parameters of reports and lists, read as days in the
tenant's time zone (auth's settings) and turned into UTC bounds once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Query, Request

from finance import clients
from finance.moments import DAY_RANGE, Day, day_in_range
from finance.report.model import Period, PeriodProblem, day_start, today_in
from finance.report.model import resolve_period as _resolve
from finance.tenant import TenantSettings, tenant_settings
from mpflow_platform.http.deps import CurrentIdentity
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.problems import Unprocessable

DateFromParam = Annotated[
    Day | None,
    Query(description="First day, YYYY-MM-DD, in the tenant's time zone (2000–2099)."),
]
DateToParam = Annotated[
    Day | None,
    Query(description="Last day (inclusive), YYYY-MM-DD, tenant's time zone (2000–2099)."),
]


def _unprocessable(problem: PeriodProblem) -> Unprocessable:
    return Unprocessable(
        f"{problem.name} {problem.reason}",
        error_code=problem.error_code,
        invalid_params=[{"name": problem.name, "reason": problem.reason}],
    )


async def local_bounds(
    request: Request, identity: Identity, date_from: date | None, date_to: date | None
) -> tuple[datetime | None, datetime | None]:
    """UTC bounds `[date_from 00:00, date_to + 1 00:00)` local time for a list filter
    (either may be absent); 422 for a reversed range or a date out of range. Auth is asked
    for the time zone only when a date is given."""
    if date_from is None and date_to is None:
        return None, None
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value is not None and not day_in_range(value):
            raise _unprocessable(PeriodProblem(name, DAY_RANGE, "invalid_date"))
    if date_from is not None and date_to is not None and date_to < date_from:
        raise _unprocessable(
            PeriodProblem("date_to", "must not be before date_from", "invalid_date_range")
        )
    timezone = (await tenant_settings(clients.auth(request), identity)).timezone
    return (
        None if date_from is None else day_start(date_from, timezone),
        None if date_to is None else day_start(date_to + timedelta(days=1), timezone),
    )


@dataclass(frozen=True)
class ReportScope:
    """What every report works from: the tenant's settings and the period."""

    settings: TenantSettings
    period: Period


async def report_scope(
    request: Request,
    identity: CurrentIdentity,
    date_from: DateFromParam = None,
    date_to: DateToParam = None,
) -> ReportScope:
    """The tenant's settings and the period asked for (default: the last 30 days ending
    today in the tenant's time zone); 422 for a reversed range or one over 3 years."""
    settings = await tenant_settings(clients.auth(request), identity)
    try:
        period = _resolve(
            date_from, date_to, timezone=settings.timezone, today=today_in(settings.timezone)
        )
    except PeriodProblem as problem:
        raise _unprocessable(problem) from None
    return ReportScope(settings, period)


Scope = Annotated[ReportScope, Depends(report_scope)]
