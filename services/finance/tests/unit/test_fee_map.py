"""Ozon services and operations as fee types, and an operation's split over its SKUs
(DOMAIN.md §8): the parts add up to Ozon's amounts to the kopeck, revenue is never a part."""

from __future__ import annotations

from decimal import Decimal

import pytest

from finance.intake.fee_map import Part, charges, fee_type_for, parts, units_of

D = Decimal


@pytest.mark.parametrize(
    ("name", "fee_type"),
    [
        ("MarketplaceServiceItemDirectFlowTrans", "logistics"),
        ("MarketplaceServiceItemDirectFlowLogistic", "logistics"),
        ("MarketplaceServiceItemDirectFlowLogisticVDC", "logistics"),
        ("DirectFlowLogistic", "logistics"),
        ("MarketplaceServiceItemDelivToCustomer", "last_mile"),
        ("marketplaceserviceitemdelivtocustomer", "last_mile"),
        ("MarketplaceServiceItemFulfillment", "fulfillment"),
        ("MarketplaceServiceItemDropoffPVZ", "dropoff"),
        ("MarketplaceServiceItemDropoffSC", "dropoff"),
        ("DropoffFF", "dropoff"),
        ("MarketplaceRedistributionOfAcquiringOperation", "acquiring"),
        ("MarketplaceServiceItemReturnAfterDelivToCustomer", "returns"),
        ("MarketplaceServiceItemReturnFlowTrans", "returns"),
        ("MarketplaceServiceItemReturnFlowLogistic", "returns"),
        ("MarketplaceServiceItemReturnNotDelivToCustomer", "returns"),
        ("ClientReturnAgentOperation", "returns"),
        ("MarketplaceMarketingActionCostOperation", "marketing"),
        ("MarketplaceServicePremiumCashbackIndividualPoints", "marketing"),
        ("MarketplaceSaleReviewsItem", "marketing"),
        ("OperationMarketplaceServiceStorage", "storage"),
        ("MarketplaceServiceStorageItem", "storage"),
        ("MarketplaceServiceItemMarkingItems", "other"),
        ("SomethingOzonInventsTomorrow", "other"),
        ("", "other"),
    ],
)
def test_a_service_or_operation_name_maps_to_its_fee_type(name: str, fee_type: str) -> None:
    assert fee_type_for(name) == fee_type


def test_units_count_ozon_items_listed_once_per_unit_in_order() -> None:
    assert units_of([222, 111, 222]) == {222: 2, 111: 1}
    assert list(units_of([222, 111, 222])) == [222, 111]


def _sale_op(
    *, services: list[tuple[str, Decimal]], commission: str, amount: str, revenue: str = "1790.00"
) -> list[Part]:
    found = charges(
        operation_type="OperationAgentDeliveredToCustomer",
        amount=D(amount),
        accruals_for_sale=D(revenue),
        sale_commission=D(commission),
        delivery_charge=D("0"),
        return_delivery_charge=D("0"),
        services=services,
    )
    return parts(found, units={111: 2, 222: 1}, prices={111: D("590.00"), 222: D("610.00")})


def by_key(found: list[Part]) -> dict[tuple[int | None, str | None], Decimal]:
    return {(p.sku, p.fee_type if p.kind == "fee" else "income"): p.amount for p in found}


def test_commission_splits_by_price_share_and_services_by_quantity_to_the_kopeck() -> None:
    found = by_key(
        _sale_op(
            services=[
                ("MarketplaceServiceItemDirectFlowLogistic", D("-189.00")),
                ("MarketplaceServiceItemDelivToCustomer", D("-75.01")),
            ],
            commission="-340.10",
            amount="1185.89",
        )
    )

    # Commission: 1180 : 610 of 1790 -> −224.20 and −115.90 (exact to the kopeck).
    assert found[(111, "commission")] == D("-224.20")
    assert found[(222, "commission")] == D("-115.90")
    # Logistics 2 : 1 -> −126.00 / −63.00; last mile −75.01 -> −50.01 / −25.00 (largest
    # remainder: the odd kopeck goes to the larger share).
    assert found[(111, "logistics")] == D("-126.00")
    assert found[(222, "logistics")] == D("-63.00")
    assert found[(111, "last_mile")] == D("-50.01")
    assert found[(222, "last_mile")] == D("-25.00")
    # Revenue (accruals_for_sale) is not a part, and nothing is left unexplained.
    assert sum(found.values()) == D("1185.89") - D("1790.00")
    assert {fee for _, fee in found} == {"commission", "logistics", "last_mile"}


def test_services_of_one_type_add_up_per_sku() -> None:
    found = by_key(
        _sale_op(
            services=[
                ("MarketplaceServiceItemDropoffPVZ", D("-15.00")),
                ("MarketplaceServiceItemDropoffSC", D("-0.01")),
            ],
            commission="0",
            amount="1774.99",
        )
    )

    assert found == {(111, "dropoff"): D("-10.01"), (222, "dropoff"): D("-5.00")}


def test_without_prices_for_every_sku_the_commission_splits_per_unit() -> None:
    found = charges(
        operation_type="OperationAgentDeliveredToCustomer",
        amount=D("-100.00"),
        accruals_for_sale=D("0"),
        sale_commission=D("-100.00"),
        delivery_charge=D("0"),
        return_delivery_charge=D("0"),
        services=[],
    )
    split = by_key(parts(found, units={111: 2, 222: 1}, prices={111: D("590.00")}))

    assert split == {(111, "commission"): D("-66.67"), (222, "commission"): D("-33.33")}


def test_an_operation_without_items_is_an_account_level_charge_typed_by_its_operation() -> None:
    found = charges(
        operation_type="MarketplaceMarketingActionCostOperation",
        amount=D("-6.46"),
        accruals_for_sale=D("0"),
        sale_commission=D("0"),
        delivery_charge=D("0"),
        return_delivery_charge=D("0"),
        services=[],
    )

    assert by_key(parts(found, units={}, prices={})) == {(None, "marketing"): D("-6.46")}


def test_a_positive_rest_without_items_is_income() -> None:
    found = charges(
        operation_type="OperationLackWriteOff",
        amount=D("1250.00"),
        accruals_for_sale=D("0"),
        sale_commission=D("0"),
        delivery_charge=D("0"),
        return_delivery_charge=D("0"),
        services=[],
    )

    assert by_key(parts(found, units={}, prices={})) == {(None, "income"): D("1250.00")}


def test_a_refunded_commission_on_a_return_is_positive_and_the_refunded_revenue_is_no_part() -> (
    None
):
    found = charges(
        operation_type="ClientReturnAgentOperation",
        amount=D("-477.90"),
        accruals_for_sale=D("-590.00"),
        sale_commission=D("112.10"),
        delivery_charge=D("0"),
        return_delivery_charge=D("0"),
        services=[],
    )

    assert by_key(parts(found, units={111: 1}, prices={})) == {(111, "commission"): D("112.10")}


def test_delivery_charges_of_old_operations_are_logistics_and_returns() -> None:
    found = charges(
        operation_type="OperationAgentDeliveredToCustomer",
        amount=D("-30.00"),
        accruals_for_sale=D("0"),
        sale_commission=D("0"),
        delivery_charge=D("-20.00"),
        return_delivery_charge=D("-10.00"),
        services=[],
    )

    assert by_key(parts(found, units={}, prices={})) == {
        (None, "logistics"): D("-20.00"),
        (None, "returns"): D("-10.00"),
    }
