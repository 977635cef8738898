"""Clients of other services' internal endpoints, opened and closed with the app."""

from __future__ import annotations

from typing import cast

from fastapi import FastAPI, Request

from finance.settings import Settings
from mpflow_platform.http.internal import InternalClient


async def open_clients(app: FastAPI) -> None:
    settings = cast(Settings, app.state.settings)
    app.state.inventory = InternalClient(
        settings.inventory_url, signing_key=settings.signing_key, service="inventory"
    )
    app.state.auth = InternalClient(
        settings.auth_url, signing_key=settings.signing_key, service="auth"
    )


async def close_clients(app: FastAPI) -> None:
    await cast(InternalClient, app.state.inventory).aclose()
    await cast(InternalClient, app.state.auth).aclose()


def inventory(request: Request) -> InternalClient:
    return cast(InternalClient, request.app.state.inventory)


def auth(request: Request) -> InternalClient:
    return cast(InternalClient, request.app.state.auth)
