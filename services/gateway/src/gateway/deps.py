"""FastAPI dependencies of the gateway: what the lifespan put on `app.state`."""

from __future__ import annotations

from typing import Annotated, cast

import httpx
from fastapi import Depends, Request

from gateway.identity.service import Authenticator
from gateway.openapi.service import ApiDocs
from gateway.settings import Settings


def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def get_http(request: Request) -> httpx.AsyncClient:
    return cast(httpx.AsyncClient, request.app.state.http)


def get_authenticator(request: Request) -> Authenticator:
    return cast(Authenticator, request.app.state.authenticator)


def get_api_docs(request: Request) -> ApiDocs:
    return cast(ApiDocs, request.app.state.api_docs)


GatewaySettings = Annotated[Settings, Depends(get_settings)]
Http = Annotated[httpx.AsyncClient, Depends(get_http)]
Auth = Annotated[Authenticator, Depends(get_authenticator)]
Docs = Annotated[ApiDocs, Depends(get_api_docs)]
