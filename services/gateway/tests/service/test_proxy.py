"""Forwarding /v1/admin/* to the owning service: path, query, body, identity, headers, errors."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from mpflow_platform.http.identity import ANONYMOUS, HEADER, sign_identity
from mpflow_platform.settings import DEV_SIGNING_KEY

PROBLEM_JSON = "application/problem+json"


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("users/7", "auth"),
        ("master-cards", "catalog"),
        ("supplier-orders/1/receive", "inventory"),
        ("reports/pnl", "finance"),
        ("promotions/9/products", "ozon"),
    ],
)
def test_request_reaches_the_owning_service_at_the_same_path(
    alice: httpx.Client, path: str, service: str
) -> None:
    response = alice.get(f"/v1/admin/{path}")

    assert response.status_code == 200
    assert response.json()["service"] == service
    assert response.json()["path"] == f"/v1/admin/{path}"


def test_query_string_and_body_arrive_unchanged(alice: httpx.Client) -> None:
    body = b'{"qty": 3, "note": "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"}'

    response = alice.post(
        "/v1/admin/sales?date_from=2026-01-01&tag=a&tag=b%20c",
        content=body,
        headers={"content-type": "application/json", "idempotency-key": "k-1"},
    )

    echo = response.json()
    assert echo["method"] == "POST"
    assert echo["query"] == "date_from=2026-01-01&tag=a&tag=b%20c"
    assert echo["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert echo["headers"]["content-type"] == "application/json"
    assert echo["headers"]["idempotency-key"] == "k-1"


def test_percent_encoded_path_is_forwarded_as_sent(alice: httpx.Client) -> None:
    response = alice.get("/v1/admin/master-cards/a%2Fb%20c")

    assert response.status_code == 200
    assert response.json()["raw_path"] == "/v1/admin/master-cards/a%2Fb%20c"


def test_upstream_accepts_the_gateway_signature_for_the_callers_identity(
    alice: httpx.Client,
) -> None:
    response = alice.patch("/v1/admin/settings", json={"timezone": "UTC"})

    # The stand-in runs the platform's GatewaySignatureMiddleware: a 200 means it verified.
    assert response.status_code == 200
    identity = response.json()["identity"]
    assert identity["username"] == "alice"
    assert identity["user_id"] == "00000000-0000-7000-8000-00000000a11c"


def test_spoofed_identity_header_is_replaced_not_forwarded(alice: httpx.Client) -> None:
    forged = sign_identity(
        ANONYMOUS.__class__(username="root", is_platform_admin=True),
        key=DEV_SIGNING_KEY,
        method="GET",
        path="/v1/admin/users",
    )

    response = alice.get("/v1/admin/users", headers={HEADER: forged})

    echo = response.json()
    assert len(echo["identity_headers"]) == 1
    assert echo["identity_headers"] != [forged]
    assert echo["identity"]["username"] == "alice"
    assert echo["identity"]["is_platform_admin"] is False


def test_credentials_and_cookies_never_reach_the_service(gateway: str) -> None:
    with httpx.Client(base_url=gateway, trust_env=False) as http:
        response = http.get(
            "/v1/admin/inventory",
            headers={
                "Authorization": "Bearer tok-alice",
                "Cookie": "mpflow_session=tok-bob; theme=dark",
            },
        )

    headers = response.json()["headers"]
    assert "authorization" not in headers
    assert "cookie" not in headers


def test_forwarding_headers_describe_the_client_as_the_gateway_resolved_it(
    alice: httpx.Client,
) -> None:
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 (FORWARDED_ALLOW_IPS), as from nginx.
    response = alice.get("/v1/admin/finance/accruals", headers={"X-Forwarded-For": "203.0.113.9"})

    headers = response.json()["headers"]
    assert headers["x-forwarded-for"] == "203.0.113.9"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"] == alice.base_url.netloc.decode()


def test_request_id_from_the_client_reaches_the_service_and_comes_back(
    alice: httpx.Client,
) -> None:
    response = alice.get("/v1/admin/reports/dashboard", headers={"X-Request-ID": "req-4711"})

    assert response.json()["request_id"] == "req-4711"
    assert response.headers.get_list("x-request-id") == ["req-4711"]


def test_generated_request_id_is_the_same_upstream_and_in_the_response(
    alice: httpx.Client,
) -> None:
    response = alice.get("/v1/admin/reports/dashboard")

    assert response.json()["request_id"]
    assert response.headers.get_list("x-request-id") == [response.json()["request_id"]]


def test_upstream_response_headers_are_passed_through(alice: httpx.Client) -> None:
    response = alice.get("/v1/admin/ozon/sync/runs")

    assert response.headers["x-served-by"] == "ozon"
    assert response.headers["content-type"] == "application/json"


def test_upstream_status_and_problem_body_are_passed_through(alice: httpx.Client) -> None:
    response = alice.post("/v1/admin/master-cards/typed", json={"wrong": 1})

    assert response.status_code == 422
    assert response.json()["detail"]


def test_five_megabyte_upload_is_streamed_to_the_service(alice: httpx.Client) -> None:
    body = bytes(range(256)) * (5 * 1024 * 1024 // 256)

    def chunks() -> Any:
        for start in range(0, len(body), 256 * 1024):
            yield body[start : start + 256 * 1024]

    response = alice.post("/v1/admin/master-cards/import", content=chunks())

    assert response.status_code == 200
    assert response.json()["body_size"] == len(body)
    assert response.json()["body_sha256"] == hashlib.sha256(body).hexdigest()


def test_five_megabyte_download_is_streamed_to_the_client(alice: httpx.Client) -> None:
    size = 5 * 1024 * 1024
    received = 0

    with alice.stream("GET", f"/v1/admin/inventory/download?size={size}") as response:
        for chunk in response.iter_raw():
            received += len(chunk)

    assert response.status_code == 200
    assert received == size


def test_unknown_router_is_a_404_problem(alice: httpx.Client) -> None:
    response = alice.get("/v1/admin/no-such-router/1")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["error_code"] == "unknown_route"


def test_service_that_is_down_gives_a_502_problem_naming_it(
    start_gateway: Any, upstreams: Any, down_url: str
) -> None:
    base = start_gateway(**{**upstreams.env, "GATEWAY_FINANCE_URL": down_url})

    response = httpx.get(
        f"{base}/v1/admin/sales", headers={"Authorization": "Bearer tok-alice"}, trust_env=False
    )

    assert response.status_code == 502
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["error_code"] == "upstream_unavailable"
    assert "finance" in response.json()["detail"]


def test_service_slower_than_the_timeout_gives_a_504_problem(
    start_gateway: Any, upstreams: Any
) -> None:
    base = start_gateway(**upstreams.env, GATEWAY_UPSTREAM_TIMEOUT="0.3")

    response = httpx.get(
        f"{base}/v1/admin/finance/slow",
        headers={"Authorization": "Bearer tok-alice"},
        trust_env=False,
        timeout=10,
    )

    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["error_code"] == "upstream_timeout"
    assert "finance" in response.json()["detail"]
