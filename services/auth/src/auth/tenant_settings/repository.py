"""SQL for auth.tenant_settings; takes a connection inside a tenant transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from mpflow_platform.db import Connection, record_to_dict

#: Every settings column but the key; the names never come from input.
COLUMNS = (
    "base_currency",
    "tax_mode",
    "tax_rate",
    "negative_stock",
    "timezone",
    "language",
    "sso_auto_provision",
    "sso_email_domains",
)


async def get_settings(
    conn: Connection, *, user_id: UUID, lock: bool = False
) -> dict[str, Any] | None:
    """The tenant's row, or None while it has only defaults."""
    row = await conn.fetchrow(
        f"SELECT {', '.join(COLUMNS)}, updated_at FROM auth.tenant_settings WHERE user_id = $1"
        + (" FOR UPDATE" if lock else ""),
        user_id,
    )
    return record_to_dict(row)


async def put_settings(tx: Connection, *, user_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    """Store every column of `values` (all of COLUMNS) for the tenant; the stored row."""
    placeholders = ", ".join(f"${i}" for i in range(2, len(COLUMNS) + 2))
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in COLUMNS)
    row = await tx.fetchrow(
        f"""
        INSERT INTO auth.tenant_settings (user_id, {", ".join(COLUMNS)})
        VALUES ($1, {placeholders})
        ON CONFLICT (user_id) DO UPDATE SET {updates}, updated_at = now()
        RETURNING {", ".join(COLUMNS)}, updated_at
        """,
        user_id,
        *(values[name] for name in COLUMNS),
    )
    assert row is not None
    return dict(row)


async def tenant_for_sso_domain(conn: Connection, *, domain: str) -> UUID | None:
    """The tenant that provisions accounts for e-mail `domain`, whichever it is."""
    tenant: UUID | None = await conn.fetchval("SELECT auth.tenant_for_sso_domain($1)", domain)
    return tenant


async def lock_sso_domain(tx: Connection, *, domain: str) -> None:
    """Serialize claims of one e-mail domain across tenants until the transaction ends."""
    await tx.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('sso-domain:' || $1, 0))", domain
    )
