"""The gateway's OpenAPI document: the services' own, fetched on demand, merged, cached."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from gateway import routing
from gateway.clients.services import fetch_openapi
from gateway.identity.credential import SESSION_COOKIE
from gateway.openapi.merge import Document, merge_openapi

#: How long a merged document is served before the services are asked again.
CACHE_SECONDS = 30.0
#: Shorter when a service was missing, so it shows up soon after it starts.
PARTIAL_CACHE_SECONDS = 5.0

_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A session token from /v1/admin/auth/login, an `mpk_` API key "
        "or an OAuth access token.",
    },
    "session_cookie": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
}
_GATEWAY_PATHS: Document = {
    "/health": {
        "get": {
            "tags": ["gateway"],
            "summary": "Liveness of the gateway",
            "operationId": "gateway_health",
            "responses": {"200": {"description": "The gateway process is up."}},
        }
    },
    "/ready": {
        "get": {
            "tags": ["gateway"],
            "summary": "Readiness: database, NATS and every service",
            "operationId": "gateway_ready",
            "responses": {
                "200": {"description": "Everything is ready; `checks` lists each part."},
                "503": {"description": "Something is not ready; `checks` says what."},
            },
        }
    },
}


def _owned(service: str, path: str) -> bool:
    """Only Admin API paths, and only from the service that owns their router."""
    return routing.service_for_url_path(path) == service


def _is_open(path: str) -> bool:
    relative = path.removeprefix(routing.ADMIN_PREFIX)
    return path in _GATEWAY_PATHS or (relative != path and routing.is_public(relative))


def _open_to_anyone(item: Document) -> Document:
    """The path item with every operation marked as needing no credential."""
    return {
        key: {**value, "security": []} if key in _METHODS and isinstance(value, dict) else value
        for key, value in item.items()
    }


def build_document(available: Mapping[str, Document], unavailable: list[str]) -> Document:
    """The published document from the services' documents that could be fetched."""
    merged = merge_openapi(available, keep_path=_owned)
    paths = {
        path: _open_to_anyone(item) if _is_open(path) else item
        for path, item in {**_GATEWAY_PATHS, **merged["paths"]}.items()
    }
    components = merged["components"]
    components["securitySchemes"] = {**components.get("securitySchemes", {}), **_SECURITY_SCHEMES}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OpenMPFlow API",
            "version": "0.1.0",
            "description": "The Admin ERP API of every OpenMPFlow service, behind the gateway.",
        },
        "paths": paths,
        "components": components,
        "security": [{"bearer": []}, {"session_cookie": []}],
        "tags": merged["tags"],
        "x-mpflow-unavailable": unavailable,
    }


class ApiDocs:
    """Fetches every service's /openapi.json (concurrently) and keeps the merge for a while."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        service_urls: Mapping[str, str],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._service_urls = dict(service_urls)
        self._clock = clock
        self._lock = asyncio.Lock()
        self._document: Document | None = None
        self._expires_at = 0.0

    async def document(self) -> Document:
        """The merged document, refreshed when older than its cache time."""
        async with self._lock:  # one refresh at a time; the others wait and reuse it
            if self._document is None or self._clock() >= self._expires_at:
                self._document, complete = await self._refresh()
                ttl = CACHE_SECONDS if complete else PARTIAL_CACHE_SECONDS
                self._expires_at = self._clock() + ttl
            return self._document

    async def _refresh(self) -> tuple[Document, bool]:
        names = list(self._service_urls)
        fetched: list[dict[str, Any] | None] = await asyncio.gather(
            *(fetch_openapi(self._http, self._service_urls[name]) for name in names)
        )
        available = {name: doc for name, doc in zip(names, fetched, strict=True) if doc}
        unavailable = [name for name in names if name not in available]
        return build_document(available, unavailable), not unavailable
