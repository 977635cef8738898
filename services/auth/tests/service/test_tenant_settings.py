"""Tenant settings: defaults, owner-only changes with validation, the event other services
copy them from, and the internal read."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

from mpflow_platform.http.identity import Identity

Db = Callable[..., list[dict[str, Any]]]
Gateway = Callable[..., httpx.Client]
SETTINGS = "/v1/admin/settings"
UPDATED = "mpflow.auth.settings.updated"

DEFAULTS = {
    "base_currency": "RUB",
    "tax_mode": "usn_income",
    "tax_rate": "6.00",
    "negative_stock": "allow",
    "timezone": "Europe/Moscow",
    "language": "ru",
    "sso_auto_provision": False,
    "sso_email_domains": [],
    "updated_at": None,
}


def _identity(tenant: uuid.UUID, role: str = "owner") -> Identity:
    return Identity(
        user_id=tenant,
        account_id=tenant if role == "owner" else uuid.uuid4(),
        username="olga",
        role=role,
        scopes=("*",),
        credential="session",
    )


@pytest.fixture
def tenant(db: Db) -> uuid.UUID:
    tenant = uuid.uuid4()
    db(
        "INSERT INTO auth.users (id, user_id, username, password_hash, role) "
        "VALUES ($1, $1, $2, '!unusable', 'owner')",
        tenant,
        f"owner-{tenant.hex[:8]}",
    )
    return tenant


@pytest.fixture
def as_owner(gateway: Gateway, auth_url: str, tenant: uuid.UUID) -> httpx.Client:
    return gateway(auth_url, _identity(tenant))


def _events(db: Db) -> list[dict[str, Any]]:
    return [r["payload"] for r in db("SELECT payload FROM auth.outbox WHERE subject = $1", UPDATED)]


def test_a_new_tenant_has_the_defaults(as_owner: httpx.Client) -> None:
    assert as_owner.get(SETTINGS).json() == DEFAULTS


def test_an_owner_changes_settings_and_the_change_is_published(
    as_owner: httpx.Client, tenant: uuid.UUID, db: Db
) -> None:
    answer = as_owner.put(
        SETTINGS,
        json={
            "base_currency": "cny",
            "tax_mode": "usn_income_minus_expense",
            "negative_stock": "reject",
            "timezone": "Asia/Yekaterinburg",
            "language": "en",
        },
    )

    assert answer.status_code == 200, answer.text
    settings = answer.json()
    assert settings["updated_at"] is not None
    assert settings == {
        **DEFAULTS,
        "base_currency": "CNY",
        "tax_mode": "usn_income_minus_expense",
        "tax_rate": "15.00",  # the mode's usual rate, as no rate was given
        "negative_stock": "reject",
        "timezone": "Asia/Yekaterinburg",
        "language": "en",
        "updated_at": settings["updated_at"],
    }
    assert as_owner.get(SETTINGS).json() == settings
    (event,) = _events(db)
    assert event["user_id"] == str(tenant) and event["type"] == "auth.settings.updated"
    assert event["data"] == {
        "base_currency": "CNY",
        "tax_mode": "usn_income_minus_expense",
        "tax_rate": "15.00",
        "negative_stock": "reject",
        "timezone": "Asia/Yekaterinburg",
        "language": "en",
        "updated_at": event["data"]["updated_at"],
    }
    # Fields left out keep their values; an explicit rate wins over the mode's usual one.
    again = as_owner.put(SETTINGS, json={"tax_rate": "5"}).json()
    assert again["tax_rate"] == "5.00" and again["timezone"] == "Asia/Yekaterinburg"
    assert len(_events(db)) == 2


def test_a_zero_tax_rate_is_valid(as_owner: httpx.Client) -> None:
    answer = as_owner.put(SETTINGS, json={"tax_mode": "usn_income", "tax_rate": 0})
    assert answer.status_code == 200 and answer.json()["tax_rate"] == "0.00"
    assert as_owner.put(SETTINGS, json={"tax_mode": "none"}).json()["tax_rate"] == "0.00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"base_currency": "RUR"}, "base_currency"),
        ({"base_currency": "рубль"}, "base_currency"),
        ({"tax_mode": "osn"}, "tax_mode"),
        ({"tax_rate": "-1"}, "tax_rate"),
        ({"tax_rate": "100.01"}, "tax_rate"),
        ({"tax_rate": "6.125"}, "tax_rate"),
        ({"tax_rate": "NaN"}, "tax_rate"),
        ({"tax_rate": None}, "tax_rate"),
        ({"negative_stock": "maybe"}, "negative_stock"),
        ({"timezone": "Moscow"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": None}, "timezone"),
        ({"language": "de"}, "language"),
        ({"sso_email_domains": ["not a domain"]}, "sso_email_domains"),
        ({"sso_email_domains": ["Gmail.com"]}, "public mailbox provider"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_values_are_refused_and_change_nothing(
    as_owner: httpx.Client, body: dict[str, Any], field: str, db: Db
) -> None:
    answer = as_owner.put(SETTINGS, json=body)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert field in answer.text
    assert as_owner.get(SETTINGS).json() == DEFAULTS and _events(db) == []


def test_no_tax_mode_with_a_tax_rate_is_a_contradiction(as_owner: httpx.Client) -> None:
    answer = as_owner.put(SETTINGS, json={"tax_mode": "none", "tax_rate": "6"})
    assert answer.status_code == 422 and answer.json()["error_code"] == "invalid_settings"


def test_a_member_reads_but_does_not_change_settings(
    gateway: Gateway, auth_url: str, tenant: uuid.UUID
) -> None:
    member = gateway(auth_url, _identity(tenant, role="member"))
    assert member.get(SETTINGS).json() == DEFAULTS
    refused = member.put(SETTINGS, json={"language": "en"})
    assert refused.status_code == 403 and refused.json()["error_code"] == "owner_required"
    assert member.get(SETTINGS).json()["language"] == "ru"


def test_each_tenant_has_its_own_settings(
    as_owner: httpx.Client, gateway: Gateway, auth_url: str, db: Db
) -> None:
    other = uuid.uuid4()
    db(
        "INSERT INTO auth.users (id, user_id, username, password_hash, role) "
        "VALUES ($1, $1, 'bob', '!unusable', 'owner')",
        other,
    )
    assert as_owner.put(SETTINGS, json={"language": "en"}).status_code == 200
    assert gateway(auth_url, _identity(other)).get(SETTINGS).json() == DEFAULTS


def test_an_email_domain_provisions_accounts_for_one_tenant_only(
    as_owner: httpx.Client, gateway: Gateway, auth_url: str, db: Db
) -> None:
    provisioning = {"sso_auto_provision": True, "sso_email_domains": ["@Acme.example"]}
    mine = as_owner.put(SETTINGS, json=provisioning)
    assert mine.status_code == 200 and mine.json()["sso_email_domains"] == ["acme.example"]

    other = uuid.uuid4()
    db(
        "INSERT INTO auth.users (id, user_id, username, password_hash, role) "
        "VALUES ($1, $1, 'eve', '!unusable', 'owner')",
        other,
    )
    taken = gateway(auth_url, _identity(other)).put(SETTINGS, json=provisioning)
    assert taken.status_code == 409 and taken.json()["error_code"] == "sso_domain_taken"
    needs_domains = as_owner.put(SETTINGS, json={"sso_email_domains": []})
    assert needs_domains.status_code == 422


def test_services_read_a_tenants_settings_internally(
    as_owner: httpx.Client, gateway: Gateway, auth_url: str, tenant: uuid.UUID
) -> None:
    as_owner.put(SETTINGS, json={"negative_stock": "reject"})
    service = gateway(auth_url, replace(_identity(tenant), account_id=None, role=None))

    internal = service.get("/internal/tenant-settings")

    assert internal.status_code == 200 and internal.json()["negative_stock"] == "reject"
    assert "/internal/tenant-settings" not in as_owner.get("/openapi.json").text


def test_a_put_that_changes_nothing_writes_and_announces_nothing(
    as_owner: httpx.Client, db: Db
) -> None:
    assert as_owner.put(SETTINGS, json={"language": "ru", "tax_rate": "6"}).json() == DEFAULTS
    assert db("SELECT * FROM auth.tenant_settings") == [] and _events(db) == []

    changed = as_owner.put(SETTINGS, json={"language": "en"}).json()
    again = as_owner.put(SETTINGS, json={"language": "en"}).json()
    sso_only = as_owner.put(
        SETTINGS, json={"sso_auto_provision": True, "sso_email_domains": ["acme.example"]}
    ).json()

    assert again == changed and sso_only["sso_auto_provision"] is True
    assert len(_events(db)) == 1  # SSO provisioning is auth's own: no event for it
