"""GET /v1/admin/master-cards/{id}: one card of the caller's tenant, 404 for anything else."""

from __future__ import annotations

import uuid

import httpx

CARDS = "/v1/admin/master-cards"


def test_a_card_is_read_back_as_it_was_created(alice: httpx.Client) -> None:
    created = alice.post(CARDS, json={"sku": "KETTLE-1", "title": "Чайник"}).json()

    response = alice.get(f"{CARDS}/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


def test_an_unknown_card_is_a_404_problem(alice: httpx.Client) -> None:
    card_id = uuid.uuid4()

    response = alice.get(f"{CARDS}/{card_id}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["error_code"] == "card_not_found"
    assert problem["instance"] == f"{CARDS}/{card_id}"


def test_another_tenants_card_is_a_404_as_if_it_did_not_exist(
    alice: httpx.Client, bob: httpx.Client
) -> None:
    card = alice.post(CARDS, json={"sku": "KETTLE-1", "title": "alice's"}).json()

    response = bob.get(f"{CARDS}/{card['id']}")

    assert response.status_code == 404
    assert response.json()["error_code"] == "card_not_found"


def test_an_id_that_is_not_a_uuid_is_a_422_naming_the_id(alice: httpx.Client) -> None:
    response = alice.get(f"{CARDS}/not-a-uuid")

    assert response.status_code == 422
    assert [p["name"] for p in response.json()["invalid_params"]] == ["card_id"]
