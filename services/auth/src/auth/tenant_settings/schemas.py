"""Request and response models of `/v1/admin/settings`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auth.tenant_settings.model import (
    CURRENCIES,
    Language,
    NegativeStock,
    TaxMode,
    email_domain_problem,
    timezone_problem,
)

MAX_SSO_DOMAINS = 20

TaxRate = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=5, decimal_places=2, description='Percent, e.g. "6.00".'),
]


class TenantSettingsRead(BaseModel):
    """The tenant's settings (defaults until an owner changes them)."""

    base_currency: str = Field(description="ISO 4217 code of the money reports are kept in.")
    tax_mode: TaxMode
    tax_rate: Decimal = Field(description="Percent; 0 is a valid rate.")
    negative_stock: NegativeStock = Field(
        description="`reject`: a manual sale without stock is refused (409)."
    )
    timezone: str = Field(description="IANA time zone: report days start at its midnight.")
    language: Language
    sso_auto_provision: bool = Field(
        description="Create a member account for an unknown Logto user whose verified e-mail "
        "is in one of `sso_email_domains`."
    )
    sso_email_domains: list[str]
    updated_at: datetime | None = Field(description="null while every value is the default.")


class TenantSettingsUpdate(BaseModel):
    """New values; omitted fields keep theirs. A new `tax_mode` without `tax_rate` takes
    the mode's usual rate (6, 15 or 0 %)."""

    model_config = ConfigDict(extra="forbid")

    base_currency: str | None = None
    tax_mode: TaxMode | None = None
    tax_rate: TaxRate | None = None
    negative_stock: NegativeStock | None = None
    timezone: str | None = None
    language: Language | None = None
    sso_auto_provision: bool | None = None
    sso_email_domains: list[str] | None = Field(None, max_length=MAX_SSO_DOMAINS)

    @field_validator("base_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in CURRENCIES:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code such as RUB or CNY")
        return code

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        problem = timezone_problem(value.strip())
        if problem:
            raise ValueError(problem)
        return value.strip()

    @field_validator("sso_email_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        domains = sorted({d.strip().lower().lstrip("@") for d in value})
        for domain in domains:
            problem = email_domain_problem(domain)
            if problem:
                raise ValueError(problem)
        return domains

    @field_validator(
        "base_currency",
        "tax_mode",
        "tax_rate",
        "negative_stock",
        "timezone",
        "language",
        "sso_auto_provision",
        "sso_email_domains",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Reached only for a value given; None means an explicit null.
        if value is None:
            raise ValueError("cannot be null: omit the field to keep its value")
        return value
