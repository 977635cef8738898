"""Read side of the intake: the paged list of parked documents (`parked.py` writes them).
Scoped by user_id (and RLS); the payload is summarised (status, products), not returned."""

from __future__ import annotations

from typing import Any

from finance.intake.parked import ParkedKind
from finance.intake.schemas import ParkedRead
from finance.tenant import tenant_of
from mpflow_platform.db import Pool, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.pagination import Page, PageQuery, fetch_page, next_cursor

SORTABLE = {"created_at": "p.parked_at", "updated_at": "p.updated_at"}
_COLUMNS = (
    "p.kind, p.key, p.reason, p.missing_skus, p.missing_offer_ids, "
    "p.payload->>'status' AS status, "
    "COALESCE(p.payload->'products', '[]'::jsonb) AS products, p.attempts, p.seen_at, "
    "p.parked_at AS created_at, p.updated_at"
)


async def list_parked(
    *, pool: Pool, identity: Identity, kind: ParkedKind | None, page: PageQuery
) -> Page[ParkedRead]:
    """A page of the tenant's parked documents; `q` searches the key and the reason."""
    tenant = tenant_of(identity)
    where, args = "p.user_id = $1", list[Any]([tenant])
    if kind is not None:
        args.append(kind)
        where += f" AND p.kind = ${len(args)}"
    async with transaction(pool, user_id=tenant) as tx:
        rows, total = await fetch_page(
            tx,
            columns=_COLUMNS,
            table="finance.intake_parked p",
            where=where,
            args=args,
            search_columns=("p.key", "p.reason"),
            tie_breaker="p.kind, p.key",
            page=page,
        )
    return Page[ParkedRead](
        items=[ParkedRead.model_validate(dict(r)) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )
