"""Writing events into a service's outbox, inside the caller's business transaction."""

from __future__ import annotations

import re

from mpflow_platform.db import Connection
from mpflow_platform.events.envelope import Envelope

_SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]*$")


def checked_schema(schema: str) -> str:
    """Schema names are interpolated into SQL, so only plain identifiers are accepted."""
    if not _SCHEMA_RE.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    return schema


def notify_channel(schema: str) -> str:
    return f"mpflow_outbox_{checked_schema(schema)}"


async def add(tx: Connection, *, schema: str, event: Envelope) -> None:
    """Record `event` in `<schema>.outbox`; it is published after (and only if) tx commits."""
    await tx.execute(
        f"INSERT INTO {checked_schema(schema)}.outbox (id, subject, payload, user_id) "
        "VALUES ($1, $2, $3, $4)",
        event.id,
        event.subject,
        event.model_dump(mode="json"),
        event.user_id,
    )
    # NOTIFY is delivered at commit, waking the relay without waiting for its poll.
    await tx.execute("SELECT pg_notify($1, '')", notify_channel(schema))
