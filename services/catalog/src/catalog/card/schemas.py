"""Request and response models of master cards."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, StringConstraints

# PostgreSQL text cannot hold NUL, so it is refused here (422) rather than by the database (500).
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


class CardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Sku
    title: Title


class CardRead(BaseModel):
    id: UUID
    sku: str
    title: str
    status: str
    created_at: datetime
    updated_at: datetime
