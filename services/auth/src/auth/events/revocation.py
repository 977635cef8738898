"""Announce that credentials of a tenant stopped being valid (`auth.access.revoked`)."""

from __future__ import annotations

from uuid import UUID

from auth.events.published import ACCESS_REVOKED, AccessRevoked, RevocationReason
from mpflow_platform.db import Connection
from mpflow_platform.events import new_event, outbox

SCHEMA = "auth"


async def publish_access_revoked(
    tx: Connection,
    *,
    tenant: UUID,
    reason: RevocationReason,
    account_id: UUID | None = None,
    api_key_id: UUID | None = None,
) -> None:
    """Write the event to the outbox in the caller's transaction: every gateway replica
    forgets the tenant's cached identities when it arrives."""
    data = AccessRevoked(reason=reason, account_id=account_id, api_key_id=api_key_id)
    event = new_event(ACCESS_REVOKED, data.model_dump(mode="json"), user_id=tenant, source=SCHEMA)
    await outbox.add(tx, schema=SCHEMA, event=event)
