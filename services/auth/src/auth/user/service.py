"""Use cases on accounts: the users API (owners manage their tenant's accounts), the
signed-in account, and the bootstrap of the first platform administrator."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from auth.errors import (
    AccountNotFound,
    BootstrapError,
    InvalidRole,
    InvalidUsername,
    LastOwner,
    OwnerRequired,
    PlatformAdminRequired,
    SsoSubjectTaken,
    TenantNotFound,
    UsernameTaken,
    WeakPassword,
)
from auth.events.published import RevocationReason
from auth.events.revocation import publish_access_revoked
from auth.password import hash_password, password_problem
from auth.user import repository
from auth.user.model import ROLES, normalize_username, username_problem
from auth.user.schemas import UserCreate, UserRead, UserUpdate
from mpflow_platform.db import Connection, Pool, set_tenant, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.pagination import Page, PageQuery, next_cursor
from mpflow_platform.ids import uuid7

#: Serializes bootstrap across replicas starting together ("mpflow-auth-bootstrap" folded).
BOOTSTRAP_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"mpflow-auth-bootstrap").digest()[:8], "big", signed=True
)


async def create_user(
    *,
    tx: Connection,
    username: str,
    password: str,
    role: str = "owner",
    is_platform_admin: bool = False,
    tenant_id: UUID | None = None,
    sso_subject: str | None = None,
) -> UserRead:
    """Create an account; without `tenant_id` it is the owner of a new tenant."""
    username = normalize_username(username)
    problem = username_problem(username)
    if problem:
        raise InvalidUsername(f"The username is not valid: {problem}.")
    if role not in ROLES:
        raise InvalidRole(f"The role must be one of: {', '.join(ROLES)}.")
    problem = password_problem(password, username=username)
    if problem:
        raise WeakPassword(f"The password is not acceptable: {problem}.")
    account_id = uuid7()
    # Row-level security: the rest of this transaction acts within the account's tenant.
    await set_tenant(tx, tenant_id or account_id)
    if tenant_id is not None and not await repository.is_tenant(tx, tenant_id=tenant_id):
        raise TenantNotFound(f"Tenant {tenant_id} does not exist.")
    password_hash = await asyncio.to_thread(hash_password, password)
    try:
        row = await repository.insert_user(
            tx,
            id=account_id,
            user_id=tenant_id or account_id,
            username=username,
            password_hash=password_hash,
            role=role,
            is_platform_admin=is_platform_admin,
            sso_subject=sso_subject,
        )
    except repository.SsoSubjectInUse as exc:
        raise _sso_subject_taken() from exc
    if row is None:
        raise UsernameTaken(f"The username {username!r} is already taken: choose another one.")
    return UserRead.model_validate(row)


def _sso_subject_taken() -> SsoSubjectTaken:
    return SsoSubjectTaken(
        "Another account is already linked to this SSO subject: unlink it there first."
    )


@dataclass(frozen=True)
class Owner:
    """The caller of the users API: an owner of tenant `tenant`."""

    tenant: UUID
    account_id: UUID
    is_platform_admin: bool
    session_id: UUID | None


def _owner(identity: Identity) -> Owner:
    if identity.user_id is None or identity.account_id is None:
        raise OwnerRequired("Accounts are managed by a signed-in owner of the tenant.")
    if identity.role != "owner":
        raise OwnerRequired("Only an owner of the tenant may manage its accounts.")
    session_id = None
    if identity.credential == "session" and identity.session_id:
        try:
            session_id = UUID(identity.session_id)
        except ValueError:
            session_id = None
    return Owner(
        tenant=identity.user_id,
        account_id=identity.account_id,
        is_platform_admin=identity.is_platform_admin,
        session_id=session_id,
    )


async def add_user(*, pool: Pool, identity: Identity, body: UserCreate) -> UserRead:
    """A new account in the owner's tenant, or a new tenant (platform administrators)."""
    owner = _owner(identity)
    if body.new_tenant:
        if not owner.is_platform_admin:
            raise PlatformAdminRequired("Only a platform administrator may create tenants.")
        if body.role != "owner":
            raise InvalidRole("The first account of a new tenant is its owner: role 'owner'.")
    async with transaction(pool) as tx:
        return await create_user(
            tx=tx,
            username=body.username,
            password=body.password,
            role=body.role,
            tenant_id=None if body.new_tenant else owner.tenant,
            sso_subject=body.sso_subject,
        )


async def list_users(
    *,
    pool: Pool,
    identity: Identity,
    page: PageQuery,
    role: str | None = None,
    is_active: bool | None = None,
) -> Page[UserRead]:
    owner = _owner(identity)
    async with transaction(pool, user_id=owner.tenant) as tx:
        rows, total = await repository.list_users(
            tx, user_id=owner.tenant, role=role, is_active=is_active, page=page
        )
    return Page[UserRead](
        items=[UserRead.model_validate(r) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )


async def _get(tx: Connection, owner: Owner, account_id: UUID, *, lock: bool) -> dict[str, Any]:
    row = await repository.get_user(tx, user_id=owner.tenant, account_id=account_id, lock=lock)
    if row is None:
        raise AccountNotFound(f"Account {account_id} does not exist.")
    return row


async def get_user(*, pool: Pool, identity: Identity, account_id: UUID) -> UserRead:
    owner = _owner(identity)
    async with transaction(pool, user_id=owner.tenant) as tx:
        return UserRead.model_validate(await _get(tx, owner, account_id, lock=False))


async def update_user(
    *, pool: Pool, identity: Identity, account_id: UUID, body: UserUpdate
) -> UserRead:
    """Change an account's role, state, password or SSO link.

    Deactivating it or setting its password ends its sessions (the caller's own session
    excepted when owners change their own password); deactivation stops its API keys too.
    A tenant always keeps one active owner.
    """
    owner = _owner(identity)
    given = body.model_fields_set
    async with transaction(pool, user_id=owner.tenant) as tx:
        current = await _get(tx, owner, account_id, lock=True)
        if current["is_platform_admin"] and not owner.is_platform_admin:
            # A co-owner of the administrator's tenant must not take the account over (its
            # password or SSO link) nor lock it out.
            raise PlatformAdminRequired(
                "Only a platform administrator may change a platform administrator's account."
            )
        changes: dict[str, Any] = {}
        if body.role is not None and body.role != current["role"]:
            changes["role"] = body.role
        if body.is_active is not None and body.is_active != current["is_active"]:
            changes["is_active"] = body.is_active
        if "sso_subject" in given and body.sso_subject != current["sso_subject"]:
            changes["sso_subject"] = body.sso_subject
        if body.password is not None:
            problem = password_problem(body.password, username=current["username"])
            if problem:
                raise WeakPassword(f"The password is not acceptable: {problem}.")
            changes["password_hash"] = await asyncio.to_thread(hash_password, body.password)
        if not changes:
            return UserRead.model_validate(current)
        stops_owning = current["role"] == "owner" and current["is_active"]
        stops_owning &= changes.get("role", "owner") != "owner" or not changes.get(
            "is_active", True
        )
        if stops_owning:
            owners = await repository.active_owner_ids(tx, user_id=owner.tenant)
            if [o for o in owners if o != account_id] == []:
                raise LastOwner(
                    "This is the tenant's last active owner: make another account an owner first."
                )
        try:
            row = await repository.update_user(
                tx, user_id=owner.tenant, account_id=account_id, changes=changes
            )
        except repository.SsoSubjectInUse as exc:
            raise _sso_subject_taken() from exc
        if changes.get("is_active") is False or "password_hash" in changes:
            keep = owner.session_id if account_id == owner.account_id else None
            await repository.end_account_sessions(
                tx, user_id=owner.tenant, account_id=account_id, keep_session=keep
            )
        reason: RevocationReason = (
            "account_deactivated" if changes.get("is_active") is False else "account_changed"
        )
        await publish_access_revoked(tx, tenant=owner.tenant, reason=reason, account_id=account_id)
    return UserRead.model_validate(row)


async def get_current_user(*, pool: Pool, identity: Identity) -> UserRead:
    """The signed-in account, read from the database within its tenant."""
    if identity.user_id is None or identity.account_id is None:
        raise AccountNotFound("The caller is not tied to an account.")
    async with transaction(pool, user_id=identity.user_id) as tx:
        row = await repository.get_user(
            tx, user_id=identity.user_id, account_id=identity.account_id
        )
    if row is None:
        raise AccountNotFound("The signed-in account no longer exists.")
    return UserRead.model_validate(row)


async def ensure_platform_admin(*, pool: Pool, username: str, password: str) -> UserRead | None:
    """Create the first platform administrator unless one exists; the new account or None."""
    async with transaction(pool) as tx:
        # Two replicas starting together: the second waits here, then sees the first's admin.
        await tx.execute("SELECT pg_advisory_xact_lock($1)", BOOTSTRAP_LOCK_KEY)
        if await repository.has_platform_admin(tx):
            return None
        try:
            return await create_user(
                tx=tx,
                username=username,
                password=password,
                role="owner",
                is_platform_admin=True,
            )
        except UsernameTaken as exc:
            raise BootstrapError(
                f"ADMIN_BOOTSTRAP_USERNAME {username!r} belongs to an account that is not a "
                "platform administrator: set ADMIN_BOOTSTRAP_USERNAME to an unused name"
            ) from exc
