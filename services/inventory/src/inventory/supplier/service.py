"""Use cases of suppliers: one transaction each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from inventory.errors import DuplicateSupplierName, SupplierNotFound
from inventory.supplier import repository
from inventory.supplier.schemas import SupplierCreate, SupplierRead, SupplierUpdate
from mpflow_platform.db import Pool, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.pagination import Page, PageQuery, next_cursor
from mpflow_platform.ids import uuid7


def tenant_of(identity: Identity) -> UUID:
    """The caller's tenant (the platform refuses anonymous calls before they get here)."""
    assert identity.user_id is not None, "the platform refuses anonymous calls"
    return identity.user_id


def supplier_read(row: dict[str, Any]) -> SupplierRead:
    return SupplierRead.model_validate({**row, "archived": row["archived_at"] is not None})


def _duplicate(name: str) -> DuplicateSupplierName:
    return DuplicateSupplierName(
        f"a supplier named {name!r} already exists; use another name or that supplier"
    )


async def create_supplier(*, pool: Pool, identity: Identity, data: SupplierCreate) -> SupplierRead:
    """Create a supplier (name unique per tenant, case-insensitive)."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        try:
            row = await repository.insert_supplier(
                tx, values={"id": uuid7(), "user_id": tenant, **data.model_dump()}
            )
        except repository.NameTaken as exc:
            raise _duplicate(data.name) from exc
    return supplier_read(row)


async def get_supplier(*, pool: Pool, identity: Identity, supplier_id: UUID) -> SupplierRead:
    """One supplier of the caller's tenant."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        row = await repository.get_supplier(tx, user_id=tenant, supplier_id=supplier_id)
    if row is None:
        raise SupplierNotFound(f"no supplier {supplier_id}")
    return supplier_read(row)


async def list_suppliers(
    *, pool: Pool, identity: Identity, page: PageQuery, archived: bool | None = None
) -> Page[SupplierRead]:
    """A page of the caller's suppliers (`q` searches the name)."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        rows, total = await repository.list_suppliers(
            tx, user_id=tenant, page=page, archived=archived
        )
    return Page[SupplierRead](
        items=[supplier_read(r) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )


async def update_supplier(
    *, pool: Pool, identity: Identity, supplier_id: UUID, data: SupplierUpdate
) -> SupplierRead:
    """Change a supplier; `archived` true archives it (its orders keep it), false restores."""
    tenant = tenant_of(identity)
    changes: dict[str, Any] = {
        name: getattr(data, name) for name in data.model_fields_set if name != "archived"
    }
    async with transaction(pool, user_id=tenant) as tx:
        row = await repository.get_supplier(tx, user_id=tenant, supplier_id=supplier_id, lock=True)
        if row is None:
            raise SupplierNotFound(f"no supplier {supplier_id}")
        if data.archived is not None and data.archived != (row["archived_at"] is not None):
            changes["archived_at"] = datetime.now(UTC) if data.archived else None
        try:
            after = await repository.update_supplier(
                tx, user_id=tenant, supplier_id=supplier_id, changes=changes
            )
        except repository.NameTaken as exc:
            raise _duplicate(changes["name"]) from exc
    return supplier_read(after)
