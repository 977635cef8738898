"""Points in time the API accepts (`received_at`, `occurred_at`, `counted_at`): aware, and not
before 2000-01-01 UTC. An earlier moment is a typo, and one near year 1 cannot even be
converted to UTC (a 500 instead of a 422)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def _not_too_early(value: datetime) -> datetime:
    if value < EARLIEST:
        raise ValueError("must be on or after 2000-01-01T00:00:00Z")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_not_too_early)]
