from __future__ import annotations

import pytest
from pydantic import ValidationError

from auth.settings import DEV_HMAC_SECRET, Settings

_NAMES = (
    "MPFLOW_ENV",
    "GATEWAY_SIGNING_KEY",
    "HMAC_SECRET",
    "ADMIN_BOOTSTRAP_USERNAME",
    "ADMIN_BOOTSTRAP_PASSWORD",
    "AUTH_SESSION_TTL_SECONDS",
    "AUTH_COOKIE_SECURE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _NAMES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_suit_local_development() -> None:
    settings = Settings()

    assert settings.bootstrap_username == "admin"
    assert settings.bootstrap_password is None
    assert settings.hmac_secret.get_secret_value() == DEV_HMAC_SECRET
    assert settings.session_ttl_seconds == 43200
    assert settings.cookie_secure is False


def test_settings_are_read_from_their_documented_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADMIN_BOOTSTRAP_USERNAME", "root")
    monkeypatch.setenv("ADMIN_BOOTSTRAP_PASSWORD", "a-long-enough-password")
    monkeypatch.setenv("HMAC_SECRET", "s" * 32)
    monkeypatch.setenv("AUTH_SESSION_TTL_SECONDS", "600")
    monkeypatch.setenv("AUTH_COOKIE_SECURE", "true")

    settings = Settings()

    assert settings.bootstrap_username == "root"
    assert settings.bootstrap_password is not None
    assert settings.bootstrap_password.get_secret_value() == "a-long-enough-password"
    assert settings.hmac_secret.get_secret_value() == "s" * 32
    assert (settings.session_ttl_seconds, settings.cookie_secure) == (600, True)


def test_the_dev_hmac_secret_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPFLOW_ENV", "production")
    monkeypatch.setenv("GATEWAY_SIGNING_KEY", "g" * 32)

    with pytest.raises(ValidationError, match="HMAC_SECRET must be set"):
        Settings()


def test_a_short_hmac_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HMAC_SECRET", "too-short")

    with pytest.raises(ValidationError, match="at least 16"):
        Settings()


def test_a_refused_bootstrap_password_is_not_echoed_in_the_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADMIN_BOOTSTRAP_PASSWORD", "s3cr3t!")

    with pytest.raises(ValidationError) as info:
        Settings()

    assert "ADMIN_BOOTSTRAP_PASSWORD is refused" in str(info.value)
    assert "s3cr3t!" not in str(info.value)
