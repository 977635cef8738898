"""Use cases on sessions: sign in, sign out, and turn a session token into an identity."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from auth.errors import InvalidCredentials, InvalidToken
from auth.password import DUMMY_HASH, verify_password
from auth.session import repository
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
    *, pool: Pool, username: str, password: str, secret: str, ttl_seconds: int
) -> LoginResult:
    """Check the credentials, record a session and issue its token."""
    username = normalize_username(username)
    row = None
    if username_problem(username) is None:
        async with pool.acquire() as conn:
            row = await user_repository.get_user_for_login(conn, username=username)
    # An unknown user is verified against a dummy hash: every failure costs the same.
    stored_hash = row["password_hash"] if row is not None else DUMMY_HASH
    matches = await asyncio.to_thread(verify_password, password, stored_hash)
    if row is None or not matches or not row["is_active"]:
        raise InvalidCredentials()
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


async def logout(*, pool: Pool, identity: Identity) -> None:
    """Revoke the caller's session, if the caller signed in with one."""
    session_id = _parse_uuid(identity.session_id)
    if session_id is None or identity.user_id is None or identity.account_id is None:
        return
    async with transaction(pool, user_id=identity.user_id) as tx:
        await repository.update_session_revoked(
            tx, id=session_id, user_id=identity.user_id, account_id=identity.account_id
        )


async def authenticate(*, pool: Pool, token: str, secret: str) -> Identity:
    """The identity behind a genuine token whose session is live and account active."""
    try:
        claims = read_token(token, secret=secret)
    except TokenError as exc:
        raise InvalidToken() from exc
    user_id = _parse_uuid(claims.user_id)
    # Tokens without a session id cannot be revoked, so they are not accepted.
    session_id = _parse_uuid(claims.session_id)
    account_id = _parse_uuid(claims.account_id)
    if user_id is None or session_id is None or account_id is None:
        raise InvalidToken()
    async with transaction(pool, user_id=user_id) as tx:
        row = await repository.get_live_session_account(
            tx, id=session_id, user_id=user_id, account_id=account_id
        )
    if row is None:
        raise InvalidToken()
    return Identity(
        user_id=row["user_id"],
        account_id=row["id"],
        username=row["username"],
        role=row["role"],
        is_platform_admin=row["is_platform_admin"],
        scopes=("*",),
        credential="session",
        session_id=str(session_id),
    )
