"""HTTP entry points of `/v1/admin/api-keys`: parse, call one service function, return."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from auth.apikey import service
from auth.apikey.schemas import ApiKeyCreate, ApiKeyIssued, ApiKeyRead, ApiKeyRotate
from mpflow_platform.http.deps import CurrentIdentity, DbPool
from mpflow_platform.http.pagination import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    Page,
    SearchQuery,
    SortParam,
    page_query,
)

router = APIRouter(prefix="/v1/admin/api-keys", tags=["api-keys"])

SORTABLE = {"created_at": "created_at", "name": "name", "last_used_at": "last_used_at"}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyIssued)
async def post_api_key(
    body: ApiKeyCreate, pool: DbPool, identity: CurrentIdentity, response: Response
) -> ApiKeyIssued:
    """Create a key for the signed-in account. The full key is in this answer only: store it."""
    response.headers["Cache-Control"] = "no-store"
    return await service.create_key(pool=pool, identity=identity, body=body)


@router.get("", response_model=Page[ApiKeyRead])
async def list_api_keys(
    pool: DbPool,
    identity: CurrentIdentity,
    q: SearchQuery = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[ApiKeyRead]:
    """Keys of the tenant (owners) or of the signed-in account (members); never secrets."""
    page = page_query(
        q=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
        sortable=SORTABLE,
        default_sort="created_at:desc",
    )
    return await service.list_keys(pool=pool, identity=identity, page=page)


@router.get("/{key_id}", response_model=ApiKeyRead)
async def get_api_key(key_id: UUID, pool: DbPool, identity: CurrentIdentity) -> ApiKeyRead:
    """One key."""
    return await service.get_key(pool=pool, identity=identity, key_id=key_id)


@router.delete("/{key_id}", response_model=ApiKeyRead)
async def delete_api_key(key_id: UUID, pool: DbPool, identity: CurrentIdentity) -> ApiKeyRead:
    """Revoke a key: it stops working at once and stays listed as revoked."""
    return await service.revoke_key(pool=pool, identity=identity, key_id=key_id)


@router.post("/{key_id}/rotate", response_model=ApiKeyIssued)
async def rotate_api_key(
    key_id: UUID,
    pool: DbPool,
    identity: CurrentIdentity,
    response: Response,
    body: ApiKeyRotate | None = None,
) -> ApiKeyIssued:
    """A new secret for the key (shown once); the old one works for `grace_seconds` more."""
    response.headers["Cache-Control"] = "no-store"
    return await service.rotate_key(
        pool=pool, identity=identity, key_id=key_id, body=body or ApiKeyRotate()
    )
