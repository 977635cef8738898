"""Internal HTTP entry point of the COGS explanation (finance and the gateway call it with a
gateway-signed identity of the tenant; not part of the public schema)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from inventory.costing import explain
from inventory.costing.schemas import SaleCogs
from mpflow_platform.http.deps import CurrentIdentity, DbPool

router = APIRouter(prefix="/internal", tags=["internal"], include_in_schema=False)


@router.get("/sales/{sale_id}/cogs", response_model=SaleCogs)
async def get_sale_cogs(sale_id: UUID, pool: DbPool, identity: CurrentIdentity) -> SaleCogs:
    """Each line of the sale with its FIFO chain: lots, their order, FX rate, every charge
    and its allocation basis, and the adjustments since it was costed (DOMAIN.md §4)."""
    return await explain.sale_cogs(pool=pool, identity=identity, sale_id=sale_id)
