"""`/openapi.json` merges the services' documents; `/docs` works offline."""

from __future__ import annotations

import re
from typing import Any

import httpx


def test_openapi_merges_the_admin_paths_of_every_service(client: httpx.Client) -> None:
    response = client.get("/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/v1/admin/master-cards/typed" in paths
    assert "/v1/admin/inventory/typed" in paths
    assert "/v1/admin/finance/typed" in paths
    assert "/ready" in paths
    assert not any(path.startswith("/internal") for path in paths)
    assert response.json()["x-mpflow-unavailable"] == []


def test_openapi_keeps_identical_schemas_once_and_renames_conflicting_ones(
    client: httpx.Client,
) -> None:
    document = client.get("/openapi.json").json()

    schemas = document["components"]["schemas"]
    assert "Money" in schemas
    assert "Item" not in schemas
    assert "catalog_Item" in schemas and "inventory_Item" in schemas
    body = document["paths"]["/v1/admin/inventory/typed"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/inventory_Item")


def test_openapi_marks_login_as_needing_no_credential_and_the_rest_as_needing_one(
    client: httpx.Client,
) -> None:
    document = client.get("/openapi.json").json()

    assert document["security"] == [{"bearer": []}, {"session_cookie": []}]
    assert {"bearer", "session_cookie"} <= set(document["components"]["securitySchemes"])
    assert document["paths"]["/v1/admin/auth/login"]["post"]["security"] == []
    assert "security" not in document["paths"]["/v1/admin/inventory/typed"]["post"]


def test_openapi_skips_a_service_that_is_down_and_says_so(
    start_gateway: Any, upstreams: Any, down_url: str
) -> None:
    base = start_gateway(**{**upstreams.env, "GATEWAY_CATALOG_URL": down_url})

    document = httpx.get(f"{base}/openapi.json", trust_env=False).json()

    assert document["x-mpflow-unavailable"] == ["catalog"]
    assert "/v1/admin/inventory/typed" in document["paths"]
    assert "/v1/admin/master-cards/typed" not in document["paths"]


def test_docs_page_loads_its_assets_from_the_gateway_itself(client: httpx.Client) -> None:
    page = client.get("/docs")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert "/docs/static/swagger-ui-bundle.js" in urls
    assert "/docs/static/swagger-ui.css" in urls
    assert not re.search(r"https?://", page.text)
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0


def test_docs_assets_outside_swagger_ui_are_a_404_problem(client: httpx.Client) -> None:
    response = client.get("/docs/static/%2e%2e%2fcore.py")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
