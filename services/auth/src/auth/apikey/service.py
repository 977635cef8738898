"""Use cases on API keys: create, list, read, revoke, rotate, and check one presented."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from auth.apikey import model, repository
from auth.apikey.errors import ApiKeyNotFound, NotAnAccount, ScopeEscalation
from auth.apikey.schemas import ApiKeyCreate, ApiKeyIssued, ApiKeyRead, ApiKeyRotate
from auth.events.published import RevocationReason
from auth.events.revocation import publish_access_revoked
from mpflow_platform.db import Connection, Pool, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.pagination import Page, PageQuery, next_cursor
from mpflow_platform.http.scopes import covers
from mpflow_platform.ids import uuid7


@dataclass(frozen=True)
class Caller:
    tenant: UUID
    account_id: UUID
    is_owner: bool
    scopes: tuple[str, ...]

    @property
    def visible_account(self) -> UUID | None:
        """None for owners (every key of the tenant), else the member's own account."""
        return None if self.is_owner else self.account_id


def _caller(identity: Identity) -> Caller:
    if identity.user_id is None or identity.account_id is None:
        raise NotAnAccount("API keys belong to an account: sign in as a user of the tenant.")
    return Caller(
        tenant=identity.user_id,
        account_id=identity.account_id,
        is_owner=identity.role == "owner",
        scopes=identity.scopes,
    )


def _check_grantable(caller: Caller, scopes: list[str]) -> None:
    if not covers(caller.scopes, scopes):
        raise ScopeEscalation(
            f"This credential holds the scopes {', '.join(caller.scopes) or 'none'} and "
            f"cannot hand out {', '.join(scopes)}: use a credential that holds them."
        )


async def _publish_revoked(
    tx: Connection, caller: Caller, key: dict[str, Any], reason: RevocationReason
) -> None:
    await publish_access_revoked(
        tx, tenant=caller.tenant, reason=reason, account_id=key["account_id"], api_key_id=key["id"]
    )


async def create_key(*, pool: Pool, identity: Identity, body: ApiKeyCreate) -> ApiKeyIssued:
    """A new key for the caller's account; the full key is in the answer, and only there."""
    caller = _caller(identity)
    _check_grantable(caller, body.scopes)
    public_id, secret = model.new_public_id(), model.new_secret()
    async with transaction(pool, user_id=caller.tenant) as tx:
        row = await repository.insert_key(
            tx,
            id=uuid7(),
            user_id=caller.tenant,
            account_id=caller.account_id,
            public_id=public_id,
            name=body.name,
            scopes=body.scopes,
            secret_hash=model.hash_secret(secret),
            expires_at=body.expires_at,
        )
    read = ApiKeyRead.from_row(row)
    return ApiKeyIssued(**read.model_dump(), key=model.format_key(public_id, secret))


async def list_keys(*, pool: Pool, identity: Identity, page: PageQuery) -> Page[ApiKeyRead]:
    caller = _caller(identity)
    async with transaction(pool, user_id=caller.tenant) as tx:
        rows, total = await repository.list_keys(
            tx, user_id=caller.tenant, account_id=caller.visible_account, page=page
        )
    now = datetime.now(UTC)
    return Page[ApiKeyRead](
        items=[ApiKeyRead.from_row(r, now=now) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )


async def _get(tx: Connection, caller: Caller, key_id: UUID, *, lock: bool) -> dict[str, Any]:
    row = await repository.get_key(
        tx, user_id=caller.tenant, key_id=key_id, account_id=caller.visible_account, lock=lock
    )
    if row is None:
        raise ApiKeyNotFound(f"API key {key_id} does not exist.")
    return row


async def get_key(*, pool: Pool, identity: Identity, key_id: UUID) -> ApiKeyRead:
    caller = _caller(identity)
    async with transaction(pool, user_id=caller.tenant) as tx:
        return ApiKeyRead.from_row(await _get(tx, caller, key_id, lock=False))


async def revoke_key(*, pool: Pool, identity: Identity, key_id: UUID) -> ApiKeyRead:
    """Revoke a key for good (repeating it changes nothing); it stops working at once."""
    caller = _caller(identity)
    async with transaction(pool, user_id=caller.tenant) as tx:
        key = await _get(tx, caller, key_id, lock=True)
        if key["revoked_at"] is None:
            key = await repository.revoke_key(tx, user_id=caller.tenant, key_id=key_id)
            await _publish_revoked(tx, caller, key, "api_key_revoked")
    return ApiKeyRead.from_row(key)


async def rotate_key(
    *, pool: Pool, identity: Identity, key_id: UUID, body: ApiKeyRotate
) -> ApiKeyIssued:
    """A new secret for the key; the previous one keeps working for `grace_seconds`."""
    caller = _caller(identity)
    secret = model.new_secret()
    async with transaction(pool, user_id=caller.tenant) as tx:
        key = await _get(tx, caller, key_id, lock=True)
        if key["revoked_at"] is not None:
            raise ApiKeyNotFound(f"API key {key_id} is revoked: create a new one.")
        _check_grantable(caller, list(key["scopes"]))
        key = await repository.rotate_key(
            tx,
            user_id=caller.tenant,
            key_id=key_id,
            secret_hash=model.hash_secret(secret),
            grace_seconds=body.grace_seconds,
        )
        if body.grace_seconds == 0:
            await _publish_revoked(tx, caller, key, "api_key_rotated")
    read = ApiKeyRead.from_row(key)
    return ApiKeyIssued(**read.model_dump(), key=model.format_key(key["public_id"], secret))


def _valid_until(row: dict[str, Any], secret_hash: bytes, now: datetime) -> datetime | None:
    """Until when the presented secret is valid (None: it is not the key's secret at all;
    `datetime.max` for the current secret of a key without expiry)."""
    ends: list[datetime] = [row["expires_at"]] if row["expires_at"] is not None else []
    if hmac.compare_digest(bytes(row["secret_hash"]), secret_hash):
        return min(ends, default=datetime.max.replace(tzinfo=UTC))
    previous: bytes | None = row["previous_secret_hash"]
    until: datetime | None = row["previous_valid_until"]
    if (
        previous is not None
        and until is not None
        and hmac.compare_digest(bytes(previous), secret_hash)
    ):
        return min([*ends, until])
    return None


async def authenticate(*, pool: Pool, token: str) -> Identity | None:
    """The identity behind a presented key; None when it is not a live, genuine key."""
    parsed = model.parse_key(token)
    if parsed is None:
        return None
    async with pool.acquire() as conn:
        found = await repository.find_key_tenant(conn, public_id=parsed.public_id)
    if found is None:
        return None
    key_id, tenant = found
    now = datetime.now(UTC)
    async with transaction(pool, user_id=tenant) as tx:
        row = await repository.get_key_for_auth(tx, user_id=tenant, key_id=key_id)
        if row is None or row["revoked_at"] is not None or not row["is_active"]:
            return None
        valid_until = _valid_until(row, model.hash_secret(parsed.secret), now)
        if valid_until is None or valid_until <= now:
            return None
        await repository.touch_last_used(tx, user_id=tenant, key_id=key_id)
    scopes = tuple(row["scopes"])
    return Identity(
        user_id=tenant,
        account_id=row["account_id"],
        username=row["username"],
        role=row["role"],
        # A key acts as a platform administrator only when it holds every scope.
        is_platform_admin=row["is_platform_admin"] and "*" in scopes,
        scopes=scopes,
        credential="api_key",
        api_key_id=str(key_id),
        expires_at=None if valid_until.year == datetime.max.year else int(valid_until.timestamp()),
    )
