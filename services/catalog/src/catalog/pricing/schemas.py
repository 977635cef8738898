"""Request and response models of the pricing calculator and the commission tiers.

Money and percents travel as decimal strings (`"1234.50"`, `"6"`), never JSON numbers, so
nothing passes through a float. A money input is either a string in the base currency or
`{"amount", "currency", "rate"}` (rate = base units per one unit of `currency`).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    StringConstraints,
    Tag,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from catalog.pricing import model
from catalog.pricing.model import TierRow
from mpflow_platform.money import round_money

TaxMode = Literal["usn_income", "usn_income_minus_expense", "none"]
Scheme = Literal["FBO", "FBS", "RFBS"]

#: The usual rate of each tax mode (as auth's tenant settings: УСН 6 %, 15 %, none 0 %).
DEFAULT_TAX_RATES: dict[str, Decimal] = {
    "usn_income": Decimal(6),
    "usn_income_minus_expense": Decimal(15),
    "none": Decimal(0),
}
MAX_MONEY = Decimal(1_000_000_000)


def _pattern(int_digits: int, places: int) -> str:
    # A sign is let through so that a negative value is refused by the range check, with a
    # message saying so.
    sign = "-?"
    return rf"^{sign}\d{{1,{int_digits}}}(\.\d{{1,{places}}})?$"


def _decimal_text(int_digits: int, places: int) -> Any:
    """A parser for a Decimal that must arrive as a plain decimal string (no exponent, no
    NaN, no JSON number)."""
    compiled = re.compile(_pattern(int_digits, places))

    def parse(value: Any) -> Decimal:
        if isinstance(value, Decimal):  # built in code (JSON never yields a Decimal)
            return value
        if not isinstance(value, str):
            raise ValueError('must be a decimal string such as "12.50", not a JSON number')
        if not compiled.fullmatch(value.strip()):
            raise ValueError(
                f"must be a decimal string with at most {int_digits} digits before the point "
                f"and {places} after it"
            )
        return Decimal(value.strip())

    return BeforeValidator(parse)


def _string_schema(int_digits: int, places: int) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": _pattern(int_digits, places)})


Amount = Annotated[Decimal, _decimal_text(10, 4), _string_schema(10, 4), Field(ge=0, le=MAX_MONEY)]
PriceBound = Annotated[
    Decimal, _decimal_text(10, 2), _string_schema(10, 2), Field(ge=0, le=MAX_MONEY)
]
Rate = Annotated[
    Decimal, _decimal_text(9, 8), _string_schema(9, 8), Field(gt=0, le=Decimal(1_000_000))
]
Percent = Annotated[Decimal, _decimal_text(3, 2), _string_schema(3, 2), Field(ge=0, le=100)]
Step = Annotated[
    Decimal,
    _decimal_text(6, 2),
    _string_schema(6, 2),
    Field(ge=Decimal("0.01"), le=10_000),
]
MarginPercent = Annotated[
    Decimal,
    _decimal_text(3, 2),
    _string_schema(3, 2),
    Field(gt=-1000, le=100),
]
RoiPercent = Annotated[
    Decimal,
    _decimal_text(6, 2),
    _string_schema(6, 2),
    Field(ge=-100, le=100_000),
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def _text(max_length: int, min_length: int) -> Any:
    return StringConstraints(
        strip_whitespace=True,
        min_length=min_length,
        max_length=max_length,
        pattern=r"^[^\x00-\x1f\x7f]*$",
    )


Category = Annotated[str, _text(200, 1)]
ProductType = Annotated[str, _text(200, 0)]


class ForeignAmount(BaseModel):
    """An amount in another currency, converted at `rate` (base units per unit)."""

    model_config = ConfigDict(extra="forbid")

    amount: Amount
    currency: Currency
    rate: Rate | None = None


def _money_kind(value: Any) -> str:
    return "foreign" if isinstance(value, dict | ForeignAmount) else "base"


Money = Annotated[
    Annotated[Amount, Tag("base")] | Annotated[ForeignAmount, Tag("foreign")],
    Discriminator(_money_kind),
]

_MONEY_FIELDS = ("cogs", "logistics", "last_mile", "storage_per_day", "return_cost", "price")


class CommissionLookup(BaseModel):
    """Ozon tiered commission: the tiers of this category (and product type) and scheme in
    force on `date` (default today)."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    product_type: ProductType = ""
    scheme: Scheme = "FBO"
    date: dt.date | None = None


class TaxInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: TaxMode
    rate_percent: Percent | None = Field(None, description="Default: 6, 15 or 0 by mode.")

    @property
    def rate(self) -> Decimal:
        return self.rate_percent if self.rate_percent is not None else DEFAULT_TAX_RATES[self.mode]


class PricingInputs(BaseModel):
    """Everything but the price or the target: the per-unit costs and the rates."""

    model_config = ConfigDict(extra="forbid")

    base_currency: Currency = "RUB"
    cogs: Money = Field(description="Cost of goods per unit.")
    commission_percent: Percent | None = Field(None, description="A fixed commission rate.")
    commission: CommissionLookup | None = Field(None, description="Or Ozon's tiers.")
    acquiring_percent: Percent = Decimal("1.5")
    logistics: Money = Field(Decimal(0), description="Per unit, to the marketplace.")
    last_mile: Money = Decimal(0)
    storage_per_day: Money = Decimal(0)
    storage_days: int = Field(0, ge=0, le=3650, strict=True)
    return_rate_percent: Percent = Field(
        Decimal(0), description="Expected returns per unit sold, percent."
    )
    return_cost: Money = Field(Decimal(0), description="Cost of one return (not the goods).")
    tax: TaxInput | None = Field(
        None, description="Default: the tenant's settings (tax mode and rate)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> PricingInputs:
        if (self.commission_percent is None) == (self.commission is None):
            raise ValueError("give exactly one of commission_percent and commission")
        for name in _MONEY_FIELDS:
            value = getattr(self, name, None)
            if (
                isinstance(value, ForeignAmount)
                and value.rate is None
                and value.currency != self.base_currency
            ):
                raise ValueError(
                    f"{name}: an amount in {value.currency} needs its rate to {self.base_currency}"
                )
        return self


class MarginTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    margin_percent: MarginPercent | None = None
    roi_percent: RoiPercent | None = None

    @model_validator(mode="after")
    def _one(self) -> MarginTarget:
        if (self.margin_percent is None) == (self.roi_percent is None):
            raise ValueError("give exactly one of margin_percent and roi_percent")
        return self


class ForwardRequest(PricingInputs):
    mode: Literal["forward"]
    price: Money


class ReverseRequest(PricingInputs):
    mode: Literal["reverse"]
    target: MarginTarget
    price_step: Step = Field(Decimal("0.01"), description="The answer is a multiple of it.")


CalculateRequest = Annotated[ForwardRequest | ReverseRequest, Field(discriminator="mode")]


class BreakevenRequest(PricingInputs):
    price_step: Step = Decimal("0.01")


# --- responses ----------------------------------------------------------------------------

MoneyOut = Annotated[Decimal, PlainSerializer(lambda v: f"{round_money(v):.2f}", return_type=str)]
PercentOut = Annotated[Decimal, PlainSerializer(lambda v: f"{round_money(v):.2f}", return_type=str)]


class TierRead(BaseModel):
    price_min: MoneyOut
    price_max: MoneyOut | None
    rate_percent: PercentOut


class CommissionLine(BaseModel):
    amount: MoneyOut
    rate_percent: PercentOut
    source: str = Field(description="fixed, or where the tiers came from (file, sample…).")
    tier: TierRead | None


class RateLine(BaseModel):
    amount: MoneyOut
    rate_percent: PercentOut


class StorageLine(BaseModel):
    amount: MoneyOut
    per_day: MoneyOut
    days: int


class ReturnsLine(BaseModel):
    amount: MoneyOut
    rate_percent: PercentOut
    cost_per_return: MoneyOut


class TaxLine(BaseModel):
    amount: MoneyOut
    mode: TaxMode
    rate_percent: PercentOut
    base: MoneyOut


class Conversion(BaseModel):
    field: str
    amount: Decimal = Field(description="As given.")
    currency: str
    rate: Decimal
    amount_base: MoneyOut


class BreakdownRead(BaseModel):
    currency: str
    price: MoneyOut
    cogs: MoneyOut
    commission: CommissionLine
    acquiring: RateLine
    logistics: MoneyOut
    last_mile: MoneyOut
    storage: StorageLine
    returns: ReturnsLine
    tax: TaxLine
    total_costs: MoneyOut
    profit: MoneyOut
    margin_percent: PercentOut
    roi_percent: PercentOut | None
    markup_percent: PercentOut | None


class TierTryRead(BaseModel):
    tier: TierRead | None = Field(description="null for a fixed commission.")
    solution: MoneyOut | None = Field(description="The equation's price at this rate.")
    outcome: Literal["inside", "outside", "unreachable"]


class ForwardResult(BaseModel):
    mode: Literal["forward"] = "forward"
    breakdown: BreakdownRead
    conversions: list[Conversion]


class SolvedResult(BaseModel):
    price: MoneyOut
    price_step: MoneyOut
    iterations: int = Field(description="How many tiers were tried.")
    tiers_tried: list[TierTryRead]
    breakdown: BreakdownRead
    conversions: list[Conversion]


class ReverseResult(SolvedResult):
    mode: Literal["reverse"] = "reverse"
    target: MarginTarget


# --- commission tiers ---------------------------------------------------------------------


class CommissionTierRead(BaseModel):
    category: str
    product_type: str
    scheme: str
    price_min: MoneyOut
    price_max: MoneyOut | None
    rate_percent: PercentOut
    valid_from: dt.date
    valid_to: dt.date | None
    source: str


class CommissionTierRow(BaseModel):
    """One CSV row of a tiers file (strings as read; validated here)."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    product_type: ProductType = ""
    scheme: Annotated[Scheme, BeforeValidator(lambda v: v.strip().upper())]
    price_min: PriceBound
    price_max: Annotated[PriceBound | None, BeforeValidator(lambda v: v or None)] = None
    rate_percent: Percent
    valid_from: dt.date
    valid_to: Annotated[dt.date | None, BeforeValidator(lambda v: v or None)] = None

    @model_validator(mode="after")
    def _ranges(self) -> CommissionTierRow:
        if self.price_max is not None and self.price_max <= self.price_min:
            raise ValueError("price_max must be above price_min (or empty for no upper bound)")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to must not be before valid_from")
        return self


class RowError(BaseModel):
    line: int = Field(description="Line number in the file (the header is line 1).")
    column: str | None
    message: str


class TierSetSummary(BaseModel):
    category: str
    product_type: str
    scheme: str
    valid_from: dt.date
    tiers: int


class ImportResult(BaseModel):
    dry_run: bool
    rows: int
    sets: list[TierSetSummary]
    replaced: int = Field(description="Stored tiers of these sets that were (would be) replaced.")


# --- the tiers file -----------------------------------------------------------------------

TIER_COLUMNS = (
    "category",
    "product_type",
    "scheme",
    "price_min",
    "price_max",
    "rate_percent",
    "valid_from",
    "valid_to",
)
REQUIRED_COLUMNS = frozenset({"category", "scheme", "price_min", "rate_percent", "valid_from"})
MAX_FILE_ROWS = 10_000
_MAX_REPORTED_ERRORS = 200


def read_tiers_csv(text: str, *, source: str) -> tuple[list[TierRow], list[RowError]]:
    """The rows of a tiers file (format: commission_tiers.sample.csv), each validated, and
    one error per bad row (line numbers as in the file); overlapping ranges of a set too."""
    content = [
        (n, line)
        for n, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1)
        if line.strip() and not line.startswith("#")
    ]
    if not content:
        return [], [RowError(line=1, column=None, message="the file has no header line")]
    header_no, header_line = content[0]
    header_cells = _cells(header_line)
    header = [h.strip().lower() for h in header_cells or []]
    problem = "the header is not valid CSV" if header_cells is None else _header_problem(header)
    if problem:
        return [], [RowError(line=header_no, column=None, message=problem)]
    if len(content) - 1 > MAX_FILE_ROWS:
        message = f"at most {MAX_FILE_ROWS} tier rows per file"
        return [], [RowError(line=content[MAX_FILE_ROWS + 1][0], column=None, message=message)]
    rows: list[TierRow] = []
    row_lines: list[int] = []
    errors: list[RowError] = []
    for line_no, line in content[1:]:
        row, row_errors = _read_row(header, _cells(line), line_no, source)
        errors += row_errors
        if row is not None:
            rows.append(row)
            row_lines.append(line_no)
    for pair in model.overlaps(rows):
        earlier, later = sorted(row_lines[i] for i in pair)
        errors.append(
            RowError(
                line=later,
                column="price_min",
                message=f"its price range overlaps the one on line {earlier} "
                "(same category, product type, scheme and valid_from)",
            )
        )
    errors.sort(key=lambda e: e.line)
    return rows, errors[:_MAX_REPORTED_ERRORS]


def _cells(line: str) -> list[str] | None:
    """The values of one CSV line (quoted values may hold commas, not line breaks)."""
    try:
        return next(csv.reader([line], strict=True))
    except csv.Error:
        return None


def _header_problem(header: list[str]) -> str | None:
    unknown = [h for h in header if h not in TIER_COLUMNS]
    if unknown:
        return (
            f"unknown column(s) {', '.join(map(repr, unknown))}; columns: {', '.join(TIER_COLUMNS)}"
        )
    if len(set(header)) != len(header):
        return "a column is named twice in the header"
    missing = REQUIRED_COLUMNS - set(header)
    if missing:
        return f"missing column(s): {', '.join(sorted(missing))}"
    return None


def _read_row(
    header: list[str], cells: list[str] | None, line_no: int, source: str
) -> tuple[TierRow | None, list[RowError]]:
    if cells is None:
        return None, [RowError(line=line_no, column=None, message="not valid CSV")]
    if len(cells) != len(header):
        message = f"{len(cells)} values for {len(header)} columns"
        return None, [RowError(line=line_no, column=None, message=message)]
    try:
        valid = CommissionTierRow.model_validate(dict(zip(header, cells, strict=True)))
    except ValidationError as exc:
        return None, [
            RowError(
                line=line_no,
                column=".".join(str(p) for p in err["loc"]) or None,
                message=err["msg"],
            )
            for err in exc.errors()
        ]
    row = TierRow(
        category=valid.category,
        product_type=valid.product_type,
        scheme=valid.scheme,
        price_min=valid.price_min,
        price_max=valid.price_max,
        rate_percent=valid.rate_percent,
        valid_from=valid.valid_from,
        valid_to=valid.valid_to,
        source=source,
    )
    return row, []
