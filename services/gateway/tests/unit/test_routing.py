"""The routing table of API.md §1: router -> owning service."""

from __future__ import annotations

import pytest

from gateway import routing

API_MD_ROUTERS = {
    "auth": "auth",
    "users": "auth",
    "api-keys": "auth",
    "settings": "auth",
    "master-cards": "catalog",
    "pricing": "catalog",
    "supplier-orders": "inventory",
    "suppliers": "inventory",
    "inventory": "inventory",
    "logistics": "inventory",
    "planning": "inventory",
    "sales": "finance",
    "finance": "finance",
    "reports": "finance",
    "ozon": "ozon",
    "integrations": "ozon",
    "promotions": "ozon",
}


@pytest.mark.parametrize(("router", "service"), sorted(API_MD_ROUTERS.items()))
def test_each_api_router_maps_to_its_owning_service(router: str, service: str) -> None:
    assert routing.service_for(router) == service
    assert routing.service_for(f"{router}/some/deeper/path") == service


def test_routing_table_has_exactly_the_api_routers() -> None:
    assert routing.ROUTERS == API_MD_ROUTERS
    assert set(routing.ROUTERS.values()) == set(routing.SERVICES)


@pytest.mark.parametrize("path", ["", "orders", "catalog", "mcp", "internal/authenticate", "Sales"])
def test_unknown_router_maps_to_no_service(path: str) -> None:
    assert routing.service_for(path) is None


def test_absolute_admin_path_maps_to_its_service_and_other_paths_to_none() -> None:
    assert routing.service_for_url_path("/v1/admin/sales/1") == "finance"
    assert routing.service_for_url_path("/v1/tools/sales") is None
    assert routing.service_for_url_path("/health") is None


@pytest.mark.parametrize("path", ["auth/login", "auth/config"])
def test_login_and_config_are_public(path: str) -> None:
    assert routing.is_public(path)


@pytest.mark.parametrize("path", ["auth/logout", "auth/me", "auth/login/x", "auth", "users"])
def test_everything_else_needs_a_credential(path: str) -> None:
    assert not routing.is_public(path)


@pytest.mark.parametrize(
    ("path", "domain"),
    [
        ("master-cards/1", "catalog"),
        ("pricing/calc", "catalog"),
        ("supplier-orders", "inventory"),
        ("reports/pnl", "finance"),
        ("integrations/ozon/accounts", "ozon"),
        ("users/1", "admin"),
        ("api-keys", "admin"),
        ("settings", "admin"),
        ("auth/me", None),
        ("auth/logout", None),
    ],
)
def test_each_router_is_guarded_by_its_scope_domain(path: str, domain: str | None) -> None:
    assert routing.scope_domain(path) == domain
