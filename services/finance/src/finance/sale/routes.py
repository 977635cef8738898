"""HTTP entry points of sales (API.md router `sales`): parse, call one use case of `api`,
return."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from finance import clients
from finance.events.published import Marketplace
from finance.moments import Day
from finance.report.period import local_bounds
from finance.sale import api
from finance.sale.model import CogsStatus
from finance.sale.queries import SORTABLE, SaleFilter
from finance.sale.schemas import (
    ReturnCreate,
    ReturnCreated,
    SaleCancel,
    SaleCreate,
    SaleListItem,
    SaleRead,
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

router = APIRouter(prefix="/v1/admin/sales", tags=["sales"])

DateParam = Annotated[
    Day | None, Query(description="YYYY-MM-DD in the tenant's time zone, inclusive, 2000–2099")
]


@router.get("", response_model=Page[SaleListItem])
async def list_sales(
    request: Request,
    pool: DbPool,
    identity: CurrentIdentity,
    marketplace: Annotated[Marketplace | None, Query(description="Only this marketplace.")] = None,
    status: Annotated[
        Literal["active", "cancelled"] | None, Query(description="Only this status.")
    ] = None,
    cogs_status: Annotated[CogsStatus | None, Query(description="Only this COGS status.")] = None,
    card_id: Annotated[UUID | None, Query(description="Only sales of this card.")] = None,
    date_from: DateParam = None,
    date_to: DateParam = None,
    q: SearchQuery = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[SaleListItem]:
    """The tenant's sales with revenue and profit (Σ of their accruals); `q` searches the
    external id and the note; sort occurred_at (default, newest first) or created_at."""
    page = page_query(
        q=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
        sortable=SORTABLE,
        default_sort="occurred_at:desc",
    )
    since, until = await local_bounds(request, identity, date_from, date_to)
    where = SaleFilter(
        marketplace=marketplace,
        status=status,
        cogs_status=cogs_status,
        card_id=card_id,
        occurred_from=since,
        occurred_before=until,
    )
    return await api.list_sales(pool=pool, identity=identity, where=where, page=page)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SaleRead,
    responses={200: {"description": "Already recorded under this external id: unchanged."}},
)
async def post_sale(
    body: SaleCreate, request: Request, response: Response, pool: DbPool, identity: CurrentIdentity
) -> SaleRead:
    """Record a sale (manual by default): lines with unit price, fees by type and other
    costs; inventory costs it FIFO from its event. 201 with the sale; 200 with the sale
    already recorded under the same marketplace and external id. 422 for an unknown card;
    409 `insufficient_stock` when the tenant rejects sales without stock."""
    sale, created = await api.create_sale(
        pool=pool,
        identity=identity,
        auth=clients.auth(request),
        inventory=clients.inventory(request),
        data=body,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return sale


@router.get("/{sale_id}", response_model=SaleRead)
async def get_sale(sale_id: UUID, pool: DbPool, identity: CurrentIdentity) -> SaleRead:
    """One sale: lines with COGS, returns and profit; its returns; totals from its accruals
    (a cancelled sale's revenue is 0)."""
    return await api.get_sale(pool=pool, identity=identity, sale_id=sale_id)


@router.post("/{sale_id}/cancel", response_model=SaleRead)
async def post_cancel(
    sale_id: UUID, pool: DbPool, identity: CurrentIdentity, body: SaleCancel | None = None
) -> SaleRead:
    """Cancel a sale before delivery (reversals dated `occurred_at`, default now); inventory
    puts its units back. Cancelling again changes nothing. 409 `sale_has_returns`."""
    return await api.cancel(
        pool=pool, identity=identity, sale_id=sale_id, data=body or SaleCancel()
    )


@router.post(
    "/{sale_id}/return",
    status_code=status.HTTP_201_CREATED,
    response_model=ReturnCreated,
    responses={200: {"description": "Already recorded under this external id: unchanged."}},
)
async def post_return(
    sale_id: UUID, body: ReturnCreate, response: Response, pool: DbPool, identity: CurrentIdentity
) -> ReturnCreated:
    """A customer return of some units: `restock` puts them back into stock, `defect` keeps
    their COGS. Refunds the revenue pro rata (fees are not reversed). 201 with the return
    and its sale; 200 for an external id already recorded; 409 for a cancelled sale; 422
    for a line of another sale or more units than are left to return."""
    ret, created = await api.create_return(pool=pool, identity=identity, sale_id=sale_id, data=body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return ret


@router.get("/{sale_id}/cogs")
async def get_sale_cogs(
    sale_id: UUID, request: Request, pool: DbPool, identity: CurrentIdentity
) -> dict[str, Any]:
    """The COGS chain of each line (inventory's explanation): lots, their order, FX rate,
    charges and allocation basis, adjustments. A sale inventory has not costed yet answers
    200 with every line pending (`cogs_status` pending, no allocations)."""
    return await api.explain_cogs(
        pool=pool, identity=identity, inventory=clients.inventory(request), sale_id=sale_id
    )
