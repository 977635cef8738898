"""The caller's identity, signed by the gateway and verified by every service.

The gateway authenticates the caller, then sends `X-MPFlow-Identity: <payload>.<signature>`:
payload = base64url(JSON), signature = hex HMAC-SHA256 over method, path, raw query string
and payload with GATEWAY_SIGNING_KEY. Binding the request line and a short expiry keep a
captured header from being replayed against another endpoint, other parameters, or later.
Services refuse calls without it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from uuid import UUID

HEADER = "x-mpflow-identity"
MAX_AGE_SECONDS = 60


class IdentityError(Exception):
    """The identity header is missing, malformed, forged or expired."""


@dataclass(frozen=True)
class Identity:
    """Who is calling: `user_id` is the tenant; anonymous calls have none."""

    user_id: UUID | None = None
    account_id: UUID | None = None
    username: str | None = None
    role: str | None = None
    is_platform_admin: bool = False
    scopes: tuple[str, ...] = field(default_factory=tuple)
    credential: str = "anonymous"
    session_id: str | None = None
    api_key_id: str | None = None
    #: When the credential stops being valid (unix seconds), if it expires at all: nobody
    #: may trust the identity longer (the gateway's cache included).
    expires_at: int | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def to_claims(self) -> dict[str, Any]:
        claims = asdict(self)
        claims["user_id"] = str(self.user_id) if self.user_id else None
        claims["account_id"] = str(self.account_id) if self.account_id else None
        claims["scopes"] = list(self.scopes)
        return claims

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Identity:
        return cls(
            user_id=UUID(claims["user_id"]) if claims.get("user_id") else None,
            account_id=UUID(claims["account_id"]) if claims.get("account_id") else None,
            username=claims.get("username"),
            role=claims.get("role"),
            is_platform_admin=bool(claims.get("is_platform_admin")),
            scopes=tuple(claims.get("scopes") or ()),
            credential=str(claims.get("credential") or "anonymous"),
            session_id=claims.get("session_id"),
            api_key_id=claims.get("api_key_id"),
            expires_at=int(claims["expires_at"]) if claims.get("expires_at") else None,
        )


ANONYMOUS = Identity()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, method: str, path: str, query: str, payload: str) -> str:
    message = f"mpflow-identity\n{method.upper()}\n{path}\n{query}\n{payload}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def sign_identity(
    identity: Identity,
    *,
    key: str,
    method: str,
    path: str,
    query: str = "",
    now: float | None = None,
) -> str:
    """The header value the gateway sends with a request for `method path?query`."""
    claims = identity.to_claims()
    claims["exp"] = int((now or time.time()) + MAX_AGE_SECONDS)
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_mac(key, method, path, query, payload)}"


def verify_identity(
    header: str | None,
    *,
    key: str,
    method: str,
    path: str,
    query: str = "",
    now: float | None = None,
) -> Identity:
    """The identity in a signed header; raises IdentityError when it cannot be trusted."""
    if not header:
        raise IdentityError("missing gateway identity")
    payload, _, signature = header.partition(".")
    if not payload or not signature:
        raise IdentityError("malformed gateway identity")
    if not hmac.compare_digest(_mac(key, method, path, query, payload), signature):
        raise IdentityError("invalid gateway signature")
    try:
        claims = json.loads(_unb64(payload))
        if int(claims["exp"]) < (now or time.time()):
            raise IdentityError("expired gateway identity")
        return Identity.from_claims(claims)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise IdentityError("malformed gateway identity") from exc
