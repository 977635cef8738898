"""Request and response models of the API-keys endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from auth.apikey.model import PREFIX
from mpflow_platform.http.scopes import ALL_SCOPES, unknown_scopes

MAX_GRACE_SECONDS = 7 * 24 * 3600
DEFAULT_GRACE_SECONDS = 3600

KeyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ApiKeyCreate(BaseModel):
    """A new key: what it is for, what it may do, and until when."""

    model_config = ConfigDict(extra="forbid")

    name: KeyName
    scopes: list[str] = Field(
        min_length=1,
        max_length=len(ALL_SCOPES),
        description=f"Any of: {', '.join(ALL_SCOPES)}.",
    )
    expires_at: datetime | None = Field(None, description="RFC 3339; omit for no expiry.")

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, scopes: list[str]) -> list[str]:
        unknown = unknown_scopes(scopes)
        if unknown:
            raise ValueError(
                f"unknown scope(s) {', '.join(unknown)}; allowed: {', '.join(ALL_SCOPES)}"
            )
        return sorted(set(scopes))

    @field_validator("expires_at")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2027-01-31T00:00:00Z")
        if value <= datetime.now(UTC):
            raise ValueError("the expiry must be in the future")
        return value


class ApiKeyRotate(BaseModel):
    """How long the previous secret keeps working after rotation."""

    model_config = ConfigDict(extra="forbid")

    grace_seconds: int = Field(DEFAULT_GRACE_SECONDS, ge=0, le=MAX_GRACE_SECONDS)


KeyStatus = Literal["active", "expired", "revoked"]


class ApiKeyRead(BaseModel):
    """A key as listed: never its secret."""

    id: UUID
    account_id: UUID
    name: str
    prefix: str = Field(description="The key's public part, `mpk_<public id>`, to recognize it.")
    scopes: list[str]
    status: KeyStatus
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    rotated_at: datetime | None
    previous_valid_until: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, object], *, now: datetime | None = None) -> ApiKeyRead:
        now = now or datetime.now(UTC)
        expires_at = row["expires_at"]
        status: KeyStatus = "active"
        if row["revoked_at"] is not None:
            status = "revoked"
        elif isinstance(expires_at, datetime) and expires_at <= now:
            status = "expired"
        return cls.model_validate(
            {**row, "prefix": f"{PREFIX}{row['public_id']}", "status": status}
        )


class ApiKeyIssued(ApiKeyRead):
    """A key just created or rotated: `key` is shown this once and never again."""

    key: str
