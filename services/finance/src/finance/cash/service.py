"""Use cases of cash: categories and transactions, one transaction each.

A manual transaction in a P&L category (`pnl` expense or income) also writes its accrual,
key `txn:<id>`, which follows the transaction's edits and goes with its deletion
(docs/finance.md). System transactions (Ozon payouts) are recorded by the system through
`record_system_transaction` and are read-only through the API.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from finance.accrual import repository as accrual_repository
from finance.accrual.repository import Accrual
from finance.cash import repository
from finance.cash.categories import (
    SYSTEM_BY_CODE,
    SYSTEM_CATEGORIES,
    Category,
    Direction,
    category_problem,
    custom_category,
)
from finance.cash.repository import TransactionFilter
from finance.cash.schemas import (
    CategoryCreate,
    CategoryList,
    CategoryRead,
    TransactionCreate,
    TransactionRead,
    TransactionUpdate,
)
from finance.tenant import tenant_of
from mpflow_platform.db import Connection, Pool, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.pagination import Page, PageQuery, next_cursor
from mpflow_platform.http.problems import Conflict, NotFound, Unprocessable
from mpflow_platform.ids import uuid7


class TransactionNotFound(NotFound):
    error_code = "transaction_not_found"


class SystemTransaction(Conflict):
    """Transactions the system recorded (marketplace payouts) change only at their source."""

    error_code = "system_transaction"


class InvalidCategory(Unprocessable):
    error_code = "invalid_category"


class DuplicateCategory(Conflict):
    error_code = "duplicate_category"


class UnknownSale(Unprocessable):
    """A transaction linked to a sale the tenant does not have."""

    error_code = "unknown_sale"


# --- categories ------------------------------------------------------------------------------


async def categories_of(tx: Connection, *, user_id: UUID) -> dict[str, Category]:
    """Every category the tenant may use, system ones first, by code."""
    custom = await repository.list_categories(tx, user_id=user_id)
    return {
        **{c.code: c for c in SYSTEM_CATEGORIES},
        **{
            r["code"]: custom_category(r["code"], r["name"], r["direction"], r["pnl"])
            for r in custom
        },
    }


async def _category(tx: Connection, *, user_id: UUID, code: str) -> Category | None:
    if code in SYSTEM_BY_CODE:
        return SYSTEM_BY_CODE[code]
    row = await repository.get_category(tx, user_id=user_id, code=code)
    return None if row is None else custom_category(**row)


def _category_read(category: Category) -> CategoryRead:
    return CategoryRead(
        code=category.code,
        name=category.name,
        name_en=category.name_en,
        direction=category.direction,
        pnl=category.pnl,
        system=category.system,
    )


async def list_categories(*, pool: Pool, identity: Identity) -> CategoryList:
    """The system categories and the tenant's own."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        categories = await categories_of(tx, user_id=tenant)
    return CategoryList(items=[_category_read(c) for c in categories.values()])


async def create_category(*, pool: Pool, identity: Identity, data: CategoryCreate) -> CategoryRead:
    """Add a tenant category; its code must differ from every system and existing one."""
    tenant = tenant_of(identity)
    if data.code in SYSTEM_BY_CODE:
        raise DuplicateCategory(f"{data.code!r} is a system category: choose another code")
    async with transaction(pool, user_id=tenant) as tx:
        try:
            await repository.insert_category(tx, user_id=tenant, values=data.model_dump())
        except repository.CodeTaken as exc:
            raise DuplicateCategory(
                f"a category {data.code!r} already exists: choose another code"
            ) from exc
    return _category_read(custom_category(data.code, data.name, data.direction, data.pnl))


# --- transactions ----------------------------------------------------------------------------


def _transaction_read(row: dict[str, Any], categories: dict[str, Category]) -> TransactionRead:
    category = categories.get(row["category"])
    return TransactionRead.model_validate(
        {
            **row,
            "category_name": None if category is None else category.name,
            "editable": row["source"] == "manual",
        }
    )


async def _checked_category(
    tx: Connection, *, user_id: UUID, code: str, direction: Direction
) -> Category:
    category = await _category(tx, user_id=user_id, code=code)
    problem = category_problem(category, code, direction)
    if problem is not None or category is None:
        raise InvalidCategory(
            problem or "", invalid_params=[{"name": "category", "reason": problem}]
        )
    return category


async def _check_sale(tx: Connection, *, user_id: UUID, sale_id: UUID | None) -> None:
    """422 naming `sale_id` unless it is None or a sale of the tenant."""
    if sale_id is not None and not await repository.sale_exists(
        tx, user_id=user_id, sale_id=sale_id
    ):
        reason = f"no sale {sale_id}"
        raise UnknownSale(reason, invalid_params=[{"name": "sale_id", "reason": reason}])


async def _book_pnl(
    tx: Connection, *, user_id: UUID, row: dict[str, Any], category: Category
) -> None:
    """Write, rewrite or remove the transaction's P&L entry (`txn:<id>`)."""
    key = f"txn:{row['id']}"
    if category.pnl == "none":
        await accrual_repository.delete_keys(tx, user_id=user_id, prefix=key)
        return
    amount: Decimal = row["amount"]
    await accrual_repository.upsert(
        tx,
        user_id=user_id,
        accruals=[
            Accrual(
                source_key=key,
                occurred_at=row["occurred_at"],
                kind=category.pnl,
                amount=-amount if category.pnl == "expense" else amount,
                source="manual",
                category=category.code,
                description=row["description"],
            )
        ],
    )


async def create_transaction(
    *, pool: Pool, identity: Identity, data: TransactionCreate
) -> TransactionRead:
    """Record money that moved (source manual); a P&L category also books its accrual."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        category = await _checked_category(
            tx, user_id=tenant, code=data.category, direction=data.direction
        )
        await _check_sale(tx, user_id=tenant, sale_id=data.sale_id)
        values = data.model_dump()
        values.update(
            id=uuid7(),
            occurred_at=data.occurred_at or datetime.now(UTC),
            created_by=identity.account_id,
        )
        row = await repository.insert_transaction(tx, user_id=tenant, values=values)
        await _book_pnl(tx, user_id=tenant, row=row, category=category)
    return _transaction_read(row, {category.code: category})


async def _manual_for_update(
    tx: Connection, *, user_id: UUID, transaction_id: UUID
) -> dict[str, Any]:
    row = await repository.get_transaction(
        tx, user_id=user_id, transaction_id=transaction_id, lock=True
    )
    if row is None:
        raise TransactionNotFound(f"no transaction {transaction_id}")
    if row["source"] != "manual":
        raise SystemTransaction(
            f"transaction {transaction_id} was recorded by the system ({row['source']}): "
            "only manual transactions can be changed or deleted"
        )
    return row


async def update_transaction(
    *, pool: Pool, identity: Identity, transaction_id: UUID, data: TransactionUpdate
) -> TransactionRead:
    """Change a manual transaction; its P&L entry follows (or goes, when the new category is
    not a P&L one)."""
    tenant = tenant_of(identity)
    changes = {name: getattr(data, name) for name in data.model_fields_set}
    async with transaction(pool, user_id=tenant) as tx:
        before = await _manual_for_update(tx, user_id=tenant, transaction_id=transaction_id)
        merged = {**before, **changes}
        category = await _checked_category(
            tx, user_id=tenant, code=merged["category"], direction=merged["direction"]
        )
        if "sale_id" in changes:
            await _check_sale(tx, user_id=tenant, sale_id=changes["sale_id"])
        row = await repository.update_transaction(
            tx, user_id=tenant, transaction_id=transaction_id, changes=changes
        )
        await _book_pnl(tx, user_id=tenant, row=row, category=category)
    return _transaction_read(row, {category.code: category})


async def delete_transaction(*, pool: Pool, identity: Identity, transaction_id: UUID) -> None:
    """Delete a manual transaction and its P&L entry."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        await _manual_for_update(tx, user_id=tenant, transaction_id=transaction_id)
        await accrual_repository.delete_keys(tx, user_id=tenant, prefix=f"txn:{transaction_id}")
        await repository.delete_transaction(tx, user_id=tenant, transaction_id=transaction_id)


async def list_transactions(
    *, pool: Pool, identity: Identity, where: TransactionFilter, page: PageQuery
) -> Page[TransactionRead]:
    """A page of the tenant's cash transactions."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        rows, total = await repository.list_transactions(tx, user_id=tenant, where=where, page=page)
        categories = await categories_of(tx, user_id=tenant)
    return Page[TransactionRead](
        items=[_transaction_read(r, categories) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )


async def record_system_transaction(
    tx: Connection,
    *,
    user_id: UUID,
    occurred_at: datetime,
    direction: Direction,
    amount: Decimal,
    category: str,
    source: Literal["ozon", "system"],
    external_id: str,
    description: str | None = None,
) -> tuple[UUID, bool]:
    """Record money the system saw move (a marketplace payout) inside the caller's
    transaction, once per (source, external_id): the id and whether it was new. Recorded
    again with other figures (a re-synced document), the row is updated in place. Writes no
    accrual: the P&L side of marketplace money comes from its own documents. A category
    that does not exist or does not match the direction raises InvalidCategory."""
    await _checked_category(tx, user_id=user_id, code=category, direction=direction)
    values = {
        "occurred_at": occurred_at,
        "direction": direction,
        "amount": amount,
        "category": category,
        "description": description,
    }
    inserted = await repository.insert_external_transaction(
        tx,
        user_id=user_id,
        values={**values, "id": uuid7(), "source": source, "external_id": external_id},
    )
    if inserted is not None:
        return inserted, True
    existing = await repository.get_external_transaction(
        tx, user_id=user_id, source=source, external_id=external_id
    )
    assert existing is not None
    changes = {k: v for k, v in values.items() if existing[k] != v}
    if changes:
        await repository.update_transaction(
            tx, user_id=user_id, transaction_id=existing["id"], changes=changes
        )
    return existing["id"], False
