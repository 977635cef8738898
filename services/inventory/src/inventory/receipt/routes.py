"""HTTP entry points of receipts: parse, call one service function, return."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from inventory.receipt import service
from inventory.receipt.schemas import (
    ReceiptCreate,
    ReceiptRead,
    ReceiveResult,
    UnreceiveRequest,
    UnreceiveResult,
)
from mpflow_platform.http.deps import CurrentIdentity, DbPool
from mpflow_platform.http.pagination import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    Page,
    page_query,
)

router = APIRouter(prefix="/v1/admin/supplier-orders", tags=["receipts"])


@router.post(
    "/{order_id}/receive", status_code=status.HTTP_201_CREATED, response_model=ReceiveResult
)
async def post_receipt(
    order_id: UUID, body: ReceiptCreate, pool: DbPool, identity: CurrentIdentity
) -> ReceiveResult:
    """Receive units of an ordered / in-transit / partially received order (partial and
    repeated receipts); `close: true` settles what is missing by the order's shortage policy."""
    return await service.receive(pool=pool, identity=identity, order_id=order_id, data=body)


@router.get("/{order_id}/receipts", response_model=Page[ReceiptRead])
async def list_receipts(
    order_id: UUID,
    pool: DbPool,
    identity: CurrentIdentity,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[ReceiptRead]:
    """The order's receipts, oldest first, with their lots (reversed ones carry reversed_at);
    `limit` and `cursor` page through them."""
    page = page_query(
        q=None,
        sort=None,
        limit=limit,
        cursor=cursor,
        sortable={"received_at": "received_at"},
        default_sort="received_at:asc",
    )
    return await service.list_receipts(pool=pool, identity=identity, order_id=order_id, page=page)


@router.post("/{order_id}/unreceive", response_model=UnreceiveResult)
async def post_unreceive(
    order_id: UUID, body: UnreceiveRequest, pool: DbPool, identity: CurrentIdentity
) -> UnreceiveResult:
    """Reverse a receipt none of whose units was consumed (409 naming the sales otherwise)."""
    return await service.unreceive(
        pool=pool, identity=identity, order_id=order_id, receipt_id=body.receipt_id
    )
