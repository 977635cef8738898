"""Request and response models of master cards.

Text rules: PostgreSQL text and jsonb cannot hold NUL, so every string is checked here
(422) rather than by the database (500). SKU: 1-64 characters, no whitespace or control
characters, unique per tenant (case-sensitive, as marketplaces treat offer ids).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

Sku = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\s\x00-\x1f\x7f]+$"
    ),
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=r"^[^\x00]+$"),
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=10_000, pattern=r"^[^\x00]*$")
]
Brand = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00]+$"),
]
Barcode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[0-9A-Za-z-]+$"
    ),
]
Currency = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")
]
OfferId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
Millimetres = Annotated[int, Field(gt=0, le=100_000)]
Grams = Annotated[int, Field(gt=0, le=10_000_000)]
#: Ozon ids are positive 64-bit integers.
MarketplaceId = Annotated[int, Field(gt=0, le=2**63 - 1)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4, allow_inf_nan=False)]

CardStatus = Literal["draft", "active", "archived"]
SourceKind = Literal["supplier", "competitor", "reference"]
Marketplace = Literal["ozon"]

MAX_BARCODES = 20
MAX_ATTRIBUTES = 200
MAX_JSON_BYTES = 64 * 1024
MAX_SOURCES = 20
MAX_LINKS = 10


def _json_problem(value: Any, *, path: str = "") -> str | None:
    """Why a JSON value cannot be stored in jsonb (a NUL anywhere), or None."""
    if isinstance(value, str):
        return f"{path or 'a value'} contains a NUL character" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return f"the key {key!r} contains a NUL character"
            problem = _json_problem(item, path=f"{path}.{key}" if path else key)
            if problem:
                return problem
    if isinstance(value, list):
        for index, item in enumerate(value):
            problem = _json_problem(item, path=f"{path}[{index}]")
            if problem:
                return problem
    return None


def check_json_object(value: dict[str, Any], *, max_keys: int = MAX_ATTRIBUTES) -> dict[str, Any]:
    """A JSON object fit for a jsonb column: bounded in keys and size, no NUL, no floats
    that JSON cannot carry."""
    if len(value) > max_keys:
        raise ValueError(f"at most {max_keys} keys")
    for key in value:
        if not 1 <= len(key) <= 100:
            raise ValueError(f"key {key[:20]!r}…: keys have 1-100 characters")
    problem = _json_problem(value)
    if problem:
        raise ValueError(problem)
    try:
        size = len(json.dumps(value, allow_nan=False).encode())
    except ValueError as exc:
        raise ValueError("NaN and Infinity are not JSON numbers") from exc
    if size > MAX_JSON_BYTES:
        raise ValueError(f"at most {MAX_JSON_BYTES // 1024} KiB of JSON")
    return value


class Dimensions(BaseModel):
    """Package dimensions in millimetres."""

    model_config = ConfigDict(extra="forbid")

    length_mm: Millimetres
    width_mm: Millimetres
    height_mm: Millimetres


class PurchasePrice(BaseModel):
    """What a unit usually costs at the supplier, in the supplier's currency (a hint for
    orders and pricing, not an accounting figure)."""

    model_config = ConfigDict(extra="forbid")

    amount: Money
    currency: Currency


class PriceTier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_qty: int = Field(ge=1, le=10_000_000)
    price: Money
    currency: Currency


class SourceCreate(BaseModel):
    """A supplier listing (or a competitor's, or a reference) for the card."""

    model_config = ConfigDict(extra="forbid")

    kind: SourceKind = "supplier"
    provider: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$"
        ),
    ]
    url: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, max_length=2000, pattern=r"^https?://\S+$"),
        ]
        | None
    ) = None
    ref: OfferId | None = None
    price_tiers: list[PriceTier] = Field(default_factory=list, max_length=20)
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("data")
    @classmethod
    def _data(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_json_object(value)

    @model_validator(mode="after")
    def _located(self) -> SourceCreate:
        if self.url is None and self.ref is None:
            raise ValueError("give the source's url or its ref (the supplier's item id)")
        return self


class SourceRead(BaseModel):
    id: UUID
    kind: SourceKind
    provider: str
    url: str | None
    ref: str | None
    price_tiers: list[PriceTier]
    data: dict[str, Any]
    created_at: datetime


class LinkInput(BaseModel):
    """The card's identity on a marketplace."""

    model_config = ConfigDict(extra="forbid")

    marketplace: Marketplace = "ozon"
    offer_id: OfferId
    product_id: MarketplaceId | None = None
    sku: MarketplaceId | None = None


class LinkRead(BaseModel):
    marketplace: Marketplace
    offer_id: str
    product_id: int | None
    sku: int | None


def unique_links(links: list[LinkInput]) -> list[LinkInput]:
    """`links` when no two share an offer id, product id or marketplace SKU."""
    for field in ("offer_id", "product_id", "sku"):
        seen = [
            (link.marketplace, getattr(link, field))
            for link in links
            if getattr(link, field) is not None
        ]
        if len(seen) != len(set(seen)):
            raise ValueError(f"two links with the same {field}")
    return links


class CardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Sku
    title: Title
    description: Description | None = None
    brand: Brand | None = None
    status: Literal["draft", "active"] = "active"
    barcodes: list[Barcode] = Field(default_factory=list, max_length=MAX_BARCODES)
    dimensions: Dimensions | None = None
    weight_g: Grams | None = None
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="Anything else, as a JSON object."
    )
    purchase_price: PurchasePrice | None = None
    sources: list[SourceCreate] = Field(default_factory=list, max_length=MAX_SOURCES)
    links: list[LinkInput] = Field(default_factory=list, max_length=MAX_LINKS)

    @field_validator("barcodes")
    @classmethod
    def _barcodes(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("links")
    @classmethod
    def _links(cls, value: list[LinkInput]) -> list[LinkInput]:
        return unique_links(value)

    @field_validator("attributes")
    @classmethod
    def _attributes(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_json_object(value)


class CardUpdate(BaseModel):
    """Fields to change; omitted ones stay. `attributes` is merged into the card's (a key
    set to null is removed); `barcodes` and `links` replace the card's lists; null clears
    `description`, `brand`, `dimensions`, `weight_g` and `purchase_price`."""

    model_config = ConfigDict(extra="forbid")

    sku: Sku | None = None
    title: Title | None = None
    description: Description | None = None
    brand: Brand | None = None
    status: CardStatus | None = None
    barcodes: list[Barcode] | None = Field(None, max_length=MAX_BARCODES)
    dimensions: Dimensions | None = None
    weight_g: Grams | None = None
    attributes: dict[str, Any] | None = None
    purchase_price: PurchasePrice | None = None
    links: list[LinkInput] | None = Field(None, max_length=MAX_LINKS)

    @field_validator("barcodes")
    @classmethod
    def _barcodes(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else list(dict.fromkeys(value))

    @field_validator("links")
    @classmethod
    def _links(cls, value: list[LinkInput] | None) -> list[LinkInput] | None:
        return None if value is None else unique_links(value)

    @field_validator("attributes")
    @classmethod
    def _attributes(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if value is None else check_json_object(value)

    @model_validator(mode="after")
    def _no_null_for_required(self) -> CardUpdate:
        required = ("sku", "title", "status", "barcodes", "attributes", "links")
        nulls = [n for n in required if n in self.model_fields_set and getattr(self, n) is None]
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null: omit a field to keep it")
        return self


class CardRead(BaseModel):
    """A card as listed."""

    id: UUID
    sku: str
    title: str
    description: str | None
    brand: str | None
    status: CardStatus
    barcodes: list[str]
    dimensions: Dimensions | None
    weight_g: int | None
    attributes: dict[str, Any]
    purchase_price: PurchasePrice | None
    links: list[LinkRead]
    version: int
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None


class CardDetail(CardRead):
    """One card with its sources."""

    sources: list[SourceRead]
