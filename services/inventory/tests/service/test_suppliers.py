"""/v1/admin/suppliers: create, read, change, archive, list; tenants apart; bad input 4xx."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

SUPPLIERS = "/v1/admin/suppliers"


def _create(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post(SUPPLIERS, json={"name": "Yiwu Trading", **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_supplier_is_created_with_cny_as_its_default_currency(alice: httpx.Client) -> None:
    response = alice.post(SUPPLIERS, json={"name": "Yiwu Trading"})

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["currency"], body["contact"], body["notes"]) == (
        "Yiwu Trading",
        "CNY",
        {},
        None,
    )
    assert body["archived"] is False
    assert alice.get(f"{SUPPLIERS}/{body['id']}").json() == body


def test_a_supplier_keeps_its_contact_notes_and_currency(alice: httpx.Client) -> None:
    contact = {"person": "Li Wei", "wechat": "liwei88", "phones": ["+86 138 0000 0000"]}

    body = _create(alice, currency="usd", contact=contact, notes="MOQ 500")

    assert (body["currency"], body["contact"], body["notes"]) == ("USD", contact, "MOQ 500")


def test_a_second_supplier_with_the_same_name_in_another_case_is_a_409(
    alice: httpx.Client,
) -> None:
    _create(alice, name="Yiwu Trading")

    response = alice.post(SUPPLIERS, json={"name": "YIWU trading"})

    assert response.status_code == 409
    assert response.json()["error_code"] == "duplicate_supplier_name"


def test_patch_changes_only_the_fields_given_and_null_clears_notes(alice: httpx.Client) -> None:
    supplier = _create(alice, notes="old", contact={"person": "Li"})

    response = alice.patch(
        f"{SUPPLIERS}/{supplier['id']}", json={"name": "Yiwu Trading Co", "notes": None}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["notes"], body["contact"]) == (
        "Yiwu Trading Co",
        None,
        {"person": "Li"},
    )


def test_patch_archived_true_archives_and_false_restores(alice: httpx.Client) -> None:
    supplier = _create(alice)

    archived = alice.patch(f"{SUPPLIERS}/{supplier['id']}", json={"archived": True}).json()
    restored = alice.patch(f"{SUPPLIERS}/{supplier['id']}", json={"archived": False}).json()

    assert (archived["archived"], archived["archived_at"] is not None) == (True, True)
    assert (restored["archived"], restored["archived_at"]) == (False, None)


def test_the_list_searches_names_filters_archived_and_sorts(alice: httpx.Client) -> None:
    a = _create(alice, name="Alpha Plastics")
    _create(alice, name="Beta Metals")
    c = _create(alice, name="Gamma Plastics")
    alice.patch(f"{SUPPLIERS}/{c['id']}", json={"archived": True})

    plastics = alice.get(SUPPLIERS, params={"q": "plastics", "sort": "name:desc"}).json()
    active = alice.get(SUPPLIERS, params={"archived": "false"}).json()

    assert [s["name"] for s in plastics["items"]] == ["Gamma Plastics", "Alpha Plastics"]
    assert [s["name"] for s in active["items"]] == ["Alpha Plastics", "Beta Metals"]
    assert active["items"][0]["id"] == a["id"]
    assert active["total"] == 2


def test_list_pages_follow_next_cursor(alice: httpx.Client) -> None:
    for i in range(3):
        _create(alice, name=f"Supplier {i}")

    first = alice.get(SUPPLIERS, params={"limit": 2}).json()
    second = alice.get(SUPPLIERS, params={"limit": 2, "cursor": first["next_cursor"]}).json()

    assert [len(first["items"]), len(second["items"])] == [2, 1]
    assert second["next_cursor"] is None


def test_an_unknown_sort_field_is_a_400(alice: httpx.Client) -> None:
    response = alice.get(SUPPLIERS, params={"sort": "contact:asc"})

    assert response.status_code == 400
    assert response.json()["error_code"] == "invalid_sort"


def test_another_tenant_gets_404_and_does_not_list_the_supplier(
    alice: httpx.Client, bob: httpx.Client
) -> None:
    supplier = _create(alice)

    got = bob.get(f"{SUPPLIERS}/{supplier['id']}")
    patched = bob.patch(f"{SUPPLIERS}/{supplier['id']}", json={"name": "mine now"})

    assert (got.status_code, patched.status_code) == (404, 404)
    assert got.json()["error_code"] == "supplier_not_found"
    assert bob.get(SUPPLIERS).json()["total"] == 0
    assert alice.get(f"{SUPPLIERS}/{supplier['id']}").json()["name"] == "Yiwu Trading"


def test_an_unknown_supplier_is_a_404_problem(alice: httpx.Client) -> None:
    response = alice.get(f"{SUPPLIERS}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "ok", "currency": "XYZ"}, "currency"),
        ({"name": "ok", "currency": "RUBLE"}, "currency"),
        ({"name": "ok", "currency": 643}, "currency"),
        ({"name": "ok", "contact": ["not", "an", "object"]}, "contact"),
        ({"name": "ok", "contact": {"k": "a\x00"}}, "contact"),
        ({"name": "ok", "notes": "n" * 5001}, "notes"),
        ({"name": "ok", "rating": 5}, "rating"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    alice: httpx.Client, body: dict[str, Any], field: str
) -> None:
    response = alice.post(SUPPLIERS, json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [p["name"].split(".")[0] for p in response.json()["invalid_params"]]


def test_patch_refuses_null_for_a_required_field(alice: httpx.Client) -> None:
    supplier = _create(alice)

    response = alice.patch(f"{SUPPLIERS}/{supplier['id']}", json={"name": None})

    assert response.status_code == 422
