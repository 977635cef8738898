"""The composition every service shares: lifespan (migrations, pool, NATS, relay, consumers),
middleware, problem handlers, /health, /ready and /metrics. Services add their routers,
event handlers and start-up hooks; they never wire these pieces by hand."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest

from mpflow_platform.db import DatabaseRoleError, Pool, create_pool
from mpflow_platform.events.bus import EventBus
from mpflow_platform.events.consumer import EventConsumer, Handler
from mpflow_platform.events.relay import OutboxRelay
from mpflow_platform.http.middleware import (
    GatewaySignatureMiddleware,
    HttpMetrics,
    RequestContextMiddleware,
)
from mpflow_platform.http.problems import install_problem_handlers
from mpflow_platform.logging import configure_logging
from mpflow_platform.migrations import apply_migrations
from mpflow_platform.settings import ServiceSettings

log = logging.getLogger("mpflow.service")

ReadyCheck = Callable[[FastAPI], Awaitable[dict[str, Any]]]
Hook = Callable[[FastAPI], Awaitable[None]]


@dataclass
class ServiceSpec:
    """What makes one service different from another."""

    name: str
    settings: ServiceSettings
    routers: Sequence[APIRouter] = ()
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    on_startup: Sequence[Hook] = ()
    on_shutdown: Sequence[Hook] = ()
    extra_ready_checks: Sequence[ReadyCheck] = ()
    verify_gateway_signature: bool = True
    description: str = ""
    schema: str | None = None
    #: FastAPI's own schema route; the gateway serves a merged document instead (None).
    openapi_url: str | None = "/openapi.json"

    @property
    def db_schema(self) -> str:
        return self.schema or self.name


async def check_database(pool: Pool | None) -> dict[str, Any]:
    if pool is None:
        return {"status": "down", "detail": "not connected"}
    try:
        await asyncio.wait_for(pool.fetchval("SELECT 1"), timeout=2)
    except Exception as exc:  # noqa: BLE001
        return {"status": "down", "detail": type(exc).__name__}
    return {"status": "ok"}


async def check_nats(bus: EventBus | None) -> dict[str, Any]:
    if bus is not None and await bus.ping():
        return {"status": "ok"}
    return {"status": "down", "detail": "not connected"}


def _health_router(spec: ServiceSpec, metrics: HttpMetrics) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    outbox_pending = Gauge(
        "outbox_pending_events",
        "Outbox rows not yet published",
        ["service"],
        registry=metrics.registry,
    )

    @router.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": spec.name}

    @router.get("/ready")
    async def ready(request: Request) -> JSONResponse:
        app = request.app
        checks: dict[str, Any] = {
            "database": await check_database(getattr(app.state, "pool", None)),
            "nats": await check_nats(getattr(app.state, "bus", None)),
        }
        for extra in spec.extra_ready_checks:
            checks.update(await extra(app))
        ok = all(c.get("status") == "ok" for c in checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "down", "service": spec.name, "checks": checks},
            status_code=200 if ok else 503,
        )

    @router.get("/metrics")
    async def metrics_endpoint(request: Request) -> Response:
        relay: OutboxRelay | None = getattr(request.app.state, "relay", None)
        if relay is not None:
            with contextlib.suppress(Exception):
                outbox_pending.labels(spec.name).set(await relay.pending_count())
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router


def create_service_app(spec: ServiceSpec) -> FastAPI:
    """A FastAPI app for `spec`; all I/O happens in the lifespan, none at import or here."""
    settings = spec.settings
    metrics = HttpMetrics(spec.name)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(spec.name, settings.log_level)
        if settings.apply_migrations:
            await apply_migrations(
                settings.resolved_migration_database_url(),
                settings.resolved_migrations_dir(),
                [spec.db_schema],
            )
        role = settings.resolved_db_role(spec.db_schema)
        try:
            app.state.pool = await create_pool(
                settings.database_url,
                application_name=spec.name,
                max_size=settings.db_pool_max,
                role=role,
            )
        except DatabaseRoleError as exc:
            log.error("cannot start: %s", exc, extra={"db_role": role})
            raise
        app.state.bus = bus = EventBus(settings.nats_url, name=spec.name)
        bus.start()
        app.state.relay = relay = OutboxRelay(app.state.pool, bus, schema=spec.db_schema)
        tasks = [asyncio.create_task(relay.run(), name=f"{spec.name}-outbox-relay")]
        if spec.handlers:
            consumer = EventConsumer(
                app.state.pool, bus, schema=spec.db_schema, name=spec.name, handlers=spec.handlers
            )
            tasks.append(asyncio.create_task(consumer.run(), name=f"{spec.name}-consumer"))
        app.state.tasks = tasks
        for hook in spec.on_startup:
            await hook(app)
        log.info("service started")
        try:
            yield
        finally:
            for hook in spec.on_shutdown:
                with contextlib.suppress(Exception):
                    await hook(app)
            for task in tasks:
                task.cancel()
            _, stuck = await asyncio.wait(tasks, timeout=10)
            for task in stuck:
                log.error("background task did not stop", extra={"task": task.get_name()})
            await relay.close()
            await bus.close()
            await app.state.pool.close()

    app = FastAPI(
        title=f"OpenMPFlow {spec.name}",
        description=spec.description,
        version="0.1.0",
        lifespan=lifespan,
        openapi_url=spec.openapi_url,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.include_router(_health_router(spec, metrics))
    for router in spec.routers:
        app.include_router(router)
    if spec.verify_gateway_signature:
        app.add_middleware(GatewaySignatureMiddleware, key=settings.signing_key)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    return app
