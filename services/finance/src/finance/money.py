"""How finance's API writes money: decimal strings with 2 places (API.md), percents too."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer

#: An amount in base currency, written as "1234.50".
Money = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str)]
#: A percentage, written as "12.34".
Percent = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str)]
