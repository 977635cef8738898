"""The event envelope (ARCHITECTURE.md §3) and subject naming."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from mpflow_platform.ids import uuid7
from mpflow_platform.logging import request_id_var

SUBJECT_PREFIX = "mpflow"
STREAM_NAME = "MPFLOW"
_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2}$")


class Envelope(BaseModel):
    """What travels on the bus; `type` is the subject tail, e.g. `catalog.card.created`."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    type: str = Field(pattern=_TYPE_RE.pattern)
    version: int = Field(1, ge=1)
    occurred_at: datetime
    user_id: UUID | None
    source: str
    correlation_id: str | None = None
    data: dict[str, Any]

    @property
    def subject(self) -> str:
        return subject_for(self.type)


def subject_for(event_type: str) -> str:
    """`catalog.card.created` -> `mpflow.catalog.card.created`."""
    return f"{SUBJECT_PREFIX}.{event_type}"


def new_event(
    event_type: str,
    data: dict[str, Any],
    *,
    user_id: UUID | None,
    source: str,
    version: int = 1,
) -> Envelope:
    """A new envelope carrying the current request id as its correlation id."""
    return Envelope(
        id=uuid7(),
        type=event_type,
        version=version,
        occurred_at=datetime.now(UTC),
        user_id=user_id,
        source=source,
        correlation_id=request_id_var.get(),
        data=data,
    )
