"""Use cases on accounts: create one, read one, bootstrap the first platform administrator."""

from __future__ import annotations

import asyncio
import hashlib
from uuid import UUID

from auth.errors import (
    AccountNotFound,
    BootstrapError,
    InvalidRole,
    InvalidUsername,
    TenantNotFound,
    UsernameTaken,
    WeakPassword,
)
from auth.password import hash_password, password_problem
from auth.user import repository
from auth.user.model import ROLES, normalize_username, username_problem
from auth.user.schemas import UserRead
from mpflow_platform.db import Connection, Pool, set_tenant, transaction
from mpflow_platform.http.identity import Identity
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
    row = await repository.insert_user(
        tx,
        id=account_id,
        user_id=tenant_id or account_id,
        username=username,
        password_hash=password_hash,
        role=role,
        is_platform_admin=is_platform_admin,
    )
    if row is None:
        raise UsernameTaken(f"The username {username!r} is already taken: choose another one.")
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
