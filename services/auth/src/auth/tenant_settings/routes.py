"""HTTP entry points of `/v1/admin/settings`, and the internal read for other services."""

from __future__ import annotations

from fastapi import APIRouter

from auth.deps import CurrentIdentity, DbPool
from auth.tenant_settings import service
from auth.tenant_settings.schemas import TenantSettingsRead, TenantSettingsUpdate

router = APIRouter(prefix="/v1/admin/settings", tags=["settings"])
#: Other services read a tenant's settings here (signed with the tenant's identity).
internal_router = APIRouter(prefix="/internal", include_in_schema=False)


@router.get("", response_model=TenantSettingsRead)
async def get_settings(pool: DbPool, identity: CurrentIdentity) -> TenantSettingsRead:
    """The tenant's settings (defaults until an owner changes them)."""
    return await service.get_settings(pool=pool, identity=identity)


@router.put("", response_model=TenantSettingsRead)
async def put_settings(
    body: TenantSettingsUpdate, pool: DbPool, identity: CurrentIdentity
) -> TenantSettingsRead:
    """Change settings (owners); fields left out keep their values."""
    return await service.put_settings(pool=pool, identity=identity, body=body)


@internal_router.get("/tenant-settings", response_model=TenantSettingsRead)
async def get_tenant_settings(pool: DbPool, identity: CurrentIdentity) -> TenantSettingsRead:
    """The calling tenant's settings, for services (finance: tax, negative stock...)."""
    return await service.get_settings(pool=pool, identity=identity)
