"""Signing in, and what happens without (or after) a valid session."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import RunningSystem


def test_admin_api_needs_a_credential(system: RunningSystem) -> None:
    response = httpx.get(f"{system.url}/v1/admin/master-cards")

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_login_with_a_wrong_password_is_refused(system: RunningSystem) -> None:
    response = httpx.post(
        f"{system.url}/v1/admin/auth/login",
        json={"username": system.admin_username, "password": "not-it-at-all"},
    )

    assert response.status_code == 401
    assert "access_token" not in response.text


def test_the_session_cookie_signs_the_browser_in(system: RunningSystem) -> None:
    with httpx.Client(base_url=system.url) as browser:
        login = browser.post(
            "/v1/admin/auth/login",
            json={"username": system.admin_username, "password": system.admin_password},
        )
        me = browser.get("/v1/admin/auth/me")

    assert "httponly" in login.headers["set-cookie"].lower()
    assert me.status_code == 200
    assert me.json()["username"] == system.admin_username


def test_a_logged_out_token_stops_working(system: RunningSystem) -> None:
    token = system.admin_token()
    with system.client(token) as client:
        assert client.get("/v1/admin/auth/me").status_code == 200

        assert client.post("/v1/admin/auth/logout").status_code == 204
        after = client.get("/v1/admin/auth/me")

    assert after.status_code == 401


def test_services_refuse_calls_that_bypass_the_gateway(system: RunningSystem) -> None:
    token = system.admin_token()

    response = httpx.get(
        f"{system.stack.url('catalog')}/v1/admin/master-cards",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 401
    assert response.json()["error_code"] == "gateway_signature_required"


def test_a_service_that_is_down_gives_a_502_problem(own_system: RunningSystem) -> None:
    token = own_system.admin_token()
    own_system.stack.stop_service("finance")

    with own_system.client(token) as client:
        response = client.get("/v1/admin/sales")
        ready = client.get("/ready")

    assert response.status_code == 502
    assert response.json()["error_code"] == "upstream_unavailable"
    assert ready.status_code == 503
    assert ready.json()["checks"]["services"]["finance"]["status"] == "down"
