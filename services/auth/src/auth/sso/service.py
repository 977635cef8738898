"""Accounts behind verified Logto tokens: linked by `sub`, provisioned only where a tenant
asked for it (tenant setting `sso_auto_provision` with its email domains; off by default)."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from auth.user.model import username_problem
from mpflow_platform.db import Pool, set_tenant, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.scopes import unknown_scopes
from mpflow_platform.ids import uuid7

log = logging.getLogger(__name__)

#: Stored instead of a password hash for provisioned accounts: no password ever matches it.
NO_PASSWORD = "!sso-only"
#: Longest subject `auth.users.sso_subject` holds; a longer one links to nobody.
MAX_SUBJECT_LENGTH = 255


def scopes_from(claims: dict[str, Any]) -> tuple[str, ...]:
    """The token's scopes that belong to our vocabulary; `*` when it carries none of them."""
    raw = claims.get("scope")
    names = raw.split() if isinstance(raw, str) else []
    ours = [name for name in names if not unknown_scopes([name])]
    return tuple(sorted(set(ours))) if ours else ("*",)


async def _linked(pool: Pool, subject: str) -> tuple[UUID, UUID] | None:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT id, user_id FROM auth.account_for_sso_subject($1)", subject
        )
    return None if row is None else (row["id"], row["user_id"])


def _verified_email(claims: dict[str, Any]) -> str | None:
    email = claims.get("email")
    if not isinstance(email, str) or email.count("@") != 1 or len(email) > 150:
        return None
    if claims.get("email_verified") is not True:  # absent is not verified
        return None
    email = email.strip().lower()
    return None if username_problem(email) else email


async def _provision(pool: Pool, subject: str, claims: dict[str, Any]) -> None:
    """Create a member account for an unknown subject when its email domain belongs to a
    tenant that enabled provisioning; otherwise do nothing."""
    email = _verified_email(claims)
    if email is None:
        return
    async with pool.acquire() as conn:
        tenant = await conn.fetchval("SELECT auth.tenant_for_sso_domain($1)", email.split("@")[1])
    if tenant is None:
        return
    async with transaction(pool) as tx:
        await set_tenant(tx, tenant)
        created = await tx.fetchval(
            """
            INSERT INTO auth.users (id, user_id, username, password_hash, role, sso_subject)
            VALUES ($1, $2, $3, $4, 'member', $5)
            ON CONFLICT DO NOTHING
            RETURNING id
            """,
            uuid7(),
            tenant,
            email,
            NO_PASSWORD,
            subject,
        )
    if created is not None:
        log.info("sso account provisioned", extra={"user_id": str(tenant), "account": str(created)})
    else:
        log.warning(
            "sso account not provisioned: the username is taken",
            extra={"user_id": str(tenant)},
        )


async def identity_for(pool: Pool, claims: dict[str, Any]) -> Identity | None:
    """The active account linked to the token's subject (provisioned if allowed), or None."""
    subject = str(claims["sub"])
    if not subject or len(subject) > MAX_SUBJECT_LENGTH or username_problem(subject[:150]):
        return None
    linked = await _linked(pool, subject)
    if linked is None:
        await _provision(pool, subject, claims)
        linked = await _linked(pool, subject)
    if linked is None:
        return None
    account_id, tenant = linked
    async with transaction(pool, user_id=tenant) as tx:
        row = await tx.fetchrow(
            "SELECT username, role, is_platform_admin, is_active FROM auth.users "
            "WHERE user_id = $1 AND id = $2",
            tenant,
            account_id,
        )
    if row is None or not row["is_active"]:
        return None
    scopes = scopes_from(claims)
    return Identity(
        user_id=tenant,
        account_id=account_id,
        username=row["username"],
        role=row["role"],
        is_platform_admin=row["is_platform_admin"] and scopes == ("*",),
        scopes=scopes,
        credential="sso",
        expires_at=int(claims["exp"]),
    )
