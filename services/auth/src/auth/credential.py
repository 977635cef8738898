"""One entry for every credential the gateway is shown: which kind it is, and who it names.

- `mpk_…`: an API key (auth.apikey);
- three dot-separated segments: a Logto JWT access token (auth.sso), when Logto is set up;
- anything else: a session token in the legacy HMAC format (auth.session).

Failures are counted per client address; an address with too many is refused a while
(429), valid credentials included, so guessing stays slow.
"""

from __future__ import annotations

import logging

from auth import throttle
from auth.apikey import model as apikey_model
from auth.apikey import service as apikey_service
from auth.errors import InvalidToken
from auth.session import service as session_service
from auth.sso import service as sso_service
from auth.sso.jwt import JwtRejected, JwtVerifier, looks_like_jwt
from auth.throttle import Limits
from mpflow_platform.db import Pool
from mpflow_platform.http.identity import Identity

log = logging.getLogger(__name__)


async def _identify(
    pool: Pool, token: str, *, secret: str, verifier: JwtVerifier | None
) -> Identity | None:
    if apikey_model.looks_like_key(token):
        return await apikey_service.authenticate(pool=pool, token=token)
    if looks_like_jwt(token):
        if verifier is None:
            return None
        try:
            claims = await verifier.verify(token)
        except JwtRejected as exc:
            log.info("jwt rejected", extra={"reason": str(exc)})
            return None
        return await sso_service.identity_for(pool, claims)
    return await session_service.authenticate(pool=pool, token=token, secret=secret)


async def authenticate(
    *,
    pool: Pool,
    token: str,
    secret: str,
    verifier: JwtVerifier | None,
    client_ip: str | None,
    limits: Limits,
) -> Identity:
    """The identity behind `token`; InvalidToken (401) or TooManyAttempts (429)."""
    address = throttle.ip_key(client_ip)
    await throttle.ensure_not_locked(pool, [address])
    identity = await _identify(pool, token, secret=secret, verifier=verifier)
    if identity is None:
        await throttle.record_failure(pool, limits, keys={address: limits.ip_limit})
        raise InvalidToken()
    return identity
