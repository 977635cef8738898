"""FastAPI dependencies of the auth service, declared once as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from auth.settings import Settings
from mpflow_platform.http.deps import Caller, CurrentIdentity, DbPool

__all__ = ["AuthSettings", "Caller", "CurrentIdentity", "DbPool"]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AuthSettings = Annotated[Settings, Depends(get_settings)]
