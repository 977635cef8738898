"""The gateway's composition root: `uvicorn gateway.main:create_app --factory`."""

from __future__ import annotations

from typing import cast

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gateway.clients.auth import AuthClient
from gateway.clients.http import create_http_client
from gateway.identity.cache import IdentityCache
from gateway.identity.revocations import start_listening, stop_listening
from gateway.identity.service import Authenticator
from gateway.openapi import routes as openapi_routes
from gateway.openapi.service import ApiDocs
from gateway.proxy import routes as proxy_routes
from gateway.readiness import check_services
from gateway.settings import Settings
from mpflow_platform.service import ServiceSpec, create_service_app


async def open_upstreams(app: FastAPI) -> None:
    """One pooled HTTP client for every upstream call, and what is built on it."""
    settings = cast(Settings, app.state.settings)
    http = create_http_client(settings)
    app.state.http = http
    auth = AuthClient(http, base_url=settings.auth_url, signing_key=settings.signing_key)
    app.state.authenticator = Authenticator(auth, IdentityCache(settings.identity_cache_seconds))
    app.state.api_docs = ApiDocs(http, settings.service_urls())


async def close_upstreams(app: FastAPI) -> None:
    await cast(httpx.AsyncClient, app.state.http).aclose()


def create_app() -> FastAPI:
    settings = Settings()
    app = create_service_app(
        ServiceSpec(
            name="gateway",
            settings=settings,
            description="The only public entry: authentication and routing of /v1/admin/*.",
            routers=[openapi_routes.router, proxy_routes.router],
            on_startup=[open_upstreams, start_listening],
            on_shutdown=[stop_listening, close_upstreams],
            extra_ready_checks=[check_services],
            verify_gateway_signature=False,
            openapi_url=None,  # /openapi.json is the merged document of every service
        )
    )
    if settings.admin_ui_dir is not None and settings.admin_ui_dir.is_dir():
        # Mounted last so /v1, /health, /ready, /docs and /openapi.json match first.
        app.mount("/", StaticFiles(directory=settings.admin_ui_dir, html=True), name="admin-ui")
    return app
