"""HTTP entry points for accounts: `GET /v1/admin/auth/me` (the users API comes later)."""

from __future__ import annotations

from fastapi import APIRouter

from auth.deps import CurrentIdentity, DbPool
from auth.user import service as user_service
from auth.user.schemas import UserRead

router = APIRouter(prefix="/v1/admin/auth", tags=["auth"])


@router.get("/me", response_model=UserRead)
async def get_me(pool: DbPool, identity: CurrentIdentity) -> UserRead:
    """The signed-in account."""
    return await user_service.get_current_user(pool=pool, identity=identity)
