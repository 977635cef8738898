"""Verification of Logto (OIDC) JWT access tokens against the issuer's JWKS.

What a token must be to pass: signed by a key of `<endpoint>/oidc/jwks` found by its `kid`,
with exactly the algorithm that key is for (ES256/384/512 for EC keys by curve, RS256 for
RSA unless the JWK names another RS/PS algorithm); never `none`, never an HMAC algorithm
(so a public key can never be used as an HMAC secret); issuer `<endpoint>/oidc`; audience
the configured API resource; `exp` present and in the future; `nbf`, when present, past;
a non-empty `sub`. A small clock leeway absorbs drift between hosts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
from jose import jwt
from jose.exceptions import JOSEError

LEEWAY_SECONDS = 30
_EC_ALGS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
_RSA_ALGS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})


class JwtRejected(Exception):
    """The token is not a valid access token of the configured issuer and resource."""


def algorithm_for(jwk: dict[str, Any]) -> str | None:
    """The one signature algorithm a JWK may verify; None for keys we never accept."""
    kty, declared = jwk.get("kty"), jwk.get("alg")
    if kty == "EC":
        alg = _EC_ALGS.get(str(jwk.get("crv")))
        return alg if declared in (None, alg) else None
    if kty == "RSA":
        if declared is None:
            return "RS256"
        return str(declared) if declared in _RSA_ALGS else None
    return None  # "oct" (HMAC) and anything else: never


class JwksCache:
    """The issuer's signing keys by `kid`: fetched on first use, refreshed when a token names
    an unknown `kid` (at most once per `min_refresh_seconds`) or after `max_age_seconds`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        url: str,
        *,
        min_refresh_seconds: float = 30.0,
        max_age_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._url = url
        self._min_refresh = min_refresh_seconds
        self._max_age = max_age_seconds
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> dict[str, Any] | None:
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at > self._max_age
        if kid in self._keys and not stale:
            return self._keys[kid]
        async with self._lock:
            now = self._clock()
            may_refresh = self._fetched_at is None or now - self._fetched_at >= self._min_refresh
            if (kid not in self._keys or stale) and may_refresh:
                await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        try:
            response = await self._http.get(self._url)
            response.raise_for_status()
            keys = response.json()["keys"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            # Keep the keys we have; the caller sees an unknown kid as a rejected token.
            self._fetched_at = self._clock()
            raise JwtRejected(f"the issuer's keys could not be fetched: {exc}") from exc
        self._keys = {
            str(k["kid"]): k
            for k in keys
            if isinstance(k, dict) and isinstance(k.get("kid"), str) and "d" not in k
        }
        self._fetched_at = self._clock()


class JwtVerifier:
    """Checks Logto access tokens for one API resource."""

    def __init__(self, jwks: JwksCache, *, issuer: str, audience: str) -> None:
        self._jwks = jwks
        self.issuer = issuer
        self.audience = audience

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims; JwtRejected with the reason otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except JOSEError as exc:
            raise JwtRejected("malformed token") from exc
        kid, alg = header.get("kid"), header.get("alg")
        if not isinstance(kid, str) or not isinstance(alg, str):
            raise JwtRejected("the token names no key or algorithm")
        jwk = await self._jwks.key(kid)
        if jwk is None:
            raise JwtRejected("the token is signed by an unknown key")
        expected = algorithm_for(jwk)
        if expected is None or alg != expected:
            raise JwtRejected(f"algorithm {alg} is not accepted for this key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                jwk,
                algorithms=[expected],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require_exp": True,
                    "require_aud": True,
                    "require_iss": True,
                    "leeway": LEEWAY_SECONDS,
                },
            )
        except (JOSEError, TypeError, ValueError, OverflowError) as exc:
            # python-jose lets a time claim of the wrong type (null, a list, an object,
            # Infinity) escape as TypeError/OverflowError: a bad token, not a server error.
            raise JwtRejected(str(exc) or "invalid token") from exc
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise JwtRejected("the token has no subject")
        return claims


def looks_like_jwt(token: str) -> bool:
    """Three base64url segments: a JWS compact serialization."""
    parts = token.split(".")
    return len(parts) == 3 and all(parts[:2])
