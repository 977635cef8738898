"""What a credential may do: the scope vocabulary and the one rule that checks it.

Scopes (granted to API keys; sessions and SSO tokens carry `*`):

- `*`                       everything the account's role allows;
- `admin:read`, `admin:write` the whole Admin API (`/v1/admin/*`), reading / everything;
- `mcp`, `tools`            the MCP endpoint and the Tool API (not the Admin API);
- `<domain>:read`, `<domain>:write`, `<domain>:*` for the domains catalog, inventory,
  finance and ozon: their part of the Admin API (`:write` includes `:read`).

Account administration (users, API keys, settings) belongs to no domain: it needs `*` or
an `admin:*` scope. Pure functions; the gateway enforces them on every request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DOMAINS = ("catalog", "inventory", "finance", "ozon")
#: The pseudo-domain of account administration (users, API keys, tenant settings).
ADMIN = "admin"
SURFACES = ("mcp", "tools")

ALL_SCOPES: tuple[str, ...] = (
    "*",
    "admin:read",
    "admin:write",
    *SURFACES,
    *(f"{domain}:{level}" for domain in DOMAINS for level in ("read", "write", "*")),
)
_KNOWN = frozenset(ALL_SCOPES)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Requirement:
    """What a request needs: access to `domain` (a DOMAINS entry or ADMIN), or a surface."""

    domain: str
    write: bool

    def __str__(self) -> str:
        if self.domain in SURFACES:
            return self.domain
        return f"{self.domain}:{'write' if self.write else 'read'}"


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    """The entries of `scopes` that are not in the vocabulary."""
    return [scope for scope in scopes if scope not in _KNOWN]


def for_request(domain: str, method: str) -> Requirement:
    """The requirement of an Admin API request on `domain` with HTTP `method`."""
    return Requirement(domain=domain, write=method.upper() not in READ_METHODS)


def allows(granted: Iterable[str], needed: Requirement) -> bool:
    """Whether scopes `granted` cover `needed`."""
    granted = frozenset(granted)
    if "*" in granted:
        return True
    if needed.domain in SURFACES:
        return needed.domain in granted
    if "admin:write" in granted or (not needed.write and "admin:read" in granted):
        return True
    if needed.domain == ADMIN:
        return False
    domain = needed.domain
    if f"{domain}:*" in granted or f"{domain}:write" in granted:
        return True
    return not needed.write and f"{domain}:read" in granted


def covers(granted: Iterable[str], requested: Iterable[str]) -> bool:
    """Whether a credential holding `granted` may hand out `requested` (no escalation)."""
    granted = frozenset(granted)
    if "*" in granted:
        return True
    for scope in requested:
        if scope in granted:
            continue
        if scope == "*" or scope in SURFACES:
            return False
        if scope == "admin:read" and "admin:write" in granted:
            continue
        if scope.startswith("admin:"):
            return False
        domain, _, level = scope.partition(":")
        if not allows(granted, Requirement(domain, write=level != "read")):
            return False
        if level == "*" and not allows(granted, Requirement(domain, write=True)):
            return False
    return True
