"""Landed cost of a supplier order (DOMAIN.md §2, §4a)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.costing.landed import (
    Charge,
    ManualMismatch,
    Method,
    MissingBasis,
    NegativeLandedValue,
    OrderLine,
    ZeroBasis,
    allocate,
)

A = OrderLine("A", 100, D("10"), weight_kg=D("0.2"), volume_l=D("1.5"))
B = OrderLine("B", 50, D("40"), weight_kg=D("1.0"), volume_l=D("3"))
RATE = D("12.5")


def shares(lines: list[OrderLine[str]], charge: Charge[str], rate: D = RATE) -> list[D]:
    allocation = allocate(lines, rate, [charge])
    return [line.shares[0].amount_base for line in allocation.lines]


def test_the_public_worked_example_is_reproduced_to_the_kopeck() -> None:
    freight = Charge[str]("freight", D("3000"), D("1"), "by_weight")
    customs = Charge[str]("customs", D("1875"), D("1"), "by_value")

    allocation = allocate([A, B], RATE, [freight, customs])

    a, b = allocation.line("A"), allocation.line("B")
    assert (a.line_value_base, b.line_value_base) == (D("12500.00"), D("25000.00"))
    assert [s.amount_base for s in a.shares] == [D("857.14"), D("625.00")]
    assert [s.amount_base for s in b.shares] == [D("2142.86"), D("1250.00")]
    assert (a.line_landed_value, b.line_landed_value) == (D("13982.14"), D("28392.86"))
    assert (a.landed_unit_cost, b.landed_unit_cost) == (D("139.8214"), D("567.8572"))


def test_shares_carry_their_basis_for_the_explain_view() -> None:
    freight = Charge[str]("freight", D("3000"), D("1"), "by_weight")

    allocation = allocate([A, B], RATE, [freight])

    assert [line.shares[0].basis for line in allocation.lines] == [D("20.0"), D("50.0")]
    assert allocation.charges[0].charge_base == D("3000.00")
    assert allocation.charges[0].basis_total == D("70.0")


def test_a_charge_in_a_foreign_currency_is_converted_then_rounded_half_up() -> None:
    agent = Charge[str]("agent", D("100.005"), D("1"), "by_quantity")
    cny = Charge[str]("cny", D("33.33"), D("12.345"), "equal")

    allocation = allocate([A, B], RATE, [agent, cny])

    assert allocation.charges[0].charge_base == D("100.01")
    assert allocation.charges[1].charge_base == D("411.46")  # 411.45885 half-up


def test_by_quantity_splits_on_units_ordered() -> None:
    assert shares([A, B], Charge("c", D("300"), D("1"), "by_quantity")) == [
        D("200.00"),
        D("100.00"),
    ]


def test_by_volume_splits_on_units_times_volume() -> None:
    # A 150 l, B 150 l
    assert shares([A, B], Charge("c", D("100.01"), D("1"), "by_volume")) == [D("50.01"), D("50.00")]


def test_equal_gives_each_line_the_same_share_and_the_leftover_kopeck_to_the_earlier_line() -> None:
    c = OrderLine("C", 1, D("1"))

    result = shares([A, B, c], Charge("c", D("1.00"), D("1"), "equal"))

    assert result == [D("0.34"), D("0.33"), D("0.33")]


def test_a_tie_on_the_remainder_goes_to_the_earlier_line() -> None:
    first, second = OrderLine("X", 1, D("5")), OrderLine("Y", 1, D("5"))

    assert shares([first, second], Charge("c", D("0.01"), D("1"), "by_value"), D("1")) == [
        D("0.01"),
        D("0.00"),
    ]
    assert shares([second, first], Charge("c", D("0.01"), D("1"), "by_value"), D("1")) == [
        D("0.01"),
        D("0.00"),
    ]


def test_missing_weight_names_every_line_that_lacks_it() -> None:
    c, d = OrderLine("C", 1, D("1")), OrderLine("D", 2, D("1"), volume_l=D("1"))

    with pytest.raises(MissingBasis) as error:
        allocate([c, A, d], RATE, [Charge("freight", D("10"), D("1"), "by_weight")])

    assert error.value.method == "by_weight"
    assert error.value.line_ids == ("C", "D")
    assert error.value.charge_id == "freight"
    assert "['C', 'D']" in str(error.value)


def test_missing_volume_names_the_lines_that_lack_it() -> None:
    c = OrderLine("C", 1, D("1"), weight_kg=D("1"))

    with pytest.raises(MissingBasis) as error:
        allocate([A, c], RATE, [Charge("freight", D("10"), D("1"), "by_volume")])

    assert (error.value.method, error.value.line_ids) == ("by_volume", ("C",))


def test_manual_amounts_in_base_currency_are_taken_exactly() -> None:
    charge = Charge("pack", D("10.00"), D("1"), "manual", {"A": D("3.33"), "B": D("6.67")})

    assert shares([A, B], charge) == [D("3.33"), D("6.67")]


def test_manual_amounts_in_a_foreign_currency_are_converted_to_sum_to_the_charge_base() -> None:
    charge = Charge("pack", D("1.00"), D("12.345"), "manual", {"A": D("0.33"), "B": D("0.67")})

    result = shares([A, B], charge)

    assert result == [D("4.08"), D("8.27")]  # 12.35 × 0.33 = 4.0755, 12.35 × 0.67 = 8.2745
    assert sum(result) == D("12.35")


def test_a_line_left_out_of_the_manual_amounts_gets_nothing() -> None:
    charge = Charge("pack", D("10"), D("1"), "manual", {"B": D("10")})

    assert shares([A, B], charge) == [D("0.00"), D("10.00")]


def test_manual_amounts_that_do_not_sum_to_the_charge_are_refused() -> None:
    charge = Charge("pack", D("10.00"), D("1"), "manual", {"A": D("3.33"), "B": D("6.66")})

    with pytest.raises(ManualMismatch) as error:
        allocate([A, B], RATE, [charge])

    assert (error.value.charge_id, error.value.expected, error.value.got) == (
        "pack",
        D("10.00"),
        D("9.99"),
    )


def test_manual_amounts_for_lines_not_in_the_order_are_refused_by_name() -> None:
    charge = Charge("pack", D("10"), D("1"), "manual", {"A": D("5"), "Z": D("5")})

    with pytest.raises(ManualMismatch) as error:
        allocate([A, B], RATE, [charge])

    assert error.value.unknown_line_ids == ("Z",)


def test_manual_amounts_against_the_sign_of_the_charge_are_refused() -> None:
    charge = Charge("pack", D("10"), D("1"), "manual", {"A": D("15"), "B": D("-5")})

    with pytest.raises(ManualMismatch) as error:
        allocate([A, B], RATE, [charge])

    assert error.value.wrong_sign_line_ids == ("B",)


def test_a_line_with_zero_weight_gets_no_share_of_a_weight_charge() -> None:
    free = OrderLine("F", 10, D("1"), weight_kg=D("0"))

    assert shares([free, B], Charge("c", D("99.99"), D("1"), "by_weight")) == [
        D("0.00"),
        D("99.99"),
    ]


def test_a_charge_over_a_basis_that_is_zero_on_every_line_is_refused() -> None:
    free = OrderLine("F", 10, D("1"), weight_kg=D("0"))
    gift = OrderLine("G", 10, D("0"), weight_kg=D("0"))

    with pytest.raises(ZeroBasis) as error:
        allocate([free, gift], RATE, [Charge("c", D("5"), D("1"), "by_weight")])

    assert (error.value.charge_id, error.value.method) == ("c", "by_weight")


def test_a_zero_charge_over_a_zero_basis_is_zero_everywhere() -> None:
    gift = OrderLine("G", 10, D("0"))

    assert shares([gift], Charge("c", D("0"), D("1"), "by_value")) == [D("0.00")]


def test_a_negative_charge_is_split_exactly_with_its_sign() -> None:
    discount = Charge[str]("discount", D("-1000.01"), D("1"), "by_quantity")

    result = shares([A, B], discount)

    assert result == [D("-666.67"), D("-333.34")]
    assert sum(result) == D("-1000.01")


def test_a_negative_charge_larger_than_a_line_value_is_refused() -> None:
    discount = Charge[str]("discount", D("-30000"), D("1"), "equal")

    with pytest.raises(NegativeLandedValue) as error:
        allocate([A, B], RATE, [discount])

    assert error.value.line_ids == ("A",)


def test_an_order_without_charges_lands_at_its_value() -> None:
    allocation = allocate([A, B], RATE, [])

    assert [line.line_landed_value for line in allocation.lines] == [D("12500.00"), D("25000.00")]
    assert allocation.line("B").landed_unit_cost == D("500.0000")


@pytest.mark.parametrize(
    "line",
    [OrderLine("X", 0, D("1")), OrderLine("X", 1, D("-1")), OrderLine("X", 1, D("1"), D("-1"))],
)
def test_malformed_lines_are_refused(line: OrderLine[str]) -> None:
    with pytest.raises(ValueError):
        allocate([line], RATE, [])


# ---- properties -------------------------------------------------------------------------

METHODS: list[Method] = ["by_value", "by_quantity", "by_weight", "by_volume", "equal", "manual"]
money = st.decimals(min_value=0, max_value=10_000, places=2)
sizes = st.decimals(min_value=0, max_value=50, places=3)
rates = st.decimals(min_value=D("0.0001"), max_value=200, places=4)


@st.composite
def orders(draw: st.DrawFn) -> tuple[list[OrderLine[int]], D, list[Charge[int]]]:
    """1–6 lines with sizes and 0–5 charges of any method, sign and rate."""
    n = draw(st.integers(1, 6))
    lines = [
        OrderLine(
            i,
            draw(st.integers(1, 10_000)),
            draw(money),
            draw(sizes) + D("0.001"),
            draw(sizes) + D("0.001"),
        )
        for i in range(n)
    ]
    charges: list[Charge[int]] = []
    for k in range(draw(st.integers(0, 5))):
        method = draw(st.sampled_from(METHODS))
        sign = draw(st.sampled_from([1, 1, 1, -1]))  # mostly charges, some credits
        manual = None
        amount = sign * draw(money)
        if method == "manual":
            parts = [sign * draw(money) for _ in lines]
            manual = dict(enumerate(parts))
            amount = sum(parts, D(0))
        charges.append(Charge(f"c{k}", amount, draw(rates), method, manual))
    return lines, draw(rates), charges


@given(orders())
def test_every_charge_is_split_exactly_and_landed_values_add_up(
    order: tuple[list[OrderLine[int]], D, list[Charge[int]]],
) -> None:
    lines, rate, charges = order
    try:
        allocation = allocate(lines, rate, charges)
    except (ZeroBasis, NegativeLandedValue):
        return  # by_value over an all-free order, or credits beyond a line's value: refused

    for k, total in enumerate(allocation.charges):
        parts = [line.shares[k].amount_base for line in allocation.lines]
        assert sum(parts) == total.charge_base
        assert all(part * total.charge_base >= 0 for part in parts)  # never against its sign
    assert sum(line.line_landed_value for line in allocation.lines) == sum(
        line.line_value_base for line in allocation.lines
    ) + sum(total.charge_base for total in allocation.charges)
    for line in allocation.lines:
        assert line.line_landed_value >= 0
        assert line.line_landed_value == line.line_landed_value.quantize(D("0.01"))
