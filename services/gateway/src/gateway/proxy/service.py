"""Forwarding one request to its service and streaming the answer back."""

from __future__ import annotations

import httpx
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from gateway.clients.http import upstream_failure
from gateway.proxy.headers import downstream_headers, upstream_headers
from mpflow_platform.http.identity import Identity, sign_identity
from mpflow_platform.logging import request_id_var


def _has_body(request: Request) -> bool:
    headers = request.headers
    return "transfer-encoding" in headers or headers.get("content-length", "0") != "0"


def _upstream_url(base_url: str, request: Request) -> httpx.URL:
    """The service URL for this request: same raw (still percent-encoded) path and query."""
    base = httpx.URL(base_url)
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    query: bytes = request.scope.get("query_string", b"")
    target = base.raw_path.rstrip(b"/") + raw_path + (b"?" + query if query else b"")
    return base.copy_with(raw_path=target)


async def forward(
    *,
    http: httpx.AsyncClient,
    request: Request,
    service: str,
    base_url: str,
    identity: Identity,
    signing_key: str,
) -> httpx.Response:
    """Send `request` to `service` as `identity`; the caller must close the streamed response."""
    # Services verify the signature against their own scope["path"], which is this decoded path.
    signed = sign_identity(
        identity,
        key=signing_key,
        method=request.method,
        path=request.scope["path"],
        query=request.scope.get("query_string", b"").decode("latin-1"),
    )
    headers = upstream_headers(
        request.scope["headers"],
        identity=signed,
        request_id=request_id_var.get(),
        client_host=request.client.host if request.client else None,
        scheme=request.url.scheme,
    )
    upstream_request = http.build_request(
        request.method,
        _upstream_url(base_url, request),
        headers=headers,
        content=request.stream() if _has_body(request) else None,
    )
    try:
        return await http.send(upstream_request, stream=True)
    except httpx.HTTPError as exc:
        raise upstream_failure(service, exc) from exc


class UpstreamResponse(StreamingResponse):
    """Streams a service's response body as it arrives; always releases its connection."""

    def __init__(self, upstream: httpx.Response, *, upstream_base: str, public_base: str) -> None:
        super().__init__(upstream.aiter_raw(), status_code=upstream.status_code)
        self.raw_headers = downstream_headers(
            upstream.headers.raw, upstream_base=upstream_base, public_base=public_base
        )
        self._upstream = upstream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Not a background task: those are skipped when the client disconnects or the
        # stream fails, which would leak the pooled connection.
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._upstream.aclose()
