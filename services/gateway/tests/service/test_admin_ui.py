"""The built admin UI is served at `/` without hiding the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx


def test_admin_ui_is_served_at_the_root_and_the_api_still_wins(
    start_gateway: Any, upstreams: Any, tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>OpenMPFlow</title>")
    base = start_gateway(**upstreams.env, GATEWAY_ADMIN_UI_DIR=str(tmp_path))

    with httpx.Client(base_url=base, trust_env=False) as http:
        page = http.get("/")
        health = http.get("/health")
        api = http.get("/v1/admin/sales", headers={"Authorization": "Bearer tok-alice"})
        docs = http.get("/docs")
        spec = http.get("/openapi.json")

    assert page.status_code == 200 and "OpenMPFlow" in page.text
    assert health.json()["service"] == "gateway"
    assert api.json()["service"] == "finance"
    assert docs.headers["content-type"].startswith("text/html")
    assert "paths" in spec.json()


def test_without_admin_ui_the_root_is_a_404_problem(client: httpx.Client) -> None:
    response = client.get("/")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
