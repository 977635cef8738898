"""Bad input is a 4xx problem+json naming what is wrong, never a 500, and writes nothing."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mpflow_platform.http.identity import HEADER, Identity, sign_identity
from mpflow_platform.settings import DEV_SIGNING_KEY

Db = Callable[..., list[dict[str, Any]]]
CARDS = "/v1/admin/master-cards"
JSON = "application/json"
SOMEONE = Identity(user_id=uuid.uuid4(), username="someone", credential="session")


def _json(body: Any) -> bytes:
    return json.dumps(body).encode()


INVALID_BODIES = {
    "missing sku": (_json({"title": "t"}), JSON, "sku"),
    "missing title": (_json({"sku": "A-1"}), JSON, "title"),
    "blank title": (_json({"sku": "A-1", "title": "   "}), JSON, "title"),
    "empty sku": (_json({"sku": "", "title": "t"}), JSON, "sku"),
    "sku with spaces": (_json({"sku": "A 1", "title": "t"}), JSON, "sku"),
    "sku with a tab": (_json({"sku": "A\t1", "title": "t"}), JSON, "sku"),
    "sku with a NUL": (_json({"sku": "A\x001", "title": "t"}), JSON, "sku"),
    "sku too long": (_json({"sku": "S" * 65, "title": "t"}), JSON, "sku"),
    "sku not a string": (_json({"sku": 42, "title": "t"}), JSON, "sku"),
    "title null": (_json({"sku": "A-1", "title": None}), JSON, "title"),
    "title too long": (_json({"sku": "A-1", "title": "t" * 501}), JSON, "title"),
    "huge title": (_json({"sku": "A-1", "title": "t" * 2_000_000}), JSON, "title"),
    "title with a NUL": (_json({"sku": "A-1", "title": "a\x00b"}), JSON, "title"),
    "title with a lone surrogate": (b'{"sku": "A-1", "title": "a\\ud800b"}', JSON, "title"),
    "extra field": (_json({"sku": "A-1", "title": "t", "price": "1.00"}), JSON, "price"),
    "a JSON array": (_json([{"sku": "A-1", "title": "t"}]), JSON, "body"),
    "JSON null": (b"null", JSON, "body"),
    "not JSON": (b"sku=A-1&title=t", JSON, None),
    "truncated JSON": (b'{"sku": "A-1", "title": "t"', JSON, None),
    "empty body": (b"", JSON, None),
    "a text/plain body": (b'{"sku": "A-1", "title": "t"}', "text/plain", "body"),
}


@pytest.mark.parametrize(
    ("content", "content_type", "param"), INVALID_BODIES.values(), ids=INVALID_BODIES.keys()
)
def test_an_invalid_card_is_a_422_problem_and_nothing_is_stored(
    alice: httpx.Client, db: Db, content: bytes, content_type: str, param: str | None
) -> None:
    response = alice.post(CARDS, content=content, headers={"Content-Type": content_type})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["error_code"] == "validation_error"
    assert problem["invalid_params"]
    if param is not None:
        assert param in [p["name"] for p in problem["invalid_params"]]
    assert db("SELECT count(*) AS n FROM catalog.master_cards")[0]["n"] == 0
    assert db("SELECT count(*) AS n FROM catalog.outbox")[0]["n"] == 0


def test_a_body_that_is_not_utf8_is_a_400_problem(alice: httpx.Client, db: Db) -> None:
    response = alice.post(
        CARDS, content=b'{"sku": "\xff\xfe", "title": "t"}', headers={"Content-Type": JSON}
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert db("SELECT count(*) AS n FROM catalog.master_cards")[0]["n"] == 0


def test_an_unsigned_call_is_refused_with_401(unsigned: httpx.Client) -> None:
    for response in (
        unsigned.get(CARDS),
        unsigned.post(CARDS, json={"sku": "A-1", "title": "t"}),
    ):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["error_code"] == "gateway_signature_required"


FORGED_HEADERS = {
    "signed for another path": lambda: _sign(path="/v1/admin/inventory"),
    "signed for another method": lambda: _sign(method="POST"),
    "signed with another key": lambda: _sign(key="another-key-0123456789"),
    "expired": lambda: _sign(now=time.time() - 3600),
    "malformed": lambda: "not-a-signed-identity",
}


def _sign(
    *, method: str = "GET", path: str = CARDS, key: str = DEV_SIGNING_KEY, now: float | None = None
) -> str:
    return sign_identity(SOMEONE, key=key, method=method, path=path, now=now)


@pytest.mark.parametrize("forge", FORGED_HEADERS.values(), ids=FORGED_HEADERS.keys())
def test_an_identity_not_signed_for_this_call_is_refused_with_401(
    unsigned: httpx.Client, forge: Callable[[], str]
) -> None:
    response = unsigned.get(CARDS, headers={HEADER: forge()})

    assert response.status_code == 401
    assert response.json()["error_code"] == "gateway_signature_required"


def test_an_anonymous_call_signed_by_the_gateway_is_a_401_problem(
    anonymous: httpx.Client,
) -> None:
    for response in (
        anonymous.get(CARDS),
        anonymous.post(CARDS, json={"sku": "A-1", "title": "t"}),
    ):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["error_code"] == "unauthorized"
