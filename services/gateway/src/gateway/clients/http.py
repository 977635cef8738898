"""The gateway's single pooled httpx client and how its failures read to a caller."""

from __future__ import annotations

import httpx

from gateway.errors import UpstreamTimeout, UpstreamUnavailable
from gateway.settings import Settings
from mpflow_platform.http.problems import ProblemError


def create_http_client(settings: Settings) -> httpx.AsyncClient:
    """One client for every upstream call: pooled keep-alive connections, no env proxies."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.upstream_timeout, connect=settings.connect_timeout),
        limits=httpx.Limits(max_connections=500, max_keepalive_connections=100),
        follow_redirects=False,
        # Upstreams are on the private network: an HTTP(S)_PROXY meant for the outside
        # world must not capture them.
        trust_env=False,
    )


def upstream_failure(service: str, exc: httpx.HTTPError) -> ProblemError:
    """The problem a caller sees when `service` could not answer."""
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
        return UpstreamUnavailable(
            f"the {service} service is unavailable; try again shortly",
            service=service,
        )
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamTimeout(
            f"the {service} service did not answer in time; try again or narrow the request",
            service=service,
        )
    return UpstreamUnavailable(
        f"the {service} service failed to answer ({type(exc).__name__}); try again shortly",
        service=service,
    )
