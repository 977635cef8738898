"""`/ready` of the gateway also reports every domain service it routes to."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import httpx
from fastapi import FastAPI

from gateway.clients.services import fetch_ready
from gateway.settings import Settings


async def check_services(app: FastAPI) -> dict[str, Any]:
    """`{"services": {"status": ..., "<service>": {"status": ...}, ...}}`, probed concurrently.

    The platform's /ready counts only each entry's `status`, so the entry carries the
    combined one: "ok" only when every service is ok.
    """
    settings = cast(Settings, app.state.settings)
    http = cast(httpx.AsyncClient, app.state.http)
    urls = settings.service_urls()
    results = await asyncio.gather(*(fetch_ready(http, url) for url in urls.values()))
    services = dict(zip(urls, results, strict=True))
    ok = all(result["status"] == "ok" for result in results)
    return {"services": {"status": "ok" if ok else "down", **services}}
