"""SQL for suppliers; every statement is scoped by user_id (row-level security checks it
again). Takes a connection inside a tenant transaction, never commits."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from mpflow_platform.db import Connection, update_row
from mpflow_platform.http.pagination import PageQuery, fetch_page

SORTABLE = {
    "name": "lower(name)",
    "currency": "currency",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
COLUMNS = "id, name, currency, contact, notes, created_at, updated_at, archived_at"
#: Columns an update may set; the names never come from input.
UPDATABLE = ("name", "currency", "contact", "notes", "archived_at")


class NameTaken(Exception):
    """Another supplier of the tenant has this name (case-insensitive)."""


async def insert_supplier(tx: Connection, *, values: dict[str, Any]) -> dict[str, Any]:
    """The new row. Raises NameTaken."""
    try:
        row = await tx.fetchrow(
            f"""
            INSERT INTO inventory.suppliers (id, user_id, name, currency, contact, notes)
            VALUES ($1, $2, $3, $4, $5, $6)
            RETURNING {COLUMNS}
            """,
            values["id"],
            values["user_id"],
            values["name"],
            values["currency"],
            values["contact"],
            values["notes"],
        )
    except asyncpg.UniqueViolationError as exc:
        raise NameTaken from exc
    assert row is not None
    return dict(row)


async def get_supplier(
    tx: Connection, *, user_id: UUID, supplier_id: UUID, lock: bool = False
) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        f"SELECT {COLUMNS} FROM inventory.suppliers WHERE user_id = $1 AND id = $2"
        + (" FOR UPDATE" if lock else ""),
        user_id,
        supplier_id,
    )
    return None if row is None else dict(row)


async def update_supplier(
    tx: Connection, *, user_id: UUID, supplier_id: UUID, changes: dict[str, Any]
) -> dict[str, Any]:
    """Apply `changes` (keys of UPDATABLE); the row after. Raises NameTaken."""
    try:
        row = await update_row(
            tx,
            table="inventory.suppliers",
            user_id=user_id,
            row_id=supplier_id,
            changes=changes,
            allowed=UPDATABLE,
            returning=COLUMNS,
        )
    except asyncpg.UniqueViolationError as exc:
        raise NameTaken from exc
    assert row is not None
    return dict(row)


async def list_suppliers(
    tx: Connection, *, user_id: UUID, page: PageQuery, archived: bool | None
) -> tuple[list[dict[str, Any]], int]:
    where = "user_id = $1"
    if archived is not None:
        where += f" AND archived_at IS {'NOT ' if archived else ''}NULL"
    rows, total = await fetch_page(
        tx,
        columns=COLUMNS,
        table="inventory.suppliers",
        where=where,
        args=[user_id],
        search_columns=("name",),
        tie_breaker="id",
        page=page,
    )
    return [dict(r) for r in rows], total
