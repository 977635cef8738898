"""Tenant isolation, proven against every route there is.

Tenant A creates one object of every kind it can; tenant B, with its own valid
credentials, then calls every `/v1/admin/*` operation of the merged OpenAPI with A's
object ids in every path parameter (and a body that would pass validation), and every list
operation. Success would be any 2xx on an operation addressed at A's object, or any of
A's ids in anything B receives. The suite reads the routes from `/openapi.json`, so every
route added later is attacked without touching this file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mpflow_testing.waiting import wait_until
from tests.e2e.conftest import RunningSystem

ADMIN = "/v1/admin/"
PARAM_RE = re.compile(r"\{[^}]+\}")
#: Volatile fields that change by merely reading or using an object.
VOLATILE = {"last_used_at"}


@dataclass
class Tenant:
    client: httpx.Client
    ids: set[str] = field(default_factory=set)
    #: GET path -> what the tenant saw there before the attack.
    snapshots: dict[str, Any] = field(default_factory=dict)


def _ids_in(value: Any) -> set[str]:
    """Every `id`-like value (UUIDs) anywhere in a JSON document."""
    return _ids_in_text(json.dumps(value))


def _ids_in_text(text: str) -> set[str]:
    return set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text))


def _ids_in_response(response: httpx.Response) -> set[str]:
    """UUIDs anywhere in an answer, JSON or not (a CSV export leaks as well as JSON)."""
    return _ids_in_text(response.text) if response.content else set()


def _created(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, f"{path}: {response.status_code} {response.text}"
    result: dict[str, Any] = response.json()
    return result


def _tenant(system: RunningSystem) -> Tenant:
    username, password = system.new_tenant()
    return Tenant(system.client(system.login(username, password)))


def _stock(a: Tenant, card: dict[str, Any]) -> list[dict[str, Any]]:
    """A's supplier, a received order with a charge, and its stock (lots, receipts)."""
    wait_until(
        lambda: a.client.get("/v1/admin/inventory", params={"q": card["sku"]}).json()["total"]
    )
    supplier = _created(a.client, "/v1/admin/suppliers", {"name": "Поставщик A"})
    order = _created(
        a.client,
        "/v1/admin/supplier-orders",
        {
            "supplier_id": supplier["id"],
            "fx_rate": "12.5",
            "fx_rate_date": "2026-11-20",
            "lines": [{"card_id": card["id"], "qty": 5, "unit_price": "10"}],
        },
    )
    charge = _created(
        a.client,
        f"/v1/admin/supplier-orders/{order['id']}/charges",
        {"kind": "freight", "amount": "100", "currency": "RUB", "method": "by_quantity"},
    )
    ordered = a.client.post(
        f"/v1/admin/supplier-orders/{order['id']}/status", json={"status": "ordered"}
    )
    assert ordered.status_code == 200, ordered.text
    receipt = _created(
        a.client,
        f"/v1/admin/supplier-orders/{order['id']}/receive",
        {"lines": [{"order_line_id": order["lines"][0]["id"], "qty": 3}]},
    )
    return [supplier, order, charge, receipt]


def _populate(a: Tenant) -> None:
    """One object of each kind tenant A can create today, and its own account."""
    objects = [
        _created(a.client, "/v1/admin/master-cards", {"sku": "ISO-1", "title": "Товар A"}),
        _created(a.client, "/v1/admin/api-keys", {"name": "a-agent", "scopes": ["*"]}),
    ]
    objects.append(
        _created(
            a.client,
            "/v1/admin/users",
            {"username": "a-member-iso", "password": "a-long-unusual-pass-9", "role": "member"},
        )
    )
    settings = a.client.put("/v1/admin/settings", json={"tax_rate": "4", "language": "en"})
    assert settings.status_code == 200, settings.text
    objects += _stock(a, objects[0])
    me = a.client.get("/v1/admin/auth/me").json()
    objects.append(me)
    for obj in objects:
        a.ids.add(str(obj["id"]))
    a.ids.add(str(me["user_id"]))


def _schema(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        node = spec["components"]["schemas"][name]
    return node


def example(spec: dict[str, Any], node: dict[str, Any], some_id: str, depth: int = 0) -> Any:
    """A value the schema accepts (required fields only), with `some_id` for UUIDs."""
    node = _schema(spec, node)
    if depth > 6:
        return None
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in node:
            options = [o for o in node[combinator] if _schema(spec, o).get("type") != "null"]
            return example(spec, options[0] if options else node[combinator][0], some_id, depth + 1)
    if "enum" in node:
        return node["enum"][0]
    if "const" in node:
        return node["const"]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        return {
            name: example(spec, props[name], some_id, depth + 1)
            for name in node.get("required", [])
            if name in props
        }
    if kind == "array":
        count = node.get("minItems", 0)
        return [example(spec, node.get("items", {}), some_id, depth + 1) for _ in range(count)]
    if kind == "integer":
        return max(1, int(node.get("minimum", 1)))
    if kind == "number":
        return max(1, node.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = node.get("format")
        if fmt == "uuid":
            return some_id
        if fmt == "date-time":
            return (datetime.now(UTC) + timedelta(days=1)).isoformat()
        if fmt == "date":
            return datetime.now(UTC).date().isoformat()
        return "x" * max(1, int(node.get("minLength", 1)))
    return None


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in sorted(spec["paths"].items()):
        if not path.startswith(ADMIN):
            continue
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method.upper(), path, operation


def _body(spec: dict[str, Any], operation: dict[str, Any], some_id: str) -> Any:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return example(spec, content["application/json"].get("schema", {}), some_id)


def _snapshot(a: Tenant, spec: dict[str, Any]) -> None:
    """What A sees at each of its objects' GET routes, to compare after the attack."""
    for method, path, _ in _operations(spec):
        if method != "GET" or not PARAM_RE.search(path):
            continue
        for some_id in a.ids:
            response = a.client.get(PARAM_RE.sub(some_id, path))
            if response.status_code == 200:
                a.snapshots[PARAM_RE.sub(some_id, path)] = _stable(response.json())


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    return value


@pytest.fixture(scope="module")
def attack(system: RunningSystem) -> Iterator[dict[str, Any]]:
    a, b = _tenant(system), _tenant(system)
    _populate(a)
    spec = httpx.get(f"{system.url}/openapi.json", timeout=15).json()
    _snapshot(a, spec)
    b_own = _ids_in(b.client.get("/v1/admin/auth/me").json())
    leaks: list[str] = []
    attempts: dict[tuple[str, str], int] = {}
    for method, path, operation in _operations(spec):
        if not PARAM_RE.search(path):
            if method == "GET":
                response = b.client.get(path)
                seen = _ids_in_response(response)
                if seen & a.ids:
                    leaks.append(f"GET {path} shows A's ids {sorted(seen & a.ids)}")
            continue
        for some_id in sorted(a.ids):
            url = PARAM_RE.sub(some_id, path)
            body = _body(spec, operation, some_id)
            response = b.client.request(method, url, json=body)
            attempts[(method, path)] = attempts.get((method, path), 0) + 1
            if response.is_success:
                leaks.append(f"{method} {url} answered {response.status_code}: {response.text}")
            elif response.status_code >= 500:
                leaks.append(f"{method} {url} failed with {response.status_code}")
            elif (_ids_in_response(response) - {some_id} - b_own) & a.ids:
                leaks.append(f"{method} {url} revealed A's ids in its error")
    yield {"a": a, "b": b, "spec": spec, "leaks": leaks, "attempts": attempts}
    a.client.close()
    b.client.close()


def test_tenant_b_reaches_none_of_tenant_a_objects(attack: dict[str, Any]) -> None:
    assert attack["leaks"] == []


def test_tenant_settings_are_the_callers_own(attack: dict[str, Any]) -> None:
    a: Tenant = attack["a"]
    b: Tenant = attack["b"]
    before = a.client.get("/v1/admin/settings").json()
    assert before["tax_rate"] == "4.00"

    changed = b.client.put("/v1/admin/settings", json={"tax_rate": "1", "language": "ru"})

    assert changed.status_code == 200 and changed.json()["tax_rate"] == "1.00"
    assert a.client.get("/v1/admin/settings").json() == before


def test_tenant_a_objects_are_unchanged_after_the_attack(attack: dict[str, Any]) -> None:
    a: Tenant = attack["a"]
    assert a.snapshots, "A could read none of its own objects: the suite proves nothing"
    for url, before in a.snapshots.items():
        response = a.client.get(url)
        assert response.status_code == 200, url
        assert _stable(response.json()) == before, url


def test_every_operation_with_an_id_was_attacked_with_every_object(
    attack: dict[str, Any],
) -> None:
    a: Tenant = attack["a"]
    expected = {
        (method, path) for method, path, _ in _operations(attack["spec"]) if PARAM_RE.search(path)
    }
    assert expected, "no route takes an id: the suite proves nothing"
    assert {
        "/v1/admin/master-cards/{card_id}",
        "/v1/admin/api-keys/{key_id}",
        "/v1/admin/users/{account_id}",
    } <= {path for _, path in expected}
    assert {op: n for op, n in attack["attempts"].items()} == {op: len(a.ids) for op in expected}
