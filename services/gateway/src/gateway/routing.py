"""Which domain service owns each `/v1/admin/<router>/...` path (API.md §1)."""

from __future__ import annotations

from mpflow_platform.http import scopes

ADMIN_PREFIX = "/v1/admin/"

#: The domain services behind the gateway, in the order they are reported and documented.
SERVICES = ("auth", "catalog", "inventory", "finance", "ozon")

#: First path segment after /v1/admin/ -> owning service.
ROUTERS: dict[str, str] = {
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

#: Paths (relative to /v1/admin/) forwarded without a credential, as the anonymous caller.
PUBLIC_PATHS = frozenset({"auth/login", "auth/config"})

#: Logging out ends the credential: the gateway forgets it at once (identity cache).
LOGOUT_PATH = "auth/logout"


def service_for(path: str) -> str | None:
    """The service owning `path` (relative to /v1/admin/, e.g. `sales/42`); None if unknown."""
    router = path.split("/", 1)[0]
    return ROUTERS.get(router)


def service_for_url_path(url_path: str) -> str | None:
    """The service owning an absolute URL path such as `/v1/admin/sales/42`."""
    if not url_path.startswith(ADMIN_PREFIX):
        return None
    return service_for(url_path[len(ADMIN_PREFIX) :])


#: Routers of account administration: they need `*` or an `admin:*` scope.
ADMIN_ROUTERS = frozenset({"users", "api-keys", "settings"})


def scope_domain(path: str) -> str | None:
    """The scope domain guarding `path` (relative to /v1/admin/): `admin` for account
    administration, the owning service for domain routers, None for `auth/*` (signing in
    and out, `auth/me`), which any credential may use."""
    router = path.split("/", 1)[0]
    if router == "auth":
        return None
    if router in ADMIN_ROUTERS:
        return scopes.ADMIN
    return ROUTERS.get(router)


def is_public(path: str) -> bool:
    """True when `path` (relative to /v1/admin/) needs no credential."""
    return path in PUBLIC_PATHS
