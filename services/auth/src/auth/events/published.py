"""Events the auth service publishes (their payloads are the contract: see docs/events.md)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel

ACCESS_REVOKED = "auth.access.revoked"

RevocationReason = Literal[
    "api_key_revoked",
    "api_key_rotated",
    "account_deactivated",
    "account_changed",
    "session_ended",
]


class AccessRevoked(BaseModel):
    """Credentials of the tenant stopped being valid (or changed what they grant).

    Every gateway replica forgets the tenant's cached identities on it, so the change
    takes effect at once rather than when the cache entry expires.
    """

    reason: RevocationReason
    account_id: UUID | None = None
    api_key_id: UUID | None = None
    session_id: UUID | None = None
