"""Gateway settings: `GATEWAY_*` environment variables on top of the shared ones."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from gateway.routing import SERVICES
from mpflow_platform.settings import ServiceSettings


def find_admin_ui_dir(start: Path | None = None) -> Path | None:
    """The repository's `admin-ui/` folder, found by walking up from this package; else None."""
    here = (start or Path(__file__)).resolve()
    for parent in here.parents:
        candidate = parent / "admin-ui"
        if candidate.is_dir():
            return candidate
    return None


class Settings(ServiceSettings):
    """Where the domain services live, upstream timeouts, the identity cache, the admin UI."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    auth_url: str = "http://127.0.0.1:8001"
    catalog_url: str = "http://127.0.0.1:8002"
    inventory_url: str = "http://127.0.0.1:8003"
    finance_url: str = "http://127.0.0.1:8004"
    ozon_url: str = "http://127.0.0.1:8005"
    #: Seconds to wait for an upstream to answer (read, write, pool); connect has its own.
    upstream_timeout: float = Field(30.0, gt=0)
    connect_timeout: float = Field(2.0, gt=0)
    #: How long a verified credential is trusted without asking auth again (0 = never cached).
    identity_cache_seconds: float = Field(5.0, ge=0)
    #: The built admin UI served at `/`; empty disables it.
    admin_ui_dir: Path | None = Field(default_factory=find_admin_ui_dir)

    @field_validator("auth_url", "catalog_url", "inventory_url", "finance_url", "ozon_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("admin_ui_dir", mode="before")
    @classmethod
    def _empty_means_none(cls, value: object) -> object:
        return None if value == "" else value

    def service_urls(self) -> dict[str, str]:
        """Base URL of each domain service, by service name (`<service>_url`)."""
        return {name: str(getattr(self, f"{name}_url")) for name in SERVICES}
