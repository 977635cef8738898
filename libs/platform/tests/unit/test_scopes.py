"""The scope rule the gateway applies to every request, and the no-escalation rule."""

from __future__ import annotations

import pytest

from mpflow_platform.http.scopes import ALL_SCOPES, Requirement, allows, covers, for_request

CATALOG_READ = Requirement("catalog", write=False)
CATALOG_WRITE = Requirement("catalog", write=True)
ADMIN_READ = Requirement("admin", write=False)
ADMIN_WRITE = Requirement("admin", write=True)


@pytest.mark.parametrize(
    ("granted", "needed", "expected"),
    [
        (["*"], ADMIN_WRITE, True),
        (["*"], Requirement("mcp", write=False), True),
        (["catalog:read"], CATALOG_READ, True),
        (["catalog:read"], CATALOG_WRITE, False),
        (["catalog:write"], CATALOG_READ, True),
        (["catalog:*"], CATALOG_WRITE, True),
        (["inventory:*"], CATALOG_READ, False),
        (["catalog:*"], ADMIN_READ, False),
        (["admin:read"], CATALOG_READ, True),
        (["admin:read"], CATALOG_WRITE, False),
        (["admin:read"], ADMIN_READ, True),
        (["admin:read"], ADMIN_WRITE, False),
        (["admin:write"], ADMIN_WRITE, True),
        (["admin:write"], Requirement("finance", write=True), True),
        (["mcp"], CATALOG_READ, False),
        (["admin:write"], Requirement("mcp", write=False), False),
        (["mcp"], Requirement("mcp", write=False), True),
        ([], CATALOG_READ, False),
    ],
)
def test_allows(granted: list[str], needed: Requirement, expected: bool) -> None:
    assert allows(granted, needed) is expected


def test_reading_methods_need_read_and_the_others_write() -> None:
    assert [for_request("catalog", m).write for m in ("GET", "HEAD", "OPTIONS")] == [False] * 3
    assert [for_request("catalog", m).write for m in ("POST", "PUT", "PATCH", "DELETE")] == [
        True
    ] * 4


@pytest.mark.parametrize("requested", [[s] for s in ALL_SCOPES])
def test_everything_covers_every_scope(requested: list[str]) -> None:
    assert covers(["*"], requested)


@pytest.mark.parametrize(
    ("granted", "requested", "expected"),
    [
        (["catalog:*"], ["catalog:read", "catalog:write"], True),
        (["catalog:*"], ["catalog:*"], True),
        (["catalog:write"], ["catalog:*"], True),
        (["catalog:read"], ["catalog:write"], False),
        (["catalog:read"], ["catalog:*"], False),
        (["admin:write"], ["admin:read", "finance:*"], True),
        (["admin:read"], ["admin:write"], False),
        (["admin:write"], ["mcp"], False),
        (["admin:write"], ["*"], False),
        (["mcp", "tools"], ["tools"], True),
    ],
)
def test_covers(granted: list[str], requested: list[str], expected: bool) -> None:
    assert covers(granted, requested) is expected
