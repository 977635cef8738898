"""Calls from one service to another's `/internal/*` endpoints, signed for the tenant the
call is made for (the same header the gateway sends, so the callee checks it the same way).

A service that reads another's data does it here, never through the other's tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import httpx

from mpflow_platform.http.identity import HEADER, Identity, sign_identity
from mpflow_platform.http.problems import ProblemError

QueryValue = str | int | Sequence[str]


class UpstreamUnavailable(ProblemError):
    """The other service did not answer (or answered 5xx): the caller cannot finish."""

    status, error_code = 503, "upstream_unavailable"


class UpstreamRefused(ProblemError):
    """The other service refused a call this service made (a 4xx): a bug on our side, since
    client input is validated before the call."""

    status, error_code = 502, "upstream_refused"


class InternalClient:
    """An HTTP client of one service, signing every call for the given identity."""

    def __init__(
        self, base_url: str, *, signing_key: str, service: str, timeout: float = 10.0
    ) -> None:
        self._service = service
        self._key = signing_key
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, trust_env=False)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_json(
        self, path: str, *, identity: Identity, params: Mapping[str, QueryValue] | None = None
    ) -> Any:
        """GET `path` as `identity`; the decoded JSON of a 2xx answer. No answer or a 5xx
        raises UpstreamUnavailable (503), a 4xx UpstreamRefused (502)."""
        query = urlencode(params or {}, doseq=True)
        header = sign_identity(identity, key=self._key, method="GET", path=path, query=query)
        url = f"{path}?{query}" if query else path
        try:
            response = await self._http.get(url, headers={HEADER: header})
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(f"the {self._service} service did not answer") from exc
        if response.status_code >= 500:
            raise UpstreamUnavailable(
                f"the {self._service} service failed ({response.status_code})"
            )
        if response.status_code >= 400:
            raise UpstreamRefused(
                f"the {self._service} service refused the call ({response.status_code})"
            )
        return response.json()
