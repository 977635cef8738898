"""HTTP entry points for accounts: `/v1/admin/users` (owners) and `/v1/admin/auth/me`."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from auth.deps import CurrentIdentity, DbPool
from auth.user import service as user_service
from auth.user.model import Role
from auth.user.schemas import UserCreate, UserRead, UserUpdate
from mpflow_platform.http.pagination import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    Page,
    SearchQuery,
    SortParam,
    page_query,
)

router = APIRouter(prefix="/v1/admin/auth", tags=["auth"])
users_router = APIRouter(prefix="/v1/admin/users", tags=["users"])

SORTABLE = {"created_at": "created_at", "username": "lower(username)", "role": "role"}


@router.get("/me", response_model=UserRead)
async def get_me(pool: DbPool, identity: CurrentIdentity) -> UserRead:
    """The signed-in account."""
    return await user_service.get_current_user(pool=pool, identity=identity)


@users_router.post("", status_code=status.HTTP_201_CREATED, response_model=UserRead)
async def post_user(body: UserCreate, pool: DbPool, identity: CurrentIdentity) -> UserRead:
    """Create an account in the tenant (owners); `new_tenant` creates a tenant's owner
    (platform administrators)."""
    return await user_service.add_user(pool=pool, identity=identity, body=body)


@users_router.get("", response_model=Page[UserRead])
async def list_users(
    pool: DbPool,
    identity: CurrentIdentity,
    q: SearchQuery = None,
    role: Annotated[Role | None, Query(description="Only accounts with this role.")] = None,
    is_active: Annotated[bool | None, Query(description="Only active or inactive ones.")] = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[UserRead]:
    """The tenant's accounts (owners)."""
    page = page_query(
        q=q, sort=sort, limit=limit, cursor=cursor, sortable=SORTABLE, default_sort="created_at"
    )
    return await user_service.list_users(
        pool=pool, identity=identity, page=page, role=role, is_active=is_active
    )


@users_router.get("/{account_id}", response_model=UserRead)
async def get_user(account_id: UUID, pool: DbPool, identity: CurrentIdentity) -> UserRead:
    """One account of the tenant (owners)."""
    return await user_service.get_user(pool=pool, identity=identity, account_id=account_id)


@users_router.patch("/{account_id}", response_model=UserRead)
async def patch_user(
    account_id: UUID, body: UserUpdate, pool: DbPool, identity: CurrentIdentity
) -> UserRead:
    """Change role, state (`is_active: false` deactivates), password or SSO link (owners)."""
    return await user_service.update_user(
        pool=pool, identity=identity, account_id=account_id, body=body
    )
