"""Every gateway replica hears `auth.access.revoked` and forgets the tenant's cached
identities, so a revoked key or a deactivated account stops working at once everywhere.

A plain NATS subscription, not a durable consumer: every replica must get every event, and
one missed during a disconnect only means the cache entry lives out its few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import cast
from uuid import UUID

from fastapi import FastAPI
from nats.aio.msg import Msg

from gateway.identity.service import Authenticator
from mpflow_platform.events import subject_for
from mpflow_platform.events.bus import EventBus

log = logging.getLogger(__name__)

SUBJECT = subject_for("auth.access.revoked")


def make_handler(authenticator: Authenticator) -> Callable[[Msg], Awaitable[None]]:
    async def on_revoked(msg: Msg) -> None:
        try:
            tenant = UUID(json.loads(msg.data)["user_id"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("unreadable access revocation ignored: %s", type(exc).__name__)
            return
        dropped = authenticator.forget_tenant(tenant)
        log.info("access revoked: cached identities dropped", extra={"dropped": dropped})

    return on_revoked


async def _subscribe(bus: EventBus, authenticator: Authenticator) -> None:
    await bus.wait_connected()
    assert bus.nc is not None
    await bus.nc.subscribe(SUBJECT, cb=make_handler(authenticator))
    log.info("listening for access revocations")


async def start_listening(app: FastAPI) -> None:
    bus = cast(EventBus, app.state.bus)
    authenticator = cast(Authenticator, app.state.authenticator)
    app.state.revocations = asyncio.create_task(
        _subscribe(bus, authenticator), name="gateway-revocations"
    )


async def stop_listening(app: FastAPI) -> None:
    task = cast(asyncio.Task[None], app.state.revocations)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
