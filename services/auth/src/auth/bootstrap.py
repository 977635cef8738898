"""Start-up hook: create the first platform administrator when there is none."""

from __future__ import annotations

import logging
import secrets
import sys

from fastapi import FastAPI

from auth.settings import Settings
from auth.user import service as user_service

log = logging.getLogger("mpflow.auth.bootstrap")


def _print_banner(username: str, password: str) -> None:
    # The one place a secret is ever shown: stderr, once, never through logging.
    line = "=" * 72
    print(
        f"\n{line}\n"
        "  OpenMPFlow: the first platform administrator was created\n"
        f"    username: {username}\n"
        f"    password: {password}\n"
        "  This password is shown only this once: store it now.\n"
        "  (Set ADMIN_BOOTSTRAP_PASSWORD to choose it yourself.)\n"
        f"{line}\n",
        file=sys.stderr,
        flush=True,
    )


async def bootstrap_admin(app: FastAPI) -> None:
    """Create the platform administrator from ADMIN_BOOTSTRAP_* unless one exists."""
    settings: Settings = app.state.settings
    configured = settings.bootstrap_password
    password = configured.get_secret_value() if configured else secrets.token_urlsafe(18)
    created = await user_service.ensure_platform_admin(
        pool=app.state.pool, username=settings.bootstrap_username, password=password
    )
    if created is None:
        return
    log.info("platform administrator created", extra={"username": created.username})
    if configured is None:
        _print_banner(created.username, password)
