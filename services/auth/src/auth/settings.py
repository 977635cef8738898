"""Settings of the auth service: `AUTH_*` for its own, unprefixed names shared with others."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from auth.password import password_problem
from auth.throttle import Limits
from mpflow_platform.settings import ServiceSettings

#: Development-only default for HMAC_SECRET; refused with MPFLOW_ENV=production.
DEV_HMAC_SECRET = "dev-only-hmac-secret-change-me"
MIN_HMAC_SECRET_LENGTH = 16


class Settings(ServiceSettings):
    """Validated once in create_app(); secrets are SecretStr so they never reach a repr or log."""

    model_config = SettingsConfigDict(
        env_prefix="AUTH_",
        extra="ignore",
        populate_by_name=True,
        # A refused secret must not be echoed into start-up logs.
        hide_input_in_errors=True,
    )

    bootstrap_username: str = Field(
        "admin",
        min_length=1,
        max_length=150,
        validation_alias=AliasChoices("ADMIN_BOOTSTRAP_USERNAME"),
    )
    bootstrap_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ADMIN_BOOTSTRAP_PASSWORD")
    )
    hmac_secret: SecretStr = Field(
        SecretStr(DEV_HMAC_SECRET), validation_alias=AliasChoices("HMAC_SECRET")
    )
    session_ttl_seconds: int = Field(
        43200, ge=60, le=30 * 24 * 3600, validation_alias=AliasChoices("AUTH_SESSION_TTL_SECONDS")
    )
    cookie_secure: bool = Field(False, validation_alias=AliasChoices("AUTH_COOKIE_SECURE"))

    # Abuse limits: failures within the window lock the address / username for lock_seconds.
    failures_per_ip: int = Field(50, ge=1, validation_alias=AliasChoices("AUTH_FAILURES_PER_IP"))
    login_failures_per_account: int = Field(
        10, ge=1, validation_alias=AliasChoices("AUTH_LOGIN_FAILURES_PER_ACCOUNT")
    )
    failure_window_seconds: int = Field(
        900, ge=1, validation_alias=AliasChoices("AUTH_FAILURE_WINDOW_SECONDS")
    )
    lockout_seconds: int = Field(900, ge=1, validation_alias=AliasChoices("AUTH_LOCKOUT_SECONDS"))

    # Single sign-on through Logto: both set to accept its JWT access tokens.
    logto_endpoint: str | None = Field(None, validation_alias=AliasChoices("LOGTO_ENDPOINT"))
    logto_api_resource: str | None = Field(
        None, validation_alias=AliasChoices("LOGTO_API_RESOURCE")
    )
    logto_spa_app_id: str | None = Field(None, validation_alias=AliasChoices("LOGTO_SPA_APP_ID"))

    @property
    def limits(self) -> Limits:
        return Limits(
            ip_limit=self.failures_per_ip,
            account_limit=self.login_failures_per_account,
            window_seconds=self.failure_window_seconds,
            lock_seconds=self.lockout_seconds,
        )

    @property
    def logto_issuer(self) -> str | None:
        """`<LOGTO_ENDPOINT>/oidc` when single sign-on is configured."""
        if not self.logto_endpoint or not self.logto_api_resource:
            return None
        return self.logto_endpoint.rstrip("/") + "/oidc"

    @model_validator(mode="after")
    def _refuse_weak_secrets(self) -> Settings:
        secret = self.hmac_secret.get_secret_value()
        if self.env == "production" and secret == DEV_HMAC_SECRET:
            raise ValueError("HMAC_SECRET must be set to a secret value in production")
        if len(secret) < MIN_HMAC_SECRET_LENGTH:
            raise ValueError(f"HMAC_SECRET must be at least {MIN_HMAC_SECRET_LENGTH} characters")
        if self.bootstrap_password is not None:
            problem = password_problem(
                self.bootstrap_password.get_secret_value(), username=self.bootstrap_username
            )
            if problem:
                raise ValueError(
                    f"ADMIN_BOOTSTRAP_PASSWORD is refused: {problem}; set a stronger one, or "
                    "unset it to have a random password generated and printed once"
                )
        return self
