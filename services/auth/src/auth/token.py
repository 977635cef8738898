"""Session tokens in the legacy HMAC format, kept compatible on purpose.

``token = payload_b64 + "." + hex(HMAC-SHA256(secret, "admin:" + payload_b64))`` where
``payload_b64`` is the base64url of the payload JSON without padding.

The payload is JSON with sorted keys and no whitespace:
``{"adm": is_platform_admin, "aid": account id, "exp": unix seconds, "sid": session id,
"uid": tenant user_id, "usr": username}``. The original system wrote only adm/exp/uid/usr;
sid and aid were added so a session can be revoked and a tenant member identified.
Pure functions: no I/O, no settings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any

#: The domain-separation prefix of the original system's signature.
SIGNING_PREFIX = "admin:"
MAX_TOKEN_LENGTH = 4096
_PAYLOAD_RE = re.compile(r"[A-Za-z0-9_-]+")
_SIGNATURE_RE = re.compile(r"[0-9a-f]{64}")


class TokenError(Exception):
    """The token is malformed, forged or expired."""


@dataclass(frozen=True)
class TokenClaims:
    """What a session token says about its bearer."""

    user_id: str
    username: str
    is_platform_admin: bool
    expires_at: int
    session_id: str | None = None
    account_id: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload_b64: str) -> str:
    message = (SIGNING_PREFIX + payload_b64).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def issue_token(claims: TokenClaims, *, secret: str) -> str:
    """The signed token carrying `claims`."""
    payload: dict[str, Any] = {
        "uid": claims.user_id,
        "usr": claims.username,
        "adm": claims.is_platform_admin,
        "exp": claims.expires_at,
    }
    if claims.session_id is not None:
        payload["sid"] = claims.session_id
    if claims.account_id is not None:
        payload["aid"] = claims.account_id
    text = json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    payload_b64 = _b64(text.encode())
    return f"{payload_b64}.{_signature(secret, payload_b64)}"


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and key == "uid":
        return str(value)  # the original system's integer user ids
    if not isinstance(value, str) or not value:
        raise TokenError("malformed token")
    return value


def _optional_text(payload: dict[str, Any], key: str) -> str | None:
    return None if payload.get(key) is None else _text(payload, key)


def _claims_from(payload: Any) -> TokenClaims:
    if not isinstance(payload, dict):
        raise TokenError("malformed token")
    adm, exp = payload.get("adm"), payload.get("exp")
    if not isinstance(adm, bool) or not isinstance(exp, int) or isinstance(exp, bool):
        raise TokenError("malformed token")
    return TokenClaims(
        user_id=_text(payload, "uid"),
        username=_text(payload, "usr"),
        is_platform_admin=adm,
        expires_at=exp,
        session_id=_optional_text(payload, "sid"),
        account_id=_optional_text(payload, "aid"),
    )


def read_token(token: str, *, secret: str, now: float | None = None) -> TokenClaims:
    """The claims of a genuine, unexpired token; raises TokenError otherwise."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("malformed token")
    payload_b64, dot, signature = token.partition(".")
    if not dot or not _PAYLOAD_RE.fullmatch(payload_b64) or not _SIGNATURE_RE.fullmatch(signature):
        raise TokenError("malformed token")
    if not hmac.compare_digest(_signature(secret, payload_b64), signature):
        raise TokenError("invalid token signature")
    try:
        payload = json.loads(_unb64(payload_b64))
    except (ValueError, binascii.Error, RecursionError) as exc:
        raise TokenError("malformed token") from exc
    claims = _claims_from(payload)
    if claims.expires_at <= (time.time() if now is None else now):
        raise TokenError("expired token")
    return claims
