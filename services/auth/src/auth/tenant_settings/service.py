"""Use cases on tenant settings: read (any account of the tenant), change (owners)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from auth.errors import OwnerRequired
from auth.events.published import SETTINGS_UPDATED, SettingsUpdated
from auth.tenant_settings import repository
from auth.tenant_settings.errors import InvalidSettings, SsoDomainTaken, TenantRequired
from auth.tenant_settings.model import DEFAULT_TAX_RATES, DEFAULTS
from auth.tenant_settings.schemas import TenantSettingsRead, TenantSettingsUpdate
from mpflow_platform.db import Connection, Pool, transaction
from mpflow_platform.events import new_event, outbox
from mpflow_platform.http.identity import Identity

SCHEMA = "auth"
#: The settings other services copy (`auth.settings.updated`); SSO provisioning is auth's own.
PUBLISHED = tuple(name for name in SettingsUpdated.model_fields if name != "updated_at")


def _tenant(identity: Identity) -> UUID:
    if identity.user_id is None:
        raise TenantRequired("Settings belong to a tenant: sign in as one of its accounts.")
    return identity.user_id


def _read(row: dict[str, Any] | None) -> TenantSettingsRead:
    return TenantSettingsRead.model_validate(row or {**DEFAULTS, "updated_at": None})


async def get_settings(*, pool: Pool, identity: Identity) -> TenantSettingsRead:
    """The caller tenant's settings; the defaults until an owner changes them."""
    tenant = _tenant(identity)
    async with transaction(pool, user_id=tenant) as tx:
        return _read(await repository.get_settings(tx, user_id=tenant))


def _merge(current: dict[str, Any], body: TenantSettingsUpdate) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    merged = {name: given.get(name, current[name]) for name in repository.COLUMNS}
    mode_changed = "tax_mode" in given and given["tax_mode"] != current["tax_mode"]
    if mode_changed and "tax_rate" not in given:
        merged["tax_rate"] = DEFAULT_TAX_RATES[merged["tax_mode"]]
    if merged["tax_mode"] == "none" and Decimal(merged["tax_rate"]) != 0:
        raise InvalidSettings(
            "tax_mode 'none' means no tax: its tax_rate must be 0 (or leave tax_rate out)."
        )
    if merged["sso_auto_provision"] and not merged["sso_email_domains"]:
        raise InvalidSettings(
            "sso_auto_provision needs sso_email_domains: the e-mail domains whose people may "
            "join the tenant."
        )
    return merged


async def _check_domains_free(tx: Connection, tenant: UUID, domains: list[str]) -> None:
    """A domain provisions accounts into one tenant only: else a tenant could capture the
    sign-ups of another company's people."""
    for domain in sorted(domains):
        await repository.lock_sso_domain(tx, domain=domain)
        holder = await repository.tenant_for_sso_domain(tx, domain=domain)
        if holder is not None and holder != tenant:
            raise SsoDomainTaken(
                f"The e-mail domain {domain} already provisions accounts for another tenant."
            )


async def put_settings(
    *, pool: Pool, identity: Identity, body: TenantSettingsUpdate
) -> TenantSettingsRead:
    """Change the tenant's settings (owners); publishes `auth.settings.updated`."""
    tenant = _tenant(identity)
    if identity.role != "owner":
        raise OwnerRequired("Only an owner of the tenant may change its settings.")
    async with transaction(pool, user_id=tenant) as tx:
        stored = await repository.get_settings(tx, user_id=tenant, lock=True)
        current = stored or dict(DEFAULTS)
        merged = _merge(current, body)
        if all(merged[name] == current[name] for name in repository.COLUMNS):
            return _read(stored)  # nothing changes: nothing is written or announced
        if merged["sso_auto_provision"]:
            await _check_domains_free(tx, tenant, merged["sso_email_domains"])
        row = await repository.put_settings(tx, user_id=tenant, values=merged)
        if any(merged[name] != current[name] for name in PUBLISHED):
            data = SettingsUpdated.model_validate(row)
            event = new_event(
                SETTINGS_UPDATED, data.model_dump(mode="json"), user_id=tenant, source=SCHEMA
            )
            await outbox.add(tx, schema=SCHEMA, event=event)
    return _read(row)
