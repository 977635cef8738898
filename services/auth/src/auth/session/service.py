"""Use cases on sessions: sign in, sign out, and turn a session token into an identity."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from auth import throttle
from auth.errors import InvalidCredentials
from auth.password import DUMMY_HASH, verify_password
from auth.session import repository
from auth.throttle import Limits
from auth.token import TokenClaims, TokenError, issue_token, read_token
from auth.user import repository as user_repository
from auth.user.model import normalize_username, username_problem
from auth.user.schemas import UserRead
from mpflow_platform.db import Pool, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.ids import uuid7


@dataclass(frozen=True)
class LoginResult:
    access_token: str
    expires_in: int
    user: UserRead


async def login(
    *,
    pool: Pool,
    username: str,
    password: str,
    secret: str,
    ttl_seconds: int,
    client_ip: str | None = None,
    limits: Limits | None = None,
) -> LoginResult:
    """Check the credentials, record a session and issue its token.

    Failures count per address and per username; too many lock both for a while (429).
    """
    limits = limits or Limits()
    username = normalize_username(username)
    keys = {
        throttle.ip_key(client_ip): limits.ip_limit,
        throttle.user_key(username): limits.account_limit,
    }
    await throttle.ensure_not_locked(pool, list(keys))
    row = None
    if username_problem(username) is None:
        async with pool.acquire() as conn:
            row = await user_repository.get_user_for_login(conn, username=username)
    # An unknown user is verified against a dummy hash: every failure costs the same.
    stored_hash = row["password_hash"] if row is not None else DUMMY_HASH
    matches = await asyncio.to_thread(verify_password, password, stored_hash)
    if row is None or not matches or not row["is_active"]:
        await throttle.record_failure(pool, limits, keys=keys)
        raise InvalidCredentials()
    await throttle.clear(pool, throttle.user_key(username))
    user = UserRead.model_validate(row)
    session_id = uuid7()
    created_at = datetime.now(UTC)
    expires_at = created_at + timedelta(seconds=ttl_seconds)
    async with transaction(pool, user_id=user.user_id) as tx:
        await repository.insert_session(
            tx,
            id=session_id,
            user_id=user.user_id,
            account_id=user.id,
            created_at=created_at,
            expires_at=expires_at,
        )
    claims = TokenClaims(
        user_id=str(user.user_id),
        username=user.username,
        is_platform_admin=user.is_platform_admin,
        expires_at=int(expires_at.timestamp()),
        session_id=str(session_id),
        account_id=str(user.id),
    )
    return LoginResult(issue_token(claims, secret=secret), ttl_seconds, user)


def _parse_uuid(value: str | None) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


#: The session id of a token that has none: `legacy:<exp>:<sha256 of the token>`, so that
#: logging out can deny exactly that token until it expires.
LEGACY_PREFIX = "legacy:"


def _legacy_handle(token: str, expires_at: int) -> str:
    return f"{LEGACY_PREFIX}{expires_at}:{hashlib.sha256(token.encode()).hexdigest()}"


async def logout(*, pool: Pool, identity: Identity) -> None:
    """Revoke the caller's session (or deny its session-less token), if it has one."""
    if identity.user_id is None or identity.account_id is None or identity.session_id is None:
        return
    if identity.session_id.startswith(LEGACY_PREFIX):
        expires, _, token_hash = identity.session_id[len(LEGACY_PREFIX) :].partition(":")
        async with transaction(pool, user_id=identity.user_id) as tx:
            await repository.insert_revoked_token(
                tx,
                user_id=identity.user_id,
                token_hash=bytes.fromhex(token_hash),
                expires_at=datetime.fromtimestamp(int(expires), UTC),
            )
        return
    session_id = _parse_uuid(identity.session_id)
    if session_id is None:
        return
    async with transaction(pool, user_id=identity.user_id) as tx:
        await repository.update_session_revoked(
            tx, id=session_id, user_id=identity.user_id, account_id=identity.account_id
        )


async def _authenticate_legacy(pool: Pool, token: str, claims: TokenClaims) -> Identity | None:
    """A token in the original system's format (uid, usr, adm, exp; no session id): valid
    while its account (uid, named usr) is active and it was not logged out. `adm` is not
    trusted: platform administration comes from the account."""
    account_id = _parse_uuid(claims.user_id)
    if account_id is None:
        return None
    async with pool.acquire() as conn:
        row = await user_repository.get_user_for_login(conn, username=claims.username)
    if row is None or row["id"] != account_id or not row["is_active"]:
        return None
    handle = _legacy_handle(token, claims.expires_at)
    token_hash = bytes.fromhex(handle.rsplit(":", 1)[1])
    async with transaction(pool, user_id=row["user_id"]) as tx:
        if await repository.is_token_revoked(tx, user_id=row["user_id"], token_hash=token_hash):
            return None
    return Identity(
        user_id=row["user_id"],
        account_id=row["id"],
        username=row["username"],
        role=row["role"],
        is_platform_admin=row["is_platform_admin"],
        scopes=("*",),
        credential="session",
        session_id=handle,
        expires_at=claims.expires_at,
    )


async def authenticate(*, pool: Pool, token: str, secret: str) -> Identity | None:
    """The identity behind a genuine session token whose session is live and account active;
    None when the token cannot be trusted."""
    try:
        claims = read_token(token, secret=secret)
    except TokenError:
        return None
    if claims.session_id is None:
        return await _authenticate_legacy(pool, token, claims)
    user_id = _parse_uuid(claims.user_id)
    session_id = _parse_uuid(claims.session_id)
    account_id = _parse_uuid(claims.account_id)
    if user_id is None or session_id is None or account_id is None:
        return None
    async with transaction(pool, user_id=user_id) as tx:
        row = await repository.get_live_session_account(
            tx, id=session_id, user_id=user_id, account_id=account_id
        )
    if row is None:
        return None
    return Identity(
        user_id=row["user_id"],
        account_id=row["id"],
        username=row["username"],
        role=row["role"],
        is_platform_admin=row["is_platform_admin"],
        scopes=("*",),
        credential="session",
        session_id=str(session_id),
        expires_at=claims.expires_at,
    )
