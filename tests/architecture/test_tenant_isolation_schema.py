"""Tenant isolation in the database, checked from pg_catalog after all migrations ran on a
fresh database: every business table carries user_id under a row-level-security policy, and
the services' roles cannot step around it."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from mpflow_platform.migrations import SERVICES, apply_migrations
from mpflow_platform.settings import find_migrations_dir

#: Tables without row-level security, each for a reason.
NOT_TENANT_DATA = {
    # The outbox is read across tenants by the relay, which publishes every tenant's events.
    **{f"{s}.outbox": "transactional outbox, published across tenants" for s in SERVICES},
    # The inbox is written before the handler runs, and pruned across tenants.
    **{f"{s}.inbox": "consumer inbox, deduplication across tenants" for s in SERVICES},
    # Failed sign-ins are counted before anyone is known: no tenant exists yet.
    "auth.auth_failures": "sign-in throttling, keyed by address/username before any tenant",
}

#: Tables with RLS enabled but not FORCEd, each for a reason. FORCE would bind the owner,
#: and auth's SECURITY DEFINER look-ups (login by username, API key by public id, SSO subject
#: and domain, "is there a platform admin") run as the owner precisely to see across
#: tenants before one is known. The services never run as the owner (DB_ROLE).
ENABLED_NOT_FORCED = {
    "auth.users": "read by auth.account_for_login / account_for_sso_subject / has_platform_admin",
    "auth.sessions": "same owner as auth.users; kept like auth's other tables",
    "auth.api_keys": "read by auth.api_key_tenant",
    "auth.tenant_settings": "read by auth.tenant_for_sso_domain",
    "auth.revoked_tokens": "same owner as auth.users; kept like auth's other tables",
}

ROLES = {service: f"mpflow_{service}" for service in SERVICES}


async def _inspect(database_url: str) -> dict[str, Any]:
    await apply_migrations(database_url, find_migrations_dir())
    conn = await asyncpg.connect(database_url)
    try:
        tables = await conn.fetch(
            """
            SELECT n.nspname AS schema, c.relname AS name, c.relrowsecurity AS enabled,
                   c.relforcerowsecurity AS forced, pg_get_userbyid(c.relowner) AS owner,
                   EXISTS (SELECT 1 FROM pg_attribute a
                            WHERE a.attrelid = c.oid AND a.attname = 'user_id'
                              AND NOT a.attisdropped) AS has_user_id
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p')
            """,
            list(SERVICES),
        )
        policies = await conn.fetch(
            "SELECT schemaname, tablename, policyname, cmd, qual, with_check, roles "
            "FROM pg_policies WHERE schemaname = ANY($1::text[])",
            list(SERVICES),
        )
        roles = await conn.fetch(
            "SELECT rolname, rolcanlogin, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb "
            "FROM pg_roles WHERE rolname = ANY($1::text[])",
            list(ROLES.values()),
        )
        owned = await conn.fetch(
            """
            SELECT pg_get_userbyid(c.relowner) AS owner, n.nspname || '.' || c.relname AS name
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE pg_get_userbyid(c.relowner) = ANY($1::text[])
            """,
            list(ROLES.values()),
        )
        privileges = []
        for role in ROLES.values():
            for schema in SERVICES:
                usage = await conn.fetchval(
                    "SELECT has_schema_privilege($1, $2, 'USAGE')", role, schema
                )
                writable = await conn.fetch(
                    """
                    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = $2 AND c.relkind IN ('r', 'p', 'v', 'S')
                       AND (has_table_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, DELETE')
                            OR (c.relkind = 'S' AND has_sequence_privilege($1, c.oid, 'USAGE')))
                    """,
                    role,
                    schema,
                )
                privileges.append(
                    {
                        "role": role,
                        "schema": schema,
                        "usage": usage,
                        "tables": sorted(r["relname"] for r in writable),
                    }
                )
    finally:
        await conn.close()
    return {
        "tables": [dict(r) for r in tables],
        "policies": [dict(r) for r in policies],
        "roles": {r["rolname"]: dict(r) for r in roles},
        "owned": [dict(r) for r in owned],
        "privileges": privileges,
    }


@pytest.fixture(scope="module")
def catalog_state(pg_url: str) -> Any:
    """pg_catalog facts of a database with every migration applied (created and dropped here,
    once for the module)."""
    import uuid

    from mpflow_testing.plugin import with_database

    name = f"t_arch_{uuid.uuid4().hex[:12]}"

    async def run() -> dict[str, Any]:
        admin = await asyncpg.connect(pg_url)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        try:
            return await _inspect(with_database(pg_url, name))
        finally:
            admin = await asyncpg.connect(pg_url)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()

    return asyncio.run(run())


def _tables(state: Any) -> dict[str, dict[str, Any]]:
    return {f"{t['schema']}.{t['name']}": t for t in state["tables"]}


def test_the_exemptions_name_existing_tables(catalog_state: Any) -> None:
    tables = _tables(catalog_state)
    missing = sorted((set(NOT_TENANT_DATA) | set(ENABLED_NOT_FORCED)) - set(tables))
    assert missing == [], "exemptions for tables that do not exist: drop them"
    assert len(tables) > len(NOT_TENANT_DATA), "no business table found at all"


def test_every_business_table_carries_user_id(catalog_state: Any) -> None:
    without = sorted(
        name
        for name, t in _tables(catalog_state).items()
        if name not in NOT_TENANT_DATA and not t["has_user_id"]
    )
    assert without == [], "a business table needs user_id (or an exemption with a reason)"


def test_every_business_table_has_row_level_security_enabled(catalog_state: Any) -> None:
    off = sorted(
        name
        for name, t in _tables(catalog_state).items()
        if name not in NOT_TENANT_DATA and not t["enabled"]
    )
    assert off == [], "ALTER TABLE … ENABLE ROW LEVEL SECURITY in a migration"


def test_every_business_table_forces_row_level_security(catalog_state: Any) -> None:
    unforced = sorted(
        name
        for name, t in _tables(catalog_state).items()
        if name not in NOT_TENANT_DATA and name not in ENABLED_NOT_FORCED and not t["forced"]
    )
    assert unforced == [], "ALTER TABLE … FORCE ROW LEVEL SECURITY in a migration"


def test_every_business_table_has_the_tenant_isolation_policy(catalog_state: Any) -> None:
    policies: dict[str, list[dict[str, Any]]] = {}
    for p in catalog_state["policies"]:
        policies.setdefault(f"{p['schemaname']}.{p['tablename']}", []).append(p)
    problems = []
    for name in _tables(catalog_state):
        if name in NOT_TENANT_DATA:
            continue
        found = {p["policyname"]: p for p in policies.get(name, [])}
        policy = found.get("tenant_isolation")
        if policy is None:
            problems.append(f"{name}: no tenant_isolation policy")
            continue
        if policy["cmd"] != "ALL" or policy["roles"] != ["public"]:
            problems.append(f"{name}: tenant_isolation must cover ALL commands for PUBLIC")
        # WITH CHECK, when absent, is the USING expression for a FOR ALL policy.
        for expression in (policy["qual"], policy["with_check"] or policy["qual"]):
            if expression != "(user_id = mpflow_current_tenant())":
                problems.append(f"{name}: unexpected policy expression {expression!r}")
        if len(found) != 1:
            problems.append(f"{name}: other policies besides tenant_isolation: {sorted(found)}")
    assert problems == []


def test_outbox_and_inbox_tables_have_no_policies(catalog_state: Any) -> None:
    with_policy = sorted(
        f"{p['schemaname']}.{p['tablename']}"
        for p in catalog_state["policies"]
        if f"{p['schemaname']}.{p['tablename']}" in NOT_TENANT_DATA
    )
    assert with_policy == []


def test_service_roles_cannot_bypass_row_level_security(catalog_state: Any) -> None:
    roles = catalog_state["roles"]
    assert set(roles) == set(ROLES.values())
    for name, role in roles.items():
        assert not role["rolcanlogin"], f"{name} must be NOLOGIN"
        assert not role["rolsuper"], f"{name} must not be a superuser"
        assert not role["rolbypassrls"], f"{name} must not have BYPASSRLS"
        assert not role["rolcreaterole"] and not role["rolcreatedb"], name


def test_service_roles_own_nothing(catalog_state: Any) -> None:
    # An owner is not bound by a policy that is not FORCEd: the roles must never own tables.
    assert catalog_state["owned"] == []


def test_service_roles_reach_only_their_own_schema(catalog_state: Any) -> None:
    problems = []
    for entry in catalog_state["privileges"]:
        own = entry["role"] == ROLES[entry["schema"]]
        if own:
            if not entry["usage"]:
                problems.append(f"{entry['role']} lacks USAGE on its schema {entry['schema']}")
        elif entry["usage"] or entry["tables"]:
            problems.append(
                f"{entry['role']} reaches {entry['schema']}: usage={entry['usage']}, "
                f"tables={entry['tables']}"
            )
    assert problems == []


def test_each_service_role_may_use_every_table_of_its_schema(catalog_state: Any) -> None:
    tables_by_schema: dict[str, set[str]] = {}
    for t in catalog_state["tables"]:
        tables_by_schema.setdefault(t["schema"], set()).add(t["name"])
    for entry in catalog_state["privileges"]:
        if entry["role"] == ROLES[entry["schema"]]:
            missing = tables_by_schema.get(entry["schema"], set()) - set(entry["tables"])
            assert missing == set(), f"{entry['role']} cannot use {sorted(missing)}"
