"""Request and response models for accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from auth.password import MAX_PASSWORD_LENGTH
from auth.user.model import MAX_USERNAME_LENGTH, Role

#: An OIDC `sub`: printable, no surrounding whitespace.
SsoSubject = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=r"^\S+$")
]
Password = Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH)]


class UserRead(BaseModel):
    """An account as clients see it (never its password hash)."""

    id: UUID
    user_id: UUID
    username: str
    role: Role
    is_platform_admin: bool
    is_active: bool
    sso_subject: str | None = None
    created_at: datetime
    updated_at: datetime


class UserCreate(BaseModel):
    """A new account in the caller's tenant, or (platform administrators, `new_tenant`) the
    owner of a new tenant."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=MAX_USERNAME_LENGTH + 100)
    password: Password
    role: Role = "member"
    sso_subject: SsoSubject | None = Field(
        None, description="The Logto user id (`sub`) that signs in as this account."
    )
    new_tenant: bool = Field(
        False, description="Platform administrators only: make the account a new tenant's owner."
    )


class UserUpdate(BaseModel):
    """What an owner may change on an account; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    is_active: bool | None = Field(
        None, description="false ends the account's sessions and API keys at once."
    )
    password: Password | None = Field(None, description="A new password; ends its sessions.")
    sso_subject: SsoSubject | None = Field(None, description="null unlinks the Logto user.")

    @model_validator(mode="after")
    def _no_nulls(self) -> UserUpdate:
        nulls = [
            name
            for name in ("role", "is_active", "password")
            if name in self.model_fields_set and getattr(self, name) is None
        ]
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null: omit a field to keep it")
        return self
