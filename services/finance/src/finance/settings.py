"""Finance settings: the shared ones plus its own (prefix FINANCE_)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from mpflow_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FINANCE_", extra="ignore", populate_by_name=True)

    #: Where auth answers internal calls (the tenant's tax mode, timezone, negative-stock
    #: rule). `make run` and the test stack pass GATEWAY_<SERVICE>_URL to every service, so
    #: those names are read too.
    auth_url: str = Field(
        "http://127.0.0.1:8001",
        validation_alias=AliasChoices("FINANCE_AUTH_URL", "GATEWAY_AUTH_URL"),
    )
    #: Where inventory answers internal calls (availability, stock valuation, COGS explain).
    inventory_url: str = Field(
        "http://127.0.0.1:8003",
        validation_alias=AliasChoices("FINANCE_INVENTORY_URL", "GATEWAY_INVENTORY_URL"),
    )
