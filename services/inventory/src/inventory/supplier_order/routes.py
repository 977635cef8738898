"""HTTP entry points of supplier orders and their charges: parse, call one service
function, return. (Receipts of an order live in `inventory.receipt.routes`.)"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from inventory.supplier_order import service
from inventory.supplier_order.model import Status
from inventory.supplier_order.repository import SORTABLE, OrderFilter
from inventory.supplier_order.schemas import (
    AllocationRead,
    ChargeCreate,
    ChargeCreated,
    OrderCreate,
    OrderRead,
    OrderReplace,
    OrderSummary,
    StatusChange,
)
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

router = APIRouter(prefix="/v1/admin/supplier-orders", tags=["orders"])

StatusFilter = Annotated[
    list[Status] | None,
    Query(description="Only orders in these statuses (repeat the parameter for several)."),
]
SupplierFilter = Annotated[UUID | None, Query(description="Only this supplier's orders.")]


@router.get("", response_model=Page[OrderSummary])
async def list_supplier_orders(
    pool: DbPool,
    identity: CurrentIdentity,
    q: SearchQuery = None,
    status: StatusFilter = None,
    supplier_id: SupplierFilter = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[OrderSummary]:
    """The tenant's orders with their totals: `q` searches the number and supplier name.
    Sort by number, status, supplier_name, ordered_at, expected_at, created_at (default
    created_at:desc) or updated_at."""
    return await service.list_orders(
        pool=pool,
        identity=identity,
        page=page_query(
            q=q,
            sort=sort,
            limit=limit,
            cursor=cursor,
            sortable=SORTABLE,
            default_sort="created_at:desc",
        ),
        where=OrderFilter(statuses=tuple(status or ()), supplier_id=supplier_id),
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OrderRead)
async def post_supplier_order(
    body: OrderCreate, pool: DbPool, identity: CurrentIdentity
) -> OrderRead:
    """Create a draft order; lines snapshot their card's weight and volume; the server
    computes each line's value in base currency and landed value."""
    return await service.create_order(pool=pool, identity=identity, data=body)


@router.get("/{order_id}", response_model=OrderRead)
async def get_supplier_order(order_id: UUID, pool: DbPool, identity: CurrentIdentity) -> OrderRead:
    """One order with lines (values, landed values, landed unit costs), charges and totals."""
    return await service.get_order(pool=pool, identity=identity, order_id=order_id)


@router.put("/{order_id}", response_model=OrderRead)
async def put_supplier_order(
    order_id: UUID, body: OrderReplace, pool: DbPool, identity: CurrentIdentity
) -> OrderRead:
    """Replace a draft's header and lines (409 order_not_editable once it is not a draft);
    a line given with its `id` is kept, lines not given are removed."""
    return await service.replace_order(pool=pool, identity=identity, order_id=order_id, data=body)


@router.delete("/{order_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_supplier_order(
    order_id: UUID, pool: DbPool, identity: CurrentIdentity
) -> Response:
    """Delete a draft (409 otherwise: cancel it instead)."""
    await service.delete_order(pool=pool, identity=identity, order_id=order_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{order_id}/status", response_model=OrderRead)
async def post_supplier_order_status(
    order_id: UUID, body: StatusChange, pool: DbPool, identity: CurrentIdentity
) -> OrderRead:
    """Move the order draft → ordered → in_transit (received statuses come from receipts)."""
    return await service.change_status(
        pool=pool, identity=identity, order_id=order_id, status=body.status
    )


@router.post("/{order_id}/cancel", response_model=OrderRead)
async def post_supplier_order_cancel(
    order_id: UUID, pool: DbPool, identity: CurrentIdentity
) -> OrderRead:
    """Cancel the order; 409 once any units were received."""
    return await service.cancel_order(pool=pool, identity=identity, order_id=order_id)


@router.post(
    "/{order_id}/charges", status_code=status.HTTP_201_CREATED, response_model=ChargeCreated
)
async def post_supplier_order_charge(
    order_id: UUID, body: ChargeCreate, pool: DbPool, identity: CurrentIdentity
) -> ChargeCreated:
    """Add a charge (freight, customs, …) and allocate it over the lines on the server; after
    receipt its share of received units reaches their lots and the COGS of units sold."""
    return await service.add_charge(pool=pool, identity=identity, order_id=order_id, data=body)


@router.get("/{order_id}/allocation", response_model=AllocationRead)
async def get_supplier_order_allocation(
    order_id: UUID, pool: DbPool, identity: CurrentIdentity
) -> AllocationRead:
    """Explain the landed cost: per line each charge's basis and share, per charge its total
    and basis total, and the landed unit costs."""
    return await service.explain_allocation(pool=pool, identity=identity, order_id=order_id)
