"""Events the auth service publishes (their payloads are the contract: see docs/events.md)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
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


SETTINGS_UPDATED = "auth.settings.updated"


class SettingsUpdated(BaseModel):
    """A tenant changed its settings; the payload is the whole new state of what other
    services use (money and tax in finance, negative stock in finance and inventory,
    time zone for report days, language for documents)."""

    base_currency: str
    tax_mode: Literal["usn_income", "usn_income_minus_expense", "none"]
    tax_rate: Decimal
    negative_stock: Literal["allow", "reject"]
    timezone: str
    language: Literal["ru", "en"]
    updated_at: datetime
