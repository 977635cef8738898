"""/v1/admin/pricing/*: the calculator and the commission tiers through the running app
(as the service's own database role, under row-level security)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

Db = Callable[..., list[dict[str, Any]]]
PRICING = "/v1/admin/pricing"
CSV = {"Content-Type": "text/csv"}
HEADER = "category,product_type,scheme,price_min,price_max,rate_percent,valid_from,valid_to\n"
GOOD_FILE = HEADER + "Игрушки,,FBO,0,500,10,2025-01-01,\n" + "Игрушки,,FBO,500,,20,2025-01-01,\n"
COSTS: dict[str, Any] = {
    "cogs": "300",
    "commission_percent": "10",
    "acquiring_percent": "1.5",
    "logistics": "50",
    "last_mile": "63",
    "storage_per_day": "2",
    "storage_days": 30,
    "return_rate_percent": "5",
    "return_cost": "50",
    "tax": {"mode": "usn_income", "rate_percent": "6"},
}


def _post(client: httpx.Client, path: str, body: dict[str, Any], status: int = 200) -> Any:
    response = client.post(f"{PRICING}/{path}", json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_forward_returns_the_breakdown_as_decimal_strings(alice: httpx.Client) -> None:
    result = _post(alice, "calculate", {"mode": "forward", "price": "1000", **COSTS})

    b = result["breakdown"]
    # 300 + 50 + 63 + 60 + 2.50 + commission 100 + acquiring 15 + tax 60 = 650.50
    assert b["price"] == "1000.00"
    assert b["commission"] == {
        "amount": "100.00",
        "rate_percent": "10.00",
        "source": "fixed",
        "tier": None,
    }
    assert b["acquiring"] == {"amount": "15.00", "rate_percent": "1.50"}
    assert b["storage"] == {"amount": "60.00", "per_day": "2.00", "days": 30}
    assert b["returns"] == {"amount": "2.50", "rate_percent": "5.00", "cost_per_return": "50.00"}
    assert b["tax"] == {
        "amount": "60.00",
        "mode": "usn_income",
        "rate_percent": "6.00",
        "base": "1000.00",
    }
    assert (b["total_costs"], b["profit"]) == ("650.50", "349.50")
    assert (b["margin_percent"], b["roi_percent"], b["markup_percent"]) == (
        "34.95",
        "116.50",
        "233.33",
    )
    assert result["conversions"] == []


def test_reverse_finds_the_lowest_price_for_a_margin_in_the_sample_tiers(
    alice: httpx.Client,
) -> None:
    body = {
        "mode": "reverse",
        "target": {"margin_percent": "20"},
        "cogs": "200",
        "commission": {"category": "электроника", "scheme": "FBO", "date": "2025-06-01"},
        "acquiring_percent": "0",
        "tax": {"mode": "none"},
    }

    result = _post(alice, "calculate", body)

    # Sample tiers: [0,100) 14 %, [100,300) 20 %, [300,1500) 22 % …
    # 14 %: 200 / 0.66 = 303.04 (outside); 20 %: 200 / 0.60 = 333.34 (outside);
    # 22 %: 200 / 0.58 = 344.827… → 344.83, inside [300, 1500).
    assert result["price"] == "344.83"
    assert result["iterations"] == 3
    assert [t["outcome"] for t in result["tiers_tried"]] == ["outside", "outside", "inside"]
    assert result["breakdown"]["commission"]["source"] == "sample"
    assert result["breakdown"]["commission"]["tier"] == {
        "price_min": "300.00",
        "price_max": "1500.00",
        "rate_percent": "22.00",
    }
    assert float(result["breakdown"]["margin_percent"]) >= 20


def test_breakeven_returns_a_price_with_zero_profit(alice: httpx.Client) -> None:
    body = {
        **COSTS,
        "cogs": "500",
        "logistics": "0",
        "last_mile": "0",
        "storage_days": 0,
        "return_rate_percent": "0",
    }

    result = _post(alice, "breakeven", body)

    # 500 / (1 − 0.10 − 0.015 − 0.06) = 606.06
    assert result["price"] == "606.06"
    assert result["breakdown"]["profit"] == "0.00"
    assert result["tiers_tried"] == [{"tier": None, "solution": "606.07", "outcome": "inside"}]


def test_an_unreachable_margin_is_a_422_naming_the_best_margin(alice: httpx.Client) -> None:
    body = {"mode": "reverse", "target": {"margin_percent": "90"}, **COSTS}

    problem = _post(alice, "calculate", body, status=422)

    # 1 − 0.10 − 0.015 − 0.06 = 82.5 % at most
    assert problem["error_code"] == "target_unreachable"
    assert problem["max_reachable_percent"] == "82.50"
    assert "82.50" in problem["detail"]


def test_a_price_below_every_tier_is_a_422(alice: httpx.Client) -> None:
    alice.post(
        f"{PRICING}/commissions/import",
        content=HEADER + "Игрушки,,FBO,100,,10,2025-01-01,\n",
        headers=CSV,
    )
    body = {
        "mode": "forward",
        "price": "99.99",
        "cogs": "10",
        "commission": {"category": "Игрушки", "scheme": "FBO", "date": "2025-02-01"},
        "tax": {"mode": "none"},
    }

    problem = _post(alice, "calculate", body, status=422)

    assert problem["error_code"] == "no_commission_tier"


def test_without_a_tax_the_tenants_settings_are_asked_and_their_absence_is_a_503(
    alice: httpx.Client,
) -> None:
    # The catalog under test has no auth service to ask (the tenant's tax comes from auth;
    # tests/e2e/test_pricing.py shows it through the whole system).
    body = {"mode": "forward", "price": "1000", "cogs": "100", "commission_percent": "10"}

    problem = _post(alice, "calculate", body, status=503)

    assert problem["error_code"] == "upstream_unavailable"
    assert "auth" in problem["detail"]


def test_a_foreign_cost_converts_at_its_rate(alice: httpx.Client) -> None:
    body = {
        "mode": "forward",
        "price": "1000",
        **COSTS,
        "cogs": {"amount": "23.35", "currency": "CNY", "rate": "12.8500"},
    }

    result = _post(alice, "calculate", body)

    # 23.35 × 12.85 = 300.0475 → 300.05
    assert result["breakdown"]["cogs"] == "300.05"
    assert result["conversions"] == [
        {
            "field": "cogs",
            "amount": "23.35",
            "currency": "CNY",
            "rate": "12.8500",
            "amount_base": "300.05",
        }
    ]


def test_commissions_fall_back_to_the_sample_for_a_new_tenant(alice: httpx.Client) -> None:
    response = alice.get(
        f"{PRICING}/commissions",
        params={"category": "Электроника", "scheme": "FBS", "date": "2025-06-01"},
    )

    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 4
    assert {t["source"] for t in page["items"]} == {"sample"}
    assert page["items"][0] == {
        "category": "Электроника",
        "product_type": "",
        "scheme": "FBS",
        "price_min": "0.00",
        "price_max": "100.00",
        "rate_percent": "15.00",
        "valid_from": "2025-01-01",
        "valid_to": None,
        "source": "sample",
    }


def test_an_import_replaces_the_sample_and_is_the_tenants_only(
    alice: httpx.Client, bob: httpx.Client, db: Db
) -> None:
    imported = alice.post(f"{PRICING}/commissions/import", content=GOOD_FILE, headers=CSV)

    assert imported.status_code == 200, imported.text
    assert imported.json() == {
        "dry_run": False,
        "rows": 2,
        "sets": [
            {
                "category": "Игрушки",
                "product_type": "",
                "scheme": "FBO",
                "valid_from": "2025-01-01",
                "tiers": 2,
            }
        ],
        "replaced": 0,
    }
    mine = alice.get(f"{PRICING}/commissions", params={"date": "2025-06-01"}).json()
    theirs = bob.get(f"{PRICING}/commissions", params={"date": "2025-06-01"}).json()
    assert [(t["category"], t["source"]) for t in mine["items"]] == [
        ("Игрушки", "file"),
        ("Игрушки", "file"),
    ]
    assert {t["source"] for t in theirs["items"]} == {"sample"}
    assert db("SELECT count(*) AS n FROM catalog.commission_tiers")[0]["n"] == 2


def test_reimporting_a_set_replaces_it_and_a_dry_run_stores_nothing(
    alice: httpx.Client, db: Db
) -> None:
    alice.post(f"{PRICING}/commissions/import", content=GOOD_FILE, headers=CSV)
    new_file = HEADER + "ИГРУШКИ,,FBO,0,,15,2025-01-01,\n"

    dry = alice.post(
        f"{PRICING}/commissions/import", params={"dry_run": "true"}, content=new_file, headers=CSV
    )
    real = alice.post(f"{PRICING}/commissions/import", content=new_file, headers=CSV)

    assert (dry.json()["dry_run"], dry.json()["replaced"]) == (True, 2)
    assert (real.json()["dry_run"], real.json()["replaced"]) == (False, 2)
    rates = db("SELECT rate_percent::text AS r FROM catalog.commission_tiers")
    assert rates == [{"r": "15.00"}]


def test_an_import_with_bad_rows_is_a_422_naming_each_and_stores_nothing(
    alice: httpx.Client, db: Db
) -> None:
    content = (
        HEADER
        + "Игрушки,,FBO,0,500,10,2025-01-01,\n"  # line 2: good
        + "Игрушки,,FBX,0,500,10,2025-01-01,\n"  # line 3: scheme
        + "Игрушки,,FBO,500,400,10,2025-01-01,\n"  # line 4: max below min
        + "Игрушки,,FBO,500,,101,2025-01-01,\n"  # line 5: rate
        + "Игрушки,,FBO,100,,10,2025-01-01,\n"  # line 6: overlaps line 2
        + "Игрушки,FBO\n"  # line 7: too few values
    )

    response = alice.post(f"{PRICING}/commissions/import", content=content, headers=CSV)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["error_code"] == "invalid_commission_file"
    assert [(e["line"], e["column"]) for e in problem["errors"]] == [
        (3, "scheme"),
        (4, None),
        (5, "rate_percent"),
        (6, "price_min"),
        (7, None),
    ]
    assert db("SELECT count(*) AS n FROM catalog.commission_tiers")[0]["n"] == 0


def test_an_import_that_is_not_csv_is_refused(alice: httpx.Client) -> None:
    as_json = alice.post(f"{PRICING}/commissions/import", json={"rows": []})
    not_utf8 = alice.post(
        f"{PRICING}/commissions/import", content=HEADER.encode() + b"\xff\xfe\n", headers=CSV
    )

    assert as_json.status_code == 415
    assert not_utf8.status_code == 422
    assert not_utf8.json()["errors"][0]["line"] == 2


INVALID = {
    "unknown field": {"mode": "forward", "price": "100", **COSTS, "discount": "5"},
    "negative amount": {"mode": "forward", "price": "100", **COSTS, "logistics": "-1"},
    "percent above 100": {"mode": "forward", "price": "100", **COSTS, "commission_percent": "101"},
    "money as a JSON number": {"mode": "forward", "price": 100, **COSTS},
    "foreign amount without a rate": {
        "mode": "forward",
        "price": "100",
        **COSTS,
        "cogs": {"amount": "10", "currency": "CNY"},
    },
    "both commissions": {
        "mode": "forward",
        "price": "100",
        **COSTS,
        "commission": {"category": "x", "scheme": "FBO"},
    },
    "a price in reverse mode": {
        "mode": "reverse",
        "price": "100",
        "target": {"margin_percent": "10"},
        **COSTS,
    },
    "two targets": {
        "mode": "reverse",
        "target": {"margin_percent": "10", "roi_percent": "10"},
        **COSTS,
    },
    "unknown mode": {"mode": "sideways", **COSTS},
    "NaN": {"mode": "forward", "price": "NaN", **COSTS},
    "huge amount": {"mode": "forward", "price": "1" * 40, **COSTS},
    "storage days as a string": {"mode": "forward", "price": "100", **COSTS, "storage_days": "3"},
    "a step of zero": {
        "mode": "reverse",
        "target": {"margin_percent": "10"},
        "price_step": "0",
        **COSTS,
    },
    "a NUL in the category": {
        "mode": "forward",
        "price": "100",
        **{k: v for k, v in COSTS.items() if k != "commission_percent"},
        "commission": {"category": "a\x00b", "scheme": "FBO"},
    },
}


@pytest.mark.parametrize("body", INVALID.values(), ids=INVALID.keys())
def test_invalid_input_is_a_422_problem(alice: httpx.Client, body: dict[str, Any]) -> None:
    response = alice.post(f"{PRICING}/calculate", json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["error_code"] == "validation_error"


def test_edge_inputs_never_give_a_500(alice: httpx.Client) -> None:
    bodies = [
        {"mode": "forward", "price": "0", **COSTS},
        {
            "mode": "forward",
            "price": {"amount": "0.0001", "currency": "CNY", "rate": "0.01"},
            **COSTS,
        },
        {"mode": "reverse", "target": {"roi_percent": "50"}, **COSTS, "cogs": "0"},
        {"mode": "reverse", "target": {"margin_percent": "100"}, **COSTS},
        {"mode": "reverse", "target": {"margin_percent": "-999.99"}, **COSTS},
        {"mode": "forward", "price": "1000000000", **COSTS, "commission_percent": "100"},
        {
            "mode": "reverse",
            "target": {"margin_percent": "10"},
            **COSTS,
            "price_step": "10000",
            "cogs": "1000000000",
        },
        {
            "mode": "forward",
            "price": "100",
            **{k: v for k, v in COSTS.items() if k != "commission_percent"},
            "commission": {"category": "нет такой", "scheme": "RFBS"},
        },
    ]

    statuses = [alice.post(f"{PRICING}/calculate", json=b).status_code for b in bodies]

    assert all(s in (200, 422) for s in statuses), statuses


def test_pricing_needs_a_signed_in_caller(anonymous: httpx.Client) -> None:
    response = anonymous.get(f"{PRICING}/commissions")

    assert response.status_code == 401


def test_a_target_past_any_price_is_a_422_not_a_crash(alice: httpx.Client) -> None:
    body = {
        "mode": "reverse",
        "target": {"roi_percent": "100000"},
        "cogs": {"amount": "1000000000", "currency": "USD", "rate": "1000000"},
        "commission_percent": "99.99",
        "acquiring_percent": "0",
        "tax": {"mode": "usn_income_minus_expense", "rate_percent": "99.99"},
    }

    problem = _post(alice, "calculate", body, status=422)

    assert problem["error_code"] == "target_unreachable"
