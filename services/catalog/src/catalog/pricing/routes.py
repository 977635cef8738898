"""HTTP entry points of the pricing calculator: parse, call one service function, return."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request

from catalog.clients import auth as auth_client
from catalog.pricing import service
from catalog.pricing.errors import (
    InvalidTierFileError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from catalog.pricing.schemas import (
    BreakevenRequest,
    CalculateRequest,
    Category,
    CommissionTierRead,
    ForwardResult,
    ImportResult,
    ProductType,
    ReverseResult,
    Scheme,
    SolvedResult,
)
from mpflow_platform.http.deps import CurrentIdentity, DbPool
from mpflow_platform.http.internal import InternalClient
from mpflow_platform.http.pagination import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    Page,
    decode_cursor,
)

router = APIRouter(prefix="/v1/admin/pricing", tags=["pricing"])

MAX_FILE_BYTES = 2 * 1024 * 1024
CSV_TYPES = frozenset({"text/csv"})


@router.post("/calculate", response_model=ForwardResult | ReverseResult)
async def post_calculate(
    body: Annotated[CalculateRequest, Body()],
    pool: DbPool,
    identity: CurrentIdentity,
    auth: Annotated[InternalClient, Depends(auth_client)],
) -> ForwardResult | ReverseResult:
    """Forward (`mode: forward`, a price) or reverse (`mode: reverse`, a target margin or
    ROI → the lowest price reaching it), with the full breakdown."""
    return await service.calculate(pool=pool, identity=identity, auth=auth, data=body)


@router.post("/breakeven", response_model=SolvedResult)
async def post_breakeven(
    body: BreakevenRequest,
    pool: DbPool,
    identity: CurrentIdentity,
    auth: Annotated[InternalClient, Depends(auth_client)],
) -> SolvedResult:
    """The lowest price whose profit is not negative, with the breakdown."""
    return await service.breakeven(pool=pool, identity=identity, auth=auth, data=body)


@router.get("/commissions", response_model=Page[CommissionTierRead])
async def list_commissions(
    pool: DbPool,
    identity: CurrentIdentity,
    category: Annotated[Category | None, Query()] = None,
    product_type: Annotated[ProductType | None, Query()] = None,
    scheme: Annotated[Scheme | None, Query()] = None,
    date: Annotated[dt.date | None, Query(description="Default: today (Moscow).")] = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[CommissionTierRead]:
    """The commission tiers in force on `date`; the built-in sample (`source: sample`) while
    the tenant has imported none."""
    return await service.list_commissions(
        pool=pool,
        identity=identity,
        category=category,
        product_type=product_type,
        scheme=scheme,
        on=date,
        limit=limit,
        offset=decode_cursor(cursor),
    )


@router.post(
    "/commissions/import",
    response_model=ImportResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def post_commissions_import(
    request: Request,
    pool: DbPool,
    identity: CurrentIdentity,
    dry_run: Annotated[bool, Query(description="Validate and report only.")] = False,
) -> ImportResult:
    """Import a tiers file (a `text/csv` body, format of commission_tiers.sample.csv): every
    row is validated (422 `invalid_commission_file` naming each bad line, nothing stored);
    the file's sets replace the stored sets with the same (category, product type, scheme,
    valid_from)."""
    text = await _csv_body(request)
    return await service.import_commissions(
        pool=pool, identity=identity, text=text, dry_run=dry_run
    )


async def _csv_body(request: Request) -> str:
    """The body as text: text/csv, UTF-8, at most MAX_FILE_BYTES."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in CSV_TYPES:
        raise UnsupportedMediaTypeError(
            f"send the file as the request body with Content-Type: text/csv, not {media_type!r}"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise PayloadTooLargeError(f"the file is larger than {MAX_FILE_BYTES} bytes")
        chunks.append(chunk)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        line = b"".join(chunks)[: exc.start].count(b"\n") + 1
        message = "not UTF-8 text"
        raise InvalidTierFileError(
            "the file is not UTF-8 text",
            errors=[{"line": line, "column": None, "message": message}],
        ) from exc
