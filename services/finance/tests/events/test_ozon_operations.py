"""Ozon finance operations (`mpflow.ozon.finance.operation`) published through real JetStream
become fee accruals (DOMAIN.md §8): split per SKU to the kopeck (commission by price share,
services by quantity), linked to the posting's sale, never the revenue (the posting's sale
carries it); account-level charges without a card; compensations as income. The same
operation received again changes nothing; a restated one updates its rows in place."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D
from typing import Any
from uuid import UUID

from finance.main import SERVICE
from mpflow_platform.events import new_event
from mpflow_testing.identity import ALICE
from mpflow_testing.jetstream import JetStream

Db = Callable[..., list[dict[str, Any]]]
assert ALICE.user_id is not None
ALICE_USER: UUID = ALICE.user_id
BLACK, WHITE = 1703412671, 1703412688


def publish(jetstream: JetStream, event_type: str, data: dict[str, Any]) -> None:
    """Publish as the ozon service does (a new event id every time); wait until finance
    handled it."""
    seq, duplicate = jetstream.publish(
        new_event(event_type, data, user_id=ALICE_USER, source="ozon")
    )
    assert not duplicate
    jetstream.wait_handled(seq, consumer=SERVICE)


def sale_operation(operation_id: int, number: str, **changes: Any) -> dict[str, Any]:
    """A delivered posting's operation: 2 black mugs and 1 white one (Ozon lists items once
    per unit)."""
    return {
        "operation_id": operation_id,
        "operation_type": "OperationAgentDeliveredToCustomer",
        "operation_type_name": "Доставка покупателю",
        "operation_date": "2026-05-15T21:00:00Z",
        "type": "orders",
        "account_id": None,
        "posting_number": number,
        "scheme": "fbo",
        "items": [
            {"sku": BLACK, "name": "black mug"},
            {"sku": BLACK, "name": "black mug"},
            {"sku": WHITE, "name": "white mug"},
        ],
        "services": [
            {"name": "MarketplaceServiceItemDirectFlowLogistic", "price": "-189.00"},
            {"name": "MarketplaceServiceItemDelivToCustomer", "price": "-75.01"},
            {"name": "MarketplaceRedistributionOfAcquiringOperation", "price": "-28.32"},
        ],
        "accruals_for_sale": "1790.00",
        "sale_commission": "-340.11",
        "amount": "1157.56",
        "delivery_charge": "0.00",
        "return_delivery_charge": "0.00",
        **changes,
    }


def account_operation(operation_id: int, operation_type: str, amount: str) -> dict[str, Any]:
    return {
        "operation_id": operation_id,
        "operation_type": operation_type,
        "operation_type_name": operation_type,
        "operation_date": "2026-05-20T21:00:00Z",
        "type": "services" if amount.startswith("-") else "compensation",
        "account_id": None,
        "posting_number": "",
        "scheme": None,
        "items": [],
        "services": [],
        "accruals_for_sale": "0.00",
        "sale_commission": "0.00",
        "amount": amount,
        "delivery_charge": "0.00",
        "return_delivery_charge": "0.00",
    }


def rows_of(db: Db, operation_id: int) -> list[dict[str, Any]]:
    return db(
        "SELECT source_key, kind, fee_type, amount, card_id, sale_id, sale_line_id, occurred_at, "
        "source, description, updated_at FROM finance.accruals "
        "WHERE user_id = $1 AND source_key LIKE $2 ORDER BY source_key",
        ALICE_USER,
        f"ozon:op:{operation_id}:%",
    )


def by_sku_and_type(rows: list[dict[str, Any]]) -> dict[tuple[UUID | None, str], D]:
    return {(r["card_id"], r["fee_type"] or r["kind"]): r["amount"] for r in rows}


def record_posting(jetstream: JetStream, db: Db, number: str) -> dict[str, Any]:
    """The posting of the operation, as a sale: 2 black mugs at 590, 1 white at 610."""
    publish(
        jetstream,
        "ozon.posting.upserted",
        {
            "posting_number": number,
            "scheme": "fbo",
            "status": "delivered",
            "in_process_at": "2026-05-11T09:00:00Z",
            "products": [
                {"sku": BLACK, "offer_id": "BLK", "quantity": 2, "price": "590.00"},
                {"sku": WHITE, "offer_id": "WHT", "quantity": 1, "price": "610.00"},
            ],
        },
    )
    [sale] = db("SELECT id FROM finance.sales WHERE external_id = $1", number)
    lines = db(
        "SELECT id, card_id FROM finance.sale_lines WHERE sale_id = $1 ORDER BY line_no", sale["id"]
    )
    return {"id": sale["id"], "lines": {ln["card_id"]: ln["id"] for ln in lines}}


def test_an_operation_of_a_two_item_posting_is_split_per_sku_to_the_kopeck(
    add_card: Callable[..., UUID], jetstream: JetStream, db: Db
) -> None:
    black = add_card("MUG-BLK", ozon_sku=BLACK)
    white = add_card("MUG-WHT", ozon_sku=WHITE)
    sale = record_posting(jetstream, db, "58544282-0057-1")

    publish(jetstream, "ozon.finance.operation", sale_operation(29301655713, "58544282-0057-1"))

    rows = rows_of(db, 29301655713)
    assert by_sku_and_type(rows) == {
        # Commission −340.11 by price share 1180 : 610 (largest remainder in kopecks).
        (black, "commission"): D("-224.21"),
        (white, "commission"): D("-115.90"),
        # Services by quantity share 2 : 1.
        (black, "logistics"): D("-126.00"),
        (white, "logistics"): D("-63.00"),
        (black, "last_mile"): D("-50.01"),
        (white, "last_mile"): D("-25.00"),
        (black, "acquiring"): D("-18.88"),
        (white, "acquiring"): D("-9.44"),
    }
    assert sum(r["amount"] for r in rows) == D("1157.56") - D("1790.00"), "revenue is the sale's"
    assert all(r["kind"] == "fee" and r["source"] == "ozon" for r in rows)
    assert all(r["sale_id"] == sale["id"] for r in rows)
    assert all(r["sale_line_id"] == sale["lines"][r["card_id"]] for r in rows)
    assert all(r["occurred_at"].isoformat() == "2026-05-15T21:00:00+00:00" for r in rows)
    revenue = db(
        "SELECT sum(amount) AS s FROM finance.accruals WHERE user_id = $1 AND kind = 'revenue'",
        ALICE_USER,
    )
    assert revenue[0]["s"] == D("1790.00"), "the sale's revenue, counted once"


def test_the_same_operation_published_again_changes_nothing(
    add_card: Callable[..., UUID], jetstream: JetStream, db: Db
) -> None:
    add_card("MUG-BLK", ozon_sku=BLACK)
    add_card("MUG-WHT", ozon_sku=WHITE)
    record_posting(jetstream, db, "1-1-1")
    publish(jetstream, "ozon.finance.operation", sale_operation(1001, "1-1-1"))
    before = rows_of(db, 1001)

    publish(jetstream, "ozon.finance.operation", sale_operation(1001, "1-1-1"))

    assert rows_of(db, 1001) == before, "no duplicate, not even an update"
    assert len(before) == 8


def test_a_restated_operation_updates_its_rows_and_drops_a_removed_service(
    add_card: Callable[..., UUID], jetstream: JetStream, db: Db
) -> None:
    black = add_card("MUG-BLK", ozon_sku=BLACK)
    white = add_card("MUG-WHT", ozon_sku=WHITE)
    record_posting(jetstream, db, "2-2-2")
    publish(jetstream, "ozon.finance.operation", sale_operation(2002, "2-2-2"))

    restated = sale_operation(
        2002,
        "2-2-2",
        services=[{"name": "MarketplaceServiceItemDirectFlowLogistic", "price": "-201.00"}],
        sale_commission="-300.00",
        amount="1289.00",
    )
    publish(jetstream, "ozon.finance.operation", restated)

    rows = rows_of(db, 2002)
    assert by_sku_and_type(rows) == {
        (black, "commission"): D("-197.77"),
        (white, "commission"): D("-102.23"),
        (black, "logistics"): D("-134.00"),
        (white, "logistics"): D("-67.00"),
    }
    assert sum(r["amount"] for r in rows) == D("-501.00")


def test_an_operation_before_its_posting_is_split_per_unit_then_rebooked_with_the_sale(
    add_card: Callable[..., UUID], jetstream: JetStream, db: Db
) -> None:
    black = add_card("MUG-BLK", ozon_sku=BLACK)
    white = add_card("MUG-WHT", ozon_sku=WHITE)
    publish(jetstream, "ozon.finance.operation", sale_operation(3003, "3-3-3"))

    early = by_sku_and_type(rows_of(db, 3003))
    assert (early[(black, "commission")], early[(white, "commission")]) == (
        D("-226.74"),
        D("-113.37"),
    ), "no prices yet: equal per unit"

    sale = record_posting(jetstream, db, "3-3-3")

    rows = rows_of(db, 3003)
    assert by_sku_and_type(rows)[(black, "commission")] == D("-224.21")
    assert all(r["sale_id"] == sale["id"] for r in rows)
    assert len(rows) == 8


def test_an_item_whose_sku_has_no_card_keeps_its_sku_and_gets_the_card_when_it_arrives(
    add_card: Callable[..., UUID], jetstream: JetStream, db: Db
) -> None:
    black = add_card("MUG-BLK", ozon_sku=BLACK)
    publish(jetstream, "ozon.finance.operation", sale_operation(4004, "4-4-4"))

    unlinked = [r for r in rows_of(db, 4004) if r["card_id"] is None]
    assert len(unlinked) == 4
    assert all(f"SKU {WHITE} (no card linked)" in r["description"] for r in unlinked)
    assert {r["card_id"] for r in rows_of(db, 4004)} == {black, None}

    white = add_card("MUG-WHT", ozon_sku=WHITE)

    assert {r["card_id"] for r in rows_of(db, 4004)} == {black, white}


def test_an_account_level_operation_is_a_charge_without_a_card(
    jetstream: JetStream, db: Db, stack: Any
) -> None:
    publish(
        jetstream,
        "ozon.finance.operation",
        account_operation(11401182187840, "MarketplaceMarketingActionCostOperation", "-6.46"),
    )
    publish(
        jetstream,
        "ozon.finance.operation",
        account_operation(11401182187841, "OperationMarketplaceServiceStorage", "-120.00"),
    )

    [marketing] = rows_of(db, 11401182187840)
    assert (marketing["kind"], marketing["fee_type"], marketing["amount"]) == (
        "fee",
        "marketing",
        D("-6.46"),
    )
    assert (marketing["card_id"], marketing["sale_id"]) == (None, None)
    assert marketing["source_key"] == "ozon:op:11401182187840:account:marketing"
    [storage] = rows_of(db, 11401182187841)
    assert (storage["fee_type"], storage["amount"], storage["card_id"]) == (
        "storage",
        D("-120.00"),
        None,
    )


def test_a_compensation_is_income(jetstream: JetStream, db: Db, stack: Any) -> None:
    publish(
        jetstream,
        "ozon.finance.operation",
        account_operation(5005, "MarketplaceSellerCompensationOperation", "1250.00"),
    )

    [income] = rows_of(db, 5005)
    assert (income["kind"], income["fee_type"], income["amount"], income["card_id"]) == (
        "income",
        None,
        D("1250.00"),
        None,
    )
