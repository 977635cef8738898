"""SQL of cash: a tenant's categories and transactions. Every statement is scoped by
user_id (row-level security checks it again); takes a connection inside a tenant
transaction, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from mpflow_platform.db import Connection, update_row
from mpflow_platform.http.pagination import PageQuery, fetch_page

SORTABLE = {"occurred_at": "occurred_at", "amount": "amount"}
COLUMNS = (
    "id, occurred_at, direction, amount, category, description, counterparty, source, "
    "external_id, supplier_order_id, sale_id, created_by, created_at, updated_at"
)
#: Columns an update may set; the names never come from input.
UPDATABLE = (
    "occurred_at",
    "direction",
    "amount",
    "category",
    "description",
    "counterparty",
    "supplier_order_id",
    "sale_id",
)


class CodeTaken(Exception):
    """The tenant already has a category with this code."""


# --- categories ------------------------------------------------------------------------------


async def list_categories(tx: Connection, *, user_id: UUID) -> list[dict[str, Any]]:
    """The tenant's own categories, by code."""
    rows = await tx.fetch(
        "SELECT code, name, direction, pnl FROM finance.categories WHERE user_id = $1 "
        "ORDER BY code",
        user_id,
    )
    return [dict(r) for r in rows]


async def get_category(tx: Connection, *, user_id: UUID, code: str) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        "SELECT code, name, direction, pnl FROM finance.categories "
        "WHERE user_id = $1 AND code = $2",
        user_id,
        code,
    )
    return None if row is None else dict(row)


async def insert_category(tx: Connection, *, user_id: UUID, values: dict[str, Any]) -> None:
    """Raises CodeTaken."""
    try:
        await tx.execute(
            "INSERT INTO finance.categories (user_id, code, name, direction, pnl) "
            "VALUES ($1, $2, $3, $4, $5)",
            user_id,
            values["code"],
            values["name"],
            values["direction"],
            values["pnl"],
        )
    except asyncpg.UniqueViolationError as exc:
        raise CodeTaken from exc


# --- transactions ----------------------------------------------------------------------------


async def insert_transaction(
    tx: Connection, *, user_id: UUID, values: dict[str, Any]
) -> dict[str, Any]:
    """The new row (manual unless `values` says otherwise)."""
    row = await tx.fetchrow(
        f"""
        INSERT INTO finance.transactions (id, user_id, occurred_at, direction, amount, category,
            description, counterparty, source, external_id, supplier_order_id, sale_id,
            created_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        RETURNING {COLUMNS}
        """,
        values["id"],
        user_id,
        values["occurred_at"],
        values["direction"],
        values["amount"],
        values["category"],
        values.get("description"),
        values.get("counterparty"),
        values.get("source", "manual"),
        values.get("external_id"),
        values.get("supplier_order_id"),
        values.get("sale_id"),
        values.get("created_by"),
    )
    assert row is not None
    return dict(row)


async def get_transaction(
    tx: Connection, *, user_id: UUID, transaction_id: UUID, lock: bool = False
) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        f"SELECT {COLUMNS} FROM finance.transactions WHERE user_id = $1 AND id = $2"
        + (" FOR UPDATE" if lock else ""),
        user_id,
        transaction_id,
    )
    return None if row is None else dict(row)


async def get_external_transaction(
    tx: Connection, *, user_id: UUID, source: str, external_id: str
) -> dict[str, Any] | None:
    """The system transaction recorded for (source, external_id), locked."""
    row = await tx.fetchrow(
        f"SELECT {COLUMNS} FROM finance.transactions "
        "WHERE user_id = $1 AND source = $2 AND external_id = $3 FOR UPDATE",
        user_id,
        source,
        external_id,
    )
    return None if row is None else dict(row)


async def insert_external_transaction(
    tx: Connection, *, user_id: UUID, values: dict[str, Any]
) -> UUID | None:
    """Insert a system transaction unless (source, external_id) is taken; its id, or None
    when another transaction recorded it first."""
    inserted = await tx.fetchval(
        """
        INSERT INTO finance.transactions (id, user_id, occurred_at, direction, amount, category,
            description, source, external_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (user_id, source, external_id) WHERE external_id IS NOT NULL DO NOTHING
        RETURNING id
        """,
        values["id"],
        user_id,
        values["occurred_at"],
        values["direction"],
        values["amount"],
        values["category"],
        values.get("description"),
        values["source"],
        values["external_id"],
    )
    return None if inserted is None else UUID(str(inserted))


async def update_transaction(
    tx: Connection, *, user_id: UUID, transaction_id: UUID, changes: dict[str, Any]
) -> dict[str, Any]:
    """Apply `changes` (keys of UPDATABLE); the row after."""
    row = await update_row(
        tx,
        table="finance.transactions",
        user_id=user_id,
        row_id=transaction_id,
        changes=changes,
        allowed=UPDATABLE,
        returning=COLUMNS,
    )
    assert row is not None
    return dict(row)


async def delete_transaction(tx: Connection, *, user_id: UUID, transaction_id: UUID) -> None:
    await tx.execute(
        "DELETE FROM finance.transactions WHERE user_id = $1 AND id = $2", user_id, transaction_id
    )


async def sale_exists(tx: Connection, *, user_id: UUID, sale_id: UUID) -> bool:
    """Whether the tenant has the sale `sale_id`."""
    found = await tx.fetchval(
        "SELECT EXISTS (SELECT 1 FROM finance.sales WHERE user_id = $1 AND id = $2)",
        user_id,
        sale_id,
    )
    return bool(found)


@dataclass(frozen=True)
class TransactionFilter:
    occurred_from: datetime | None = None
    occurred_before: datetime | None = None
    direction: str | None = None
    category: str | None = None
    source: str | None = None


async def list_transactions(
    tx: Connection, *, user_id: UUID, where: TransactionFilter, page: PageQuery
) -> tuple[list[dict[str, Any]], int]:
    """A page of the tenant's transactions; `q` searches description and counterparty."""
    sql, args = "user_id = $1", list[Any]([user_id])
    for column, op, value in (
        ("occurred_at", ">=", where.occurred_from),
        ("occurred_at", "<", where.occurred_before),
        ("direction", "=", where.direction),
        ("category", "=", where.category),
        ("source", "=", where.source),
    ):
        if value is not None:
            args.append(value)
            sql += f" AND {column} {op} ${len(args)}"
    rows, total = await fetch_page(
        tx,
        columns=COLUMNS,
        table="finance.transactions",
        where=sql,
        args=args,
        search_columns=("description", "counterparty"),
        tie_breaker="id",
        page=page,
    )
    return [dict(r) for r in rows], total
