"""Settings shared by every service; each service subclasses ServiceSettings with its own prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Development-only default for the gateway signing key; refused outside MPFLOW_ENV=local.
DEV_SIGNING_KEY = "dev-only-gateway-signing-key-change-me"


def _shared(name: str) -> AliasChoices:
    return AliasChoices(name)


class ServiceSettings(BaseSettings):
    """Settings every service reads: unprefixed shared names, `<SERVICE>_*` for the rest."""

    model_config = SettingsConfigDict(
        extra="ignore", populate_by_name=True, hide_input_in_errors=True
    )

    env: Literal["local", "test", "production"] = Field(
        "local", validation_alias=_shared("MPFLOW_ENV")
    )
    database_url: str = Field(
        "postgresql://postgres@127.0.0.1:5432/postgres", validation_alias=_shared("DATABASE_URL")
    )
    nats_url: str = Field("nats://127.0.0.1:4222", validation_alias=_shared("NATS_URL"))
    signing_key: str = Field(DEV_SIGNING_KEY, validation_alias=_shared("GATEWAY_SIGNING_KEY"))
    log_level: str = Field("INFO", validation_alias=_shared("LOG_LEVEL"))
    migrations_dir: Path | None = Field(None, validation_alias=_shared("MIGRATIONS_DIR"))
    apply_migrations: bool = Field(True, validation_alias=_shared("APPLY_MIGRATIONS"))
    #: Where migrations are applied from (the schemas' owner); DATABASE_URL when unset. Only
    #: the migration step uses it: queries always go through DATABASE_URL and DB_ROLE.
    migration_database_url: str | None = Field(
        None, validation_alias=_shared("MIGRATION_DATABASE_URL")
    )
    #: The database role the service's queries run as (row-level security applies to it):
    #: unset means `mpflow_<the service's schema>`; empty runs as DATABASE_URL's user itself
    #: (for a DATABASE_URL that already logs in as a non-owner role).
    db_role: str | None = Field(None, validation_alias=_shared("DB_ROLE"))
    db_pool_max: int = Field(10, ge=2, le=200, validation_alias=_shared("DB_POOL_MAX"))

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> ServiceSettings:
        if self.env == "production" and self.signing_key == DEV_SIGNING_KEY:
            raise ValueError("GATEWAY_SIGNING_KEY must be set to a secret value in production")
        if len(self.signing_key) < 16:
            raise ValueError("GATEWAY_SIGNING_KEY must be at least 16 characters")
        return self

    def resolved_migration_database_url(self) -> str:
        """The URL migrations are applied through: MIGRATION_DATABASE_URL, else DATABASE_URL."""
        return self.migration_database_url or self.database_url

    def resolved_db_role(self, schema: str) -> str | None:
        """The role queries run as: DB_ROLE, else `mpflow_<schema>`; None when DB_ROLE=''."""
        if self.db_role is None:
            return f"mpflow_{schema}"
        return self.db_role.strip() or None

    def resolved_migrations_dir(self) -> Path:
        """The migrations folder: MIGRATIONS_DIR, else the repository's `migrations/`."""
        if self.migrations_dir is not None:
            return self.migrations_dir
        return find_migrations_dir()


def find_migrations_dir(start: Path | None = None) -> Path:
    """Walk up from this file (or `start`) to the folder holding `migrations/init.sql`."""
    for parent in [
        (start or Path(__file__)).resolve(),
        *(start or Path(__file__)).resolve().parents,
    ]:
        candidate = parent / "migrations"
        if (candidate / "init.sql").is_file():
            return candidate
    cwd_candidate = Path.cwd() / "migrations"
    if (cwd_candidate / "init.sql").is_file():
        return cwd_candidate
    raise RuntimeError("migrations/ not found: set MIGRATIONS_DIR")
