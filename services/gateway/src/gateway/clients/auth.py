"""Client of the auth service's internal credential check."""

from __future__ import annotations

import httpx

from gateway.clients.http import upstream_failure
from gateway.errors import UpstreamError
from mpflow_platform.http.identity import ANONYMOUS, HEADER, Identity, sign_identity
from mpflow_platform.http.middleware import REQUEST_ID_HEADER
from mpflow_platform.http.problems import TooManyRequests
from mpflow_platform.logging import request_id_var

AUTHENTICATE_PATH = "/internal/authenticate"
DEFAULT_RETRY_AFTER = 60


def _retry_after(response: httpx.Response) -> int:
    try:
        return max(1, int(response.headers.get("retry-after", DEFAULT_RETRY_AFTER)))
    except ValueError:
        return DEFAULT_RETRY_AFTER


class AuthClient:
    """Asks auth who a credential belongs to (`POST /internal/authenticate`)."""

    def __init__(self, http: httpx.AsyncClient, *, base_url: str, signing_key: str) -> None:
        self._http = http
        self._url = base_url + AUTHENTICATE_PATH
        self._signing_key = signing_key

    async def authenticate(self, token: str, *, client_ip: str | None = None) -> Identity | None:
        """The identity behind `token`, or None when auth rejects it (401); TooManyRequests
        when auth refuses `client_ip` for a while after too many failures (429)."""
        headers = {
            HEADER: sign_identity(
                ANONYMOUS, key=self._signing_key, method="POST", path=AUTHENTICATE_PATH
            )
        }
        request_id = request_id_var.get()
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        try:
            response = await self._http.post(
                self._url, json={"token": token, "client_ip": client_ip}, headers=headers
            )
        except httpx.HTTPError as exc:
            raise upstream_failure("auth", exc) from exc
        if response.status_code == 401:
            return None
        if response.status_code == 429:
            raise TooManyRequests(
                "Too many failed attempts from this address: wait before trying again.",
                retry_after=_retry_after(response),
                error_code="too_many_attempts",
            )
        if response.status_code != 200:
            raise UpstreamError(
                f"the auth service answered {response.status_code} to a credential check; "
                "try again shortly",
                service="auth",
            )
        try:
            identity = Identity.from_claims(response.json())
        except (ValueError, TypeError, AttributeError) as exc:
            raise UpstreamError(
                "the auth service answered a credential check with an unreadable identity",
                service="auth",
            ) from exc
        return identity if identity.is_authenticated else None
