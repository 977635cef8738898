"""Service tests run the real gateway (real PostgreSQL and NATS from the fixtures) in front
of tiny real FastAPI apps standing in for the five domain services, each on its own port.

No `from __future__ import annotations` here: FastAPI must see the stand-ins' per-service
request models (local variables) as real types, not as names it cannot resolve.
"""

import asyncio
import hashlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, create_model

from gateway.main import create_app
from gateway.routing import SERVICES
from mpflow_devstack.ports import free_port
from mpflow_platform.http.identity import HEADER, Identity
from mpflow_platform.http.middleware import GatewaySignatureMiddleware
from mpflow_platform.http.problems import problem_response
from mpflow_platform.settings import DEV_SIGNING_KEY
from mpflow_testing.servers import AppServer, run_app

ALICE = Identity(
    user_id=UUID("00000000-0000-7000-8000-00000000a11c"),
    username="alice",
    role="owner",
    scopes=("*",),
    credential="session",
    session_id="s-alice",
)
BOB = Identity(
    user_id=UUID("00000000-0000-7000-8000-000000000b0b"),
    username="bob",
    role="owner",
    credential="api_key",
    scopes=("catalog:read",),
    session_id="s-bob",
)
#: The stand-in auth answers this token with 429 (too many failures from the address).
THROTTLED_TOKEN = "tok-throttled"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
SLOW_SECONDS = 1.5


class Item(BaseModel):
    """Each stand-in gives `Item` different fields, so the merged OpenAPI must rename them."""


class Money(BaseModel):
    """Identical in every stand-in, so the merged OpenAPI keeps it once."""

    amount: str
    currency: str


def _item_model(service: str) -> type[BaseModel]:
    fields: dict[str, Any] = {f"{service}_field": (str, ...)}
    return create_model("Item", __base__=Item, **fields)


def _echo(service: str, request: Request, body: bytes) -> dict[str, Any]:
    identity: Identity = request.state.identity
    return {
        "service": service,
        "method": request.method,
        "path": request.url.path,
        "raw_path": request.scope["raw_path"].decode(),
        "query": request.url.query,
        "body_size": len(body),
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "identity": identity.to_claims(),
        "identity_headers": request.headers.getlist(HEADER),
        "request_id": request.headers.get("x-request-id"),
        "headers": {k: v for k, v in request.headers.items() if k != HEADER},
    }


def domain_service(service: str, add_routes: Callable[[FastAPI], None] | None = None) -> FastAPI:
    """A stand-in service: verifies the gateway signature like the real ones, echoes calls."""
    app = FastAPI(title=f"stand-in {service}")
    if add_routes is not None:
        add_routes(app)
    app.add_middleware(GatewaySignatureMiddleware, key=DEV_SIGNING_KEY)
    item_model = _item_model(service)
    prefix = {"catalog": "master-cards", "inventory": "inventory"}.get(service, service)

    @app.get("/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(f"/v1/admin/{prefix}/typed", response_model=Money)
    async def typed(item: item_model) -> Money:  # type: ignore[valid-type]
        return Money(amount="1.00", currency="RUB")

    @app.get("/internal/secret", response_model=Money)
    async def internal() -> Money:
        return Money(amount="0.00", currency="RUB")

    @app.get(f"/v1/admin/{prefix}/download", include_in_schema=False)
    async def download(size: int) -> StreamingResponse:
        async def chunks() -> Any:
            sent = 0
            while sent < size:
                n = min(64 * 1024, size - sent)
                yield b"x" * n
                sent += n

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    @app.get(f"/v1/admin/{prefix}/slow", include_in_schema=False)
    async def slow() -> dict[str, str]:
        await asyncio.sleep(SLOW_SECONDS)
        return {"status": "late"}

    @app.api_route("/v1/admin/{path:path}", methods=ALL_METHODS, include_in_schema=False)
    async def echo(request: Request, path: str) -> JSONResponse:
        body = await request.body()
        return JSONResponse(_echo(service, request, body), headers={"x-served-by": service})

    return app


@dataclass
class AuthState:
    """What the stand-in auth knows: live tokens and every credential check it answered."""

    tokens: dict[str, Identity] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    client_ips: list[str | None] = field(default_factory=list)

    def checks_of(self, token: str) -> int:
        return self.checks.count(token)


def auth_service(state: AuthState) -> FastAPI:
    """A stand-in auth service: `/internal/authenticate`, login (cookies) and logout."""
    return domain_service("auth", lambda app: _add_auth_routes(app, state))


def _add_auth_routes(app: FastAPI, state: AuthState) -> None:
    @app.post("/internal/authenticate")
    async def authenticate(request: Request) -> Response:
        body = await request.json()
        token = body["token"]
        state.checks.append(token)
        state.client_ips.append(body.get("client_ip"))
        if token == THROTTLED_TOKEN:
            return problem_response(
                429, "too many", error_code="too_many_attempts", headers={"Retry-After": "42"}
            )
        identity = state.tokens.get(token)
        if identity is None:
            return problem_response(401, "unknown token", error_code="invalid_credential")
        return JSONResponse(identity.to_claims())

    @app.post("/v1/admin/auth/login")
    async def login() -> Response:
        state.tokens["tok-login"] = ALICE
        response = JSONResponse({"access_token": "tok-login", "expires_in": 3600})
        response.set_cookie("mpflow_session", "tok-login", httponly=True)
        response.set_cookie("mpflow_csrf", "c-123")
        return response

    @app.post("/v1/admin/auth/logout")
    async def logout(request: Request) -> Response:
        session_id = request.state.identity.session_id
        for token, identity in list(state.tokens.items()):
            if identity.session_id == session_id:
                del state.tokens[token]
        response = Response(status_code=204)
        response.delete_cookie("mpflow_session")
        return response


@dataclass
class Upstreams:
    urls: dict[str, str]
    auth: AuthState

    @property
    def env(self) -> dict[str, str]:
        return {f"GATEWAY_{name.upper()}_URL": url for name, url in self.urls.items()}


@pytest.fixture
def down_url() -> str:
    """The address of a service that is down: nothing listens there."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def upstreams() -> Iterator[Upstreams]:
    """The five stand-in services, running; alice's and bob's tokens are valid."""
    state = AuthState(tokens={"tok-alice": ALICE, "tok-bob": BOB})
    servers: dict[str, AppServer] = {}
    try:
        for name in SERVICES:
            app = auth_service(state) if name == "auth" else domain_service(name)
            servers[name] = AppServer(app).start()
        yield Upstreams(urls={name: s.url for name, s in servers.items()}, auth=state)
    finally:
        for server in servers.values():  # stop all at once, not one after the other
            server.server.should_exit = True
        for server in servers.values():
            server.stop()


StartGateway = Callable[..., str]


@pytest.fixture
def start_gateway(
    database_url: str, nats_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StartGateway]:
    """`start_gateway(GATEWAY_X=...)` runs the real gateway app and returns its base URL."""
    with ExitStack() as stack:

        def start(**env: str) -> str:
            base = {
                "DATABASE_URL": database_url,
                "NATS_URL": nats_url,
                "MPFLOW_ENV": "test",
                "GATEWAY_ADMIN_UI_DIR": "",
            }
            for name, value in {**base, **env}.items():
                monkeypatch.setenv(name, value)
            return stack.enter_context(run_app(create_app()))

        yield start


@pytest.fixture
def gateway(start_gateway: StartGateway, upstreams: Upstreams) -> str:
    """The gateway in front of all five stand-ins."""
    return start_gateway(**upstreams.env)


@pytest.fixture
def client(gateway: str) -> Iterator[httpx.Client]:
    """An HTTP client of the gateway, signed in as nobody."""
    with httpx.Client(base_url=gateway, trust_env=False, timeout=30) as http:
        yield http


@pytest.fixture
def alice(gateway: str) -> Iterator[httpx.Client]:
    """An HTTP client of the gateway with alice's bearer token."""
    with httpx.Client(
        base_url=gateway,
        trust_env=False,
        timeout=30,
        headers={"Authorization": "Bearer tok-alice"},
    ) as http:
        yield http
