"""The times and days a client may give finance: this century only.

Earlier or later ones are typos, and near the ends of the calendar (year 1, year 9999) a
time with an offset cannot even be converted to UTC, nor a report period be extended by its
years: such input is a 422 here instead of an overflow deeper down.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

#: The first instant a client may give (inclusive).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: The first instant past the ones a client may give (exclusive).
END = datetime(2100, 1, 1, tzinfo=UTC)
#: The first and last days a client may give (inclusive).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)

MOMENT_RANGE = "must be on or after 2000-01-01T00:00:00Z and before 2100-01-01T00:00:00Z"
DAY_RANGE = "must be between 2000-01-01 and 2099-12-31"


def _moment_in_range(value: datetime) -> datetime:
    # Aware datetimes compare by the instant they stand for, whatever their offsets.
    if not EARLIEST <= value < END:
        raise ValueError(MOMENT_RANGE)
    return value


def day_in_range(value: date) -> bool:
    """Whether `value` is a day a client may give (2000-01-01 … 2099-12-31)."""
    return FIRST_DAY <= value <= LAST_DAY


def _day_in_range(value: date) -> date:
    if not day_in_range(value):
        raise ValueError(DAY_RANGE)
    return value


#: A point in time: timezone-aware (a naive one is a 422), in [2000-01-01Z, 2100-01-01Z).
Moment = Annotated[AwareDatetime, AfterValidator(_moment_in_range)]
#: A calendar day (YYYY-MM-DD) in 2000-01-01 … 2099-12-31.
Day = Annotated[date, AfterValidator(_day_in_range)]
