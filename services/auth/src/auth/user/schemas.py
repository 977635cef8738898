"""Response models for accounts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from auth.user.model import Role


class UserRead(BaseModel):
    """An account as clients see it (never its password hash)."""

    id: UUID
    user_id: UUID
    username: str
    role: Role
    is_platform_admin: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime
