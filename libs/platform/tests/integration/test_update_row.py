"""`update_row`: the one whitelisted UPDATE of a tenant's row, on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from mpflow_platform.db import update_row

TENANT, OTHER = uuid.uuid4(), uuid.uuid4()


async def _scenario(database_url: str) -> tuple[object, ...]:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "CREATE TABLE things (id uuid PRIMARY KEY, user_id uuid NOT NULL, name text, "
            "note text, version int NOT NULL DEFAULT 1, updated_at timestamptz)"
        )
        mine, theirs = uuid.uuid4(), uuid.uuid4()
        await conn.executemany(
            "INSERT INTO things (id, user_id, name) VALUES ($1, $2, $3)",
            [(mine, TENANT, "a"), (theirs, OTHER, "b")],
        )
        changed = await update_row(
            conn,
            table="things",
            user_id=TENANT,
            row_id=mine,
            changes={"note": "n", "name": "x"},
            allowed=("name", "note"),
            also="version = version + 1, updated_at = now()",
            returning="name, note, version, updated_at IS NOT NULL AS stamped",
        )
        foreign = await update_row(
            conn,
            table="things",
            user_id=TENANT,
            row_id=theirs,
            changes={"name": "stolen"},
            allowed=("name",),
            returning="name",
        )
        theirs_now = await conn.fetchval("SELECT name FROM things WHERE id = $1", theirs)
        with pytest.raises(ValueError, match="not updatable"):
            await update_row(
                conn, table="things", user_id=TENANT, row_id=mine, changes={"id": 1}, allowed=()
            )
        return dict(changed or {}), foreign, theirs_now
    finally:
        await conn.close()


def test_it_sets_the_allowed_columns_of_the_tenants_row_only(database_url: str) -> None:
    changed, foreign, theirs_now = asyncio.run(_scenario(database_url))

    assert changed == {"name": "x", "note": "n", "version": 2, "stamped": True}
    assert foreign is None and theirs_now == "b"
