"""What the gateway asks every domain service for itself: readiness and OpenAPI."""

from __future__ import annotations

from typing import Any

import httpx

#: Short: a service that takes longer than this to say it is ready is not.
PROBE_TIMEOUT = httpx.Timeout(2.0)


async def fetch_ready(http: httpx.AsyncClient, base_url: str) -> dict[str, Any]:
    """`{"status": "ok"}` when the service at `base_url` answers /ready with 200, else why not."""
    try:
        response = await http.get(f"{base_url}/ready", timeout=PROBE_TIMEOUT)
    except httpx.TimeoutException:
        return {"status": "down", "detail": "timeout"}
    except httpx.HTTPError as exc:
        return {"status": "down", "detail": f"unreachable ({type(exc).__name__})"}
    if response.status_code == 200:
        return {"status": "ok"}
    result: dict[str, Any] = {"status": "down", "detail": f"/ready answered {response.status_code}"}
    try:
        checks = response.json().get("checks")
    except (ValueError, AttributeError):
        checks = None
    if isinstance(checks, dict):
        result["checks"] = checks
    return result


async def fetch_openapi(http: httpx.AsyncClient, base_url: str) -> dict[str, Any] | None:
    """The service's OpenAPI document, or None when it cannot be had right now."""
    try:
        response = await http.get(f"{base_url}/openapi.json", timeout=PROBE_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    return document if isinstance(document, dict) else None
