"""HTTP entry points of suppliers: parse, call one service function, return."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from inventory.supplier import service
from inventory.supplier.repository import SORTABLE
from inventory.supplier.schemas import SupplierCreate, SupplierRead, SupplierUpdate
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

router = APIRouter(prefix="/v1/admin/suppliers", tags=["orders"])

ArchivedFilter = Annotated[
    bool | None, Query(description="Only archived (true) or active (false) suppliers.")
]


@router.get("", response_model=Page[SupplierRead])
async def list_suppliers(
    pool: DbPool,
    identity: CurrentIdentity,
    q: SearchQuery = None,
    archived: ArchivedFilter = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[SupplierRead]:
    """The tenant's suppliers: `q` searches the name; sort by name, currency, created_at or
    updated_at (default name:asc)."""
    return await service.list_suppliers(
        pool=pool,
        identity=identity,
        page=page_query(
            q=q, sort=sort, limit=limit, cursor=cursor, sortable=SORTABLE, default_sort="name:asc"
        ),
        archived=archived,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SupplierRead)
async def post_supplier(
    body: SupplierCreate, pool: DbPool, identity: CurrentIdentity
) -> SupplierRead:
    """Create a supplier (name unique per tenant; currency CNY unless given)."""
    return await service.create_supplier(pool=pool, identity=identity, data=body)


@router.get("/{supplier_id}", response_model=SupplierRead)
async def get_supplier(supplier_id: UUID, pool: DbPool, identity: CurrentIdentity) -> SupplierRead:
    """One supplier."""
    return await service.get_supplier(pool=pool, identity=identity, supplier_id=supplier_id)


@router.patch("/{supplier_id}", response_model=SupplierRead)
async def patch_supplier(
    supplier_id: UUID, body: SupplierUpdate, pool: DbPool, identity: CurrentIdentity
) -> SupplierRead:
    """Change name, currency, contact (replaced), notes; `archived: true` archives."""
    return await service.update_supplier(
        pool=pool, identity=identity, supplier_id=supplier_id, data=body
    )
