"""Use cases of the pricing calculator and the commission tiers."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

from catalog.pricing import model, repository
from catalog.pricing.errors import (
    InvalidTierFileError,
    NoCommissionTierError,
    NoCommissionTiersError,
    PriceNotPositiveError,
    RoiUndefinedError,
    TargetUnreachableError,
)
from catalog.pricing.schemas import (
    BreakdownRead,
    BreakevenRequest,
    CommissionLine,
    CommissionTierRead,
    Conversion,
    ForeignAmount,
    ForwardRequest,
    ForwardResult,
    ImportResult,
    PricingInputs,
    RateLine,
    ReturnsLine,
    ReverseRequest,
    ReverseResult,
    SolvedResult,
    StorageLine,
    TaxInput,
    TaxLine,
    TierRead,
    TierSetSummary,
    TierTryRead,
    read_tiers_csv,
)
from mpflow_platform.db import Pool, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.internal import InternalClient
from mpflow_platform.http.pagination import Page, next_cursor
from mpflow_platform.money import round_money

SAMPLE_FILE = "commission_tiers.sample.csv"
SAMPLE_SOURCE = "sample"
FIXED_SOURCE = "fixed"
#: Ozon's tariffs change at Moscow midnight; "today" for a tier look-up is Moscow's date.
MARKETPLACE_TZ = ZoneInfo("Europe/Moscow")


def today() -> dt.date:
    return dt.datetime.now(MARKETPLACE_TZ).date()


@lru_cache(maxsize=1)
def sample_tiers() -> tuple[model.TierRow, ...]:
    """The tiers of the sample file shipped with the package (read once)."""
    text = files("catalog.pricing").joinpath(SAMPLE_FILE).read_text(encoding="utf-8")
    rows, errors = read_tiers_csv(text, source=SAMPLE_SOURCE)
    if errors:  # a packaging mistake, caught by the tests
        raise RuntimeError(f"{SAMPLE_FILE} is not valid: {errors[0]}")
    return tuple(rows)


async def calculate(
    *,
    pool: Pool,
    identity: Identity,
    auth: InternalClient,
    data: ForwardRequest | ReverseRequest,
) -> ForwardResult | ReverseResult:
    """Forward (price → profit, margin, ROI) or reverse (target → lowest price); the tax is
    the tenant's unless the request gives one."""
    costs, conversions = _costs(data, await tax_of(data, identity=identity, auth=auth))
    commission, source = await _commission(pool=pool, identity=identity, data=data)
    if isinstance(data, ForwardRequest):
        price = _convert("price", data.price, data.base_currency, conversions)
        if price <= 0:
            raise PriceNotPositiveError("the price must be at least 0.01 in base currency")
        try:
            breakdown = model.forward(price, costs, commission)
        except model.NoCommissionTier as exc:
            raise NoCommissionTierError(str(exc)) from exc
        return ForwardResult(
            breakdown=_breakdown_read(breakdown, data.base_currency, source),
            conversions=conversions,
        )
    target = (
        model.Target("margin", data.target.margin_percent)
        if data.target.margin_percent is not None
        else model.Target("roi", data.target.roi_percent or Decimal(0))
    )
    solved = _solve(target, costs, commission, data.price_step, data.base_currency, source)
    return ReverseResult(target=data.target, conversions=conversions, **solved)


async def breakeven(
    *, pool: Pool, identity: Identity, auth: InternalClient, data: BreakevenRequest
) -> SolvedResult:
    """The lowest price at which profit is zero or more."""
    costs, conversions = _costs(data, await tax_of(data, identity=identity, auth=auth))
    commission, source = await _commission(pool=pool, identity=identity, data=data)
    target = model.Target("breakeven")
    solved = _solve(target, costs, commission, data.price_step, data.base_currency, source)
    return SolvedResult(conversions=conversions, **solved)


def _solve(
    target: model.Target,
    costs: model.Costs,
    commission: model.Commission,
    step: Decimal,
    currency: str,
    source: str,
) -> dict[str, Any]:
    try:
        solution = model.solve(target, costs, commission, step)
    except model.RoiUndefined as exc:
        raise RoiUndefinedError(str(exc)) from exc
    except model.TargetUnreachable as exc:
        raise TargetUnreachableError(str(exc), max_reachable_percent=_text(exc.best)) from exc
    return {
        "price": solution.price,
        "price_step": step,
        "iterations": len(solution.tried),
        "tiers_tried": [
            TierTryRead(
                tier=_tier_read(t.tier) if commission.tiered else None,
                solution=t.solution,
                outcome=t.outcome,
            )
            for t in solution.tried
        ],
        "breakdown": _breakdown_read(solution.breakdown, currency, source),
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _convert(
    name: str, value: Decimal | ForeignAmount, base: str, conversions: list[Conversion]
) -> Decimal:
    """A money input in base currency, rounded half-up to the kopeck (DOMAIN.md §1)."""
    if not isinstance(value, ForeignAmount):
        return round_money(value)
    rate = value.rate if value.rate is not None else Decimal(1)
    amount = model.to_base(value.amount, rate)
    if value.currency != base or rate != 1:
        conversions.append(
            Conversion(
                field=name,
                amount=value.amount,
                currency=value.currency,
                rate=rate,
                amount_base=amount,
            )
        )
    return amount


async def tax_of(data: PricingInputs, *, identity: Identity, auth: InternalClient) -> TaxInput:
    """The tax the request names, else the tenant's (auth's settings: mode and rate)."""
    if data.tax is not None:
        return data.tax
    settings = await auth.get_json("/internal/tenant-settings", identity=identity)
    return TaxInput(mode=settings["tax_mode"], rate_percent=Decimal(settings["tax_rate"]))


def _costs(data: PricingInputs, tax: TaxInput) -> tuple[model.Costs, list[Conversion]]:
    conversions: list[Conversion] = []

    def money(name: str) -> Decimal:
        value: Decimal | ForeignAmount = getattr(data, name)
        return _convert(name, value, data.base_currency, conversions)

    costs = model.Costs(
        cogs=money("cogs"),
        logistics=money("logistics"),
        last_mile=money("last_mile"),
        storage_per_day=money("storage_per_day"),
        storage_days=data.storage_days,
        return_rate_percent=data.return_rate_percent,
        return_cost=money("return_cost"),
        acquiring_percent=data.acquiring_percent,
        tax_mode=tax.mode,
        tax_rate_percent=tax.rate,
    )
    return costs, conversions


async def _commission(
    *, pool: Pool, identity: Identity, data: PricingInputs
) -> tuple[model.Commission, str]:
    """The fixed rate, or the tiers of the product (the tenant's, else the sample's)."""
    if data.commission is None:
        assert data.commission_percent is not None
        return model.Commission.fixed(data.commission_percent), FIXED_SOURCE
    lookup = data.commission
    rows, _ = await _tenant_or_sample_rows(
        pool=pool, identity=identity, category=lookup.category, scheme=lookup.scheme
    )
    on = lookup.date or today()
    chosen = model.tiers_for(
        rows,
        category=lookup.category,
        product_type=lookup.product_type,
        scheme=lookup.scheme,
        on=on,
    )
    if not chosen:
        raise NoCommissionTiersError(
            f"no commission tiers for category {lookup.category!r}, scheme {lookup.scheme} on "
            f"{on}: import them (POST /v1/admin/pricing/commissions/import) or give "
            "commission_percent"
        )
    return model.Commission.of_tiers([r.as_tier() for r in chosen]), chosen[0].source


async def _tenant_or_sample_rows(
    *, pool: Pool, identity: Identity, category: str | None, scheme: str | None
) -> tuple[list[model.TierRow], bool]:
    """(rows, is_sample): the tenant's tiers, or the sample's when it has loaded none."""
    assert identity.user_id is not None
    async with transaction(pool, user_id=identity.user_id) as tx:
        records = await repository.list_tiers(
            tx, user_id=identity.user_id, category=category, scheme=scheme
        )
        if not records and not await repository.has_tiers(tx, user_id=identity.user_id):
            return list(sample_tiers()), True
    return [model.TierRow(**dict(r)) for r in records], False


def _tier_read(tier: model.Tier) -> TierRead:
    return TierRead(
        price_min=tier.price_min, price_max=tier.price_max, rate_percent=tier.rate_percent
    )


def _breakdown_read(b: model.Breakdown, currency: str, source: str) -> BreakdownRead:
    costs = b.costs
    return BreakdownRead(
        currency=currency,
        price=b.price,
        cogs=costs.cogs,
        commission=CommissionLine(
            amount=b.commission,
            rate_percent=b.commission_rate_percent,
            source=source,
            tier=_tier_read(b.tier) if b.tier is not None else None,
        ),
        acquiring=RateLine(amount=b.acquiring, rate_percent=costs.acquiring_percent),
        logistics=costs.logistics,
        last_mile=costs.last_mile,
        storage=StorageLine(
            amount=costs.storage, per_day=costs.storage_per_day, days=costs.storage_days
        ),
        returns=ReturnsLine(
            amount=costs.returns,
            rate_percent=costs.return_rate_percent,
            cost_per_return=costs.return_cost,
        ),
        tax=TaxLine(
            amount=b.tax, mode=costs.tax_mode, rate_percent=costs.tax_rate_percent, base=b.tax_base
        ),
        total_costs=b.total_costs,
        profit=b.profit,
        margin_percent=b.margin_percent,
        roi_percent=b.roi_percent,
        markup_percent=b.markup_percent,
    )


async def list_commissions(
    *,
    pool: Pool,
    identity: Identity,
    category: str | None,
    product_type: str | None,
    scheme: str | None,
    on: dt.date | None,
    limit: int,
    offset: int,
) -> Page[CommissionTierRead]:
    """The tiers in force on `on` (default today), the sample's when the tenant has none."""
    rows, _ = await _tenant_or_sample_rows(
        pool=pool, identity=identity, category=category, scheme=scheme
    )
    current = [
        r
        for r in model.in_force(rows, on or today())
        if (category is None or r.category.casefold() == category.casefold())
        and (scheme is None or r.scheme == scheme)
        and (product_type is None or r.product_type.casefold() == product_type.casefold())
    ]
    window = current[offset : offset + limit]
    return Page[CommissionTierRead](
        items=[CommissionTierRead(**asdict(r)) for r in window],
        total=len(current),
        next_cursor=next_cursor(offset, limit, len(current)),
    )


async def import_commissions(
    *, pool: Pool, identity: Identity, text: str, dry_run: bool
) -> ImportResult:
    """Validate every row of a tiers file; unless dry_run, replace the tenant's sets with
    the same (category, product type, scheme, valid_from) by the file's rows."""
    assert identity.user_id is not None
    rows, errors = read_tiers_csv(text, source="file")
    if errors:
        raise InvalidTierFileError(
            f"{len(errors)} problem(s) in the file, nothing was imported: see errors "
            "(line numbers count every line of the file, the header included)",
            errors=[e.model_dump() for e in errors],
        )
    if not rows:
        no_rows = {"line": 1, "column": None, "message": "the file has no tier rows"}
        raise InvalidTierFileError("the file has a header but no tier rows", errors=[no_rows])
    async with transaction(pool, user_id=identity.user_id) as tx:
        # Two imports of one tenant at once would both delete, then collide on insert.
        await tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))", f"catalog.tiers:{identity.user_id}"
        )
        replaced = await repository.count_in_sets(tx, user_id=identity.user_id, rows=rows)
        if not dry_run:
            await repository.delete_sets(tx, user_id=identity.user_id, rows=rows)
            await repository.insert_tiers(tx, user_id=identity.user_id, rows=rows)
    return ImportResult(dry_run=dry_run, rows=len(rows), sets=_summaries(rows), replaced=replaced)


def _summaries(rows: list[model.TierRow]) -> list[TierSetSummary]:
    sets: dict[tuple[str, str, str, dt.date], list[model.TierRow]] = {}
    for row in rows:
        sets.setdefault(row.set_key, []).append(row)
    return [
        TierSetSummary(
            category=members[0].category,
            product_type=members[0].product_type,
            scheme=members[0].scheme,
            valid_from=members[0].valid_from,
            tiers=len(members),
        )
        for _, members in sorted(sets.items())
    ]
