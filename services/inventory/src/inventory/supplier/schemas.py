"""Request and response models of suppliers, and the text/currency types orders share.

PostgreSQL text and jsonb cannot hold NUL, so strings are checked here (422) rather than by
the database (500). Currencies are ISO 4217 alphabetic codes (upper-cased on input).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

#: Active ISO 4217 alphabetic codes (funds and precious metals excluded).
ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR
    ZMW ZWG
    """.split()
)


def _iso_currency(value: str) -> str:
    if value not in ISO_4217:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. CNY, RUB, USD)")
    return value


Currency = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$"),
    AfterValidator(_iso_currency),
]
SupplierName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
Notes = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=5000, pattern=r"^[^\x00]*$")
]

MAX_CONTACT_KEYS = 50
MAX_CONTACT_BYTES = 16 * 1024


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in k or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _contact(value: dict[str, Any]) -> dict[str, Any]:
    """A JSON object fit for jsonb: bounded, no NUL, no NaN/Infinity."""
    if len(value) > MAX_CONTACT_KEYS:
        raise ValueError(f"at most {MAX_CONTACT_KEYS} keys")
    if any(not 1 <= len(key) <= 100 for key in value):
        raise ValueError("keys have 1-100 characters")
    if _has_nul(value):
        raise ValueError("contact contains a NUL character")
    try:
        size = len(json.dumps(value, allow_nan=False).encode())
    except ValueError as exc:
        raise ValueError("NaN and Infinity are not JSON numbers") from exc
    if size > MAX_CONTACT_BYTES:
        raise ValueError(f"at most {MAX_CONTACT_BYTES // 1024} KiB of JSON")
    return value


Contact = Annotated[
    dict[str, Any],
    AfterValidator(_contact),
    Field(description="Free-form contact details: person, phone, email, WeChat, address…"),
]


class SupplierCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: SupplierName
    currency: Currency = "CNY"
    contact: Contact = Field(default_factory=dict)
    notes: Notes | None = None


class SupplierUpdate(BaseModel):
    """Fields to change; omitted ones stay. `contact` replaces the object; null clears
    `notes`; `archived` true archives (false restores)."""

    model_config = ConfigDict(extra="forbid")

    name: SupplierName | None = None
    currency: Currency | None = None
    contact: Contact | None = None
    notes: Notes | None = None
    archived: bool | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> SupplierUpdate:
        nulls = [n for n in self.model_fields_set if n != "notes" and getattr(self, n) is None]
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))} cannot be null: omit it to keep it")
        return self


class SupplierRead(BaseModel):
    id: UUID
    name: str
    currency: str
    contact: dict[str, Any]
    notes: str | None
    archived: bool
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
