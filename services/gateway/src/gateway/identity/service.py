"""Turning a request's credential into the Identity the gateway signs for the services."""

from __future__ import annotations

from gateway.clients.auth import AuthClient
from gateway.errors import CredentialRejected, CredentialRequired
from gateway.identity.cache import IdentityCache
from mpflow_platform.http.identity import Identity


class Authenticator:
    """Verifies credentials with auth and remembers positive answers for a few seconds."""

    def __init__(self, auth: AuthClient, cache: IdentityCache) -> None:
        self._auth = auth
        self._cache = cache

    async def identify(self, token: str | None) -> Identity:
        """The caller behind `token`; CredentialRequired / CredentialRejected otherwise."""
        if token is None:
            raise CredentialRequired(
                "sign in first: send `Authorization: Bearer <token>` or the session cookie"
            )
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        identity = await self._auth.authenticate(token)
        if identity is None:
            raise CredentialRejected("the credential is invalid, expired or revoked: sign in again")
        self._cache.put(token, identity)
        return identity

    def forget(self, token: str) -> None:
        """Stop trusting `token` at once (after logout)."""
        self._cache.forget(token)
