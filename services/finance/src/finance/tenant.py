"""The tenant's settings finance works by (auth owns them: `GET /internal/tenant-settings`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from uuid import UUID

from mpflow_platform.http.identity import Identity
from mpflow_platform.http.internal import InternalClient

TaxMode = Literal["usn_income", "usn_income_minus_expense", "none"]


@dataclass(frozen=True)
class TenantSettings:
    base_currency: str
    tax_mode: TaxMode
    #: Percent, e.g. 6.00; 0 is valid.
    tax_rate: Decimal
    negative_stock: Literal["allow", "reject"]
    #: IANA zone: report days start at its midnight.
    timezone: str


async def tenant_settings(auth: InternalClient, identity: Identity) -> TenantSettings:
    """The caller's tenant settings, read from auth (503 when auth does not answer)."""
    data = await auth.get_json("/internal/tenant-settings", identity=identity)
    return TenantSettings(
        base_currency=str(data["base_currency"]),
        tax_mode=data["tax_mode"],
        tax_rate=Decimal(str(data["tax_rate"])),
        negative_stock=data["negative_stock"],
        timezone=str(data["timezone"]),
    )


def tenant_of(identity: Identity) -> UUID:
    """The caller's tenant (every finance route needs a signed-in caller)."""
    assert identity.user_id is not None, "the platform refuses anonymous calls"
    return identity.user_id
