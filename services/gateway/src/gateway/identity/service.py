"""Turning a request's credential into the Identity the gateway signs for the services."""

from __future__ import annotations

from uuid import UUID

from gateway.clients.auth import AuthClient
from gateway.errors import CredentialRejected, CredentialRequired, InsufficientScope
from gateway.identity.cache import IdentityCache
from mpflow_platform.http import scopes
from mpflow_platform.http.identity import Identity


class Authenticator:
    """Verifies credentials with auth and remembers positive answers for a few seconds."""

    def __init__(self, auth: AuthClient, cache: IdentityCache) -> None:
        self._auth = auth
        self._cache = cache

    async def identify(self, token: str | None, *, client_ip: str | None = None) -> Identity:
        """The caller behind `token`; CredentialRequired / CredentialRejected otherwise
        (TooManyRequests when auth refuses the caller's address for a while)."""
        if token is None:
            raise CredentialRequired(
                "sign in first: send `Authorization: Bearer <token>` or the session cookie"
            )
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        identity = await self._auth.authenticate(token, client_ip=client_ip)
        if identity is None:
            raise CredentialRejected("the credential is invalid, expired or revoked: sign in again")
        self._cache.put(token, identity)
        return identity

    def forget(self, token: str) -> None:
        """Stop trusting `token` at once (after logout)."""
        self._cache.forget(token)

    def forget_tenant(self, user_id: UUID) -> int:
        """Check every credential of tenant `user_id` with auth again on its next use."""
        return self._cache.forget_tenant(user_id)


def authorize(identity: Identity, needed: scopes.Requirement) -> None:
    """InsufficientScope (403) unless the identity's scopes cover `needed`."""
    if not scopes.allows(identity.scopes, needed):
        raise InsufficientScope(str(needed))
