from decimal import Decimal

import pytest

from mpflow_platform.money import round_money, split_largest_remainder


def test_round_money_rounds_half_up_to_kopecks() -> None:
    assert round_money(Decimal("1.005")) == Decimal("1.01")
    assert round_money(Decimal("-1.005")) == Decimal("-1.01")
    assert round_money(Decimal("2.004")) == Decimal("2.00")


def test_split_gives_leftover_kopecks_to_largest_remainders() -> None:
    parts = split_largest_remainder(Decimal("100.00"), [Decimal(1), Decimal(1), Decimal(1)])

    assert parts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]


def test_split_parts_always_sum_to_the_total() -> None:
    import random

    rng = random.Random(7)
    for _ in range(500):
        total = Decimal(rng.randint(-(10**7), 10**7)) / 100
        weights = [Decimal(rng.randint(0, 1000)) / Decimal(7) for _ in range(rng.randint(1, 12))]

        parts = split_largest_remainder(total, weights)

        assert sum(parts) == total
        assert all(p == p.quantize(Decimal("0.01")) for p in parts)


def test_split_with_all_zero_weights_splits_equally() -> None:
    assert split_largest_remainder(Decimal("0.03"), [Decimal(0)] * 2) == [
        Decimal("0.02"),
        Decimal("0.01"),
    ]


def test_split_refuses_a_total_finer_than_the_quantum() -> None:
    with pytest.raises(ValueError):
        split_largest_remainder(Decimal("1.001"), [Decimal(1)])
