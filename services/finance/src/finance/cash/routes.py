"""HTTP entry points of cash: categories and transactions (parse, call one service
function, return)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from finance.cash import service
from finance.cash.categories import Direction
from finance.cash.repository import SORTABLE, TransactionFilter
from finance.cash.schemas import (
    CategoryCreate,
    CategoryList,
    CategoryRead,
    TransactionCreate,
    TransactionRead,
    TransactionSource,
    TransactionUpdate,
)
from finance.report.period import DateFromParam, DateToParam, local_bounds
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

router = APIRouter(prefix="/v1/admin/finance", tags=["finance"])


@router.get("/categories", response_model=CategoryList)
async def list_categories(pool: DbPool, identity: CurrentIdentity) -> CategoryList:
    """Cash categories: the system ones (`system: true`) and the tenant's own."""
    return await service.list_categories(pool=pool, identity=identity)


@router.post("/categories", status_code=status.HTTP_201_CREATED, response_model=CategoryRead)
async def post_category(
    body: CategoryCreate, pool: DbPool, identity: CurrentIdentity
) -> CategoryRead:
    """Add a category of the tenant's own; a code already used (system or own) is a 409."""
    return await service.create_category(pool=pool, identity=identity, data=body)


@router.get("/transactions", response_model=Page[TransactionRead])
async def list_transactions(
    request: Request,
    pool: DbPool,
    identity: CurrentIdentity,
    date_from: DateFromParam = None,
    date_to: DateToParam = None,
    direction: Annotated[Direction | None, Query(description="in or out")] = None,
    category: Annotated[str | None, Query(max_length=40, pattern=r"^[^\x00]*$")] = None,
    source: Annotated[TransactionSource | None, Query()] = None,
    q: SearchQuery = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[TransactionRead]:
    """Cash transactions, newest first by default (sort occurred_at or amount); dates are
    days in the tenant's time zone, inclusive; `q` searches description and counterparty."""
    page = page_query(
        q=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
        sortable=SORTABLE,
        default_sort="occurred_at:desc",
    )
    since, until = await local_bounds(request, identity, date_from, date_to)
    where = TransactionFilter(
        occurred_from=since,
        occurred_before=until,
        direction=direction,
        category=category,
        source=source,
    )
    return await service.list_transactions(pool=pool, identity=identity, where=where, page=page)


@router.post("/transactions", status_code=status.HTTP_201_CREATED, response_model=TransactionRead)
async def post_transaction(
    body: TransactionCreate, pool: DbPool, identity: CurrentIdentity
) -> TransactionRead:
    """Record money that moved (manual). A category with P&L effect (expense, income) also
    books the P&L entry."""
    return await service.create_transaction(pool=pool, identity=identity, data=body)


@router.patch("/transactions/{transaction_id}", response_model=TransactionRead)
async def patch_transaction(
    transaction_id: UUID, body: TransactionUpdate, pool: DbPool, identity: CurrentIdentity
) -> TransactionRead:
    """Change a manual transaction (system ones: 409 `system_transaction`)."""
    return await service.update_transaction(
        pool=pool, identity=identity, transaction_id=transaction_id, data=body
    )


@router.delete("/transactions/{transaction_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_transaction(
    transaction_id: UUID, pool: DbPool, identity: CurrentIdentity
) -> Response:
    """Delete a manual transaction and its P&L entry (system ones: 409)."""
    await service.delete_transaction(pool=pool, identity=identity, transaction_id=transaction_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
