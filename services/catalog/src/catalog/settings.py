"""Catalog settings: the shared ones only, for now (prefix CATALOG_ for its own)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from mpflow_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore", populate_by_name=True)
