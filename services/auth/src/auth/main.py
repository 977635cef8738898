"""The composition root: `create_app()` builds the auth service (uvicorn --factory)."""

from __future__ import annotations

from fastapi import FastAPI

from auth.apikey import routes as apikey_routes
from auth.bootstrap import bootstrap_admin
from auth.session import routes as session_routes
from auth.settings import Settings
from auth.sso.lifecycle import close_verifier, open_verifier
from auth.tenant_settings import routes as settings_routes
from auth.user import routes as user_routes
from mpflow_platform.service import ServiceSpec, create_service_app

ROUTERS = (
    session_routes.router,
    user_routes.router,
    user_routes.users_router,
    apikey_routes.router,
    settings_routes.router,
    session_routes.internal_router,
    settings_routes.internal_router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The auth app; settings are read from the environment here, never at import."""
    spec = ServiceSpec(
        name="auth",
        settings=settings or Settings(),
        routers=ROUTERS,
        on_startup=(bootstrap_admin, open_verifier),
        on_shutdown=(close_verifier,),
        description="Users and tenants, passwords, login sessions and tokens.",
    )
    return create_service_app(spec)
