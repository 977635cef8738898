"""Merging OpenAPI documents: paths chosen, components deduplicated or renamed."""

from __future__ import annotations

from typing import Any

from gateway.openapi.merge import merge_openapi, rewrite_refs

REF = "#/components/schemas/"


def _doc(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "paths": paths, "components": {"schemas": schemas}}


def _post(schema: str, response: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": REF + schema}}}},
        "responses": {"200": {"description": "ok"}},
    }
    if response:
        op["responses"]["200"]["content"] = {
            "application/json": {"schema": {"$ref": REF + response}}
        }
    return {"post": op}


def _body_ref(merged: dict[str, Any], path: str) -> str:
    content = merged["paths"][path]["post"]["requestBody"]["content"]
    ref: str = content["application/json"]["schema"]["$ref"]
    return ref


MONEY = {"type": "object", "properties": {"amount": {"type": "string"}}}


def test_identical_schemas_of_two_services_are_kept_once_under_their_name() -> None:
    docs = {
        "catalog": _doc({"/v1/admin/master-cards": _post("Money")}, {"Money": MONEY}),
        "finance": _doc({"/v1/admin/sales": _post("Money")}, {"Money": dict(MONEY)}),
    }

    merged = merge_openapi(docs)

    assert merged["components"]["schemas"] == {"Money": MONEY}
    assert _body_ref(merged, "/v1/admin/sales") == REF + "Money"


def test_conflicting_schemas_are_renamed_per_service_and_refs_follow() -> None:
    docs = {
        "catalog": _doc(
            {"/v1/admin/master-cards": _post("Item")},
            {"Item": {"properties": {"sku": {"type": "string"}}}},
        ),
        "inventory": _doc(
            {"/v1/admin/inventory": _post("Item")},
            {"Item": {"properties": {"qty": {"type": "integer"}}}},
        ),
    }

    merged = merge_openapi(docs)

    schemas = merged["components"]["schemas"]
    assert set(schemas) == {"catalog_Item", "inventory_Item"}
    assert "sku" in schemas["catalog_Item"]["properties"]
    assert _body_ref(merged, "/v1/admin/master-cards") == REF + "catalog_Item"
    assert _body_ref(merged, "/v1/admin/inventory") == REF + "inventory_Item"


def test_same_looking_schemas_pointing_at_conflicting_ones_are_renamed_too() -> None:
    page = {"properties": {"items": {"type": "array", "items": {"$ref": REF + "Item"}}}}
    docs = {
        "catalog": _doc(
            {"/v1/admin/master-cards": _post("Page")},
            {"Page": page, "Item": {"properties": {"sku": {"type": "string"}}}},
        ),
        "inventory": _doc(
            {"/v1/admin/inventory": _post("Page")},
            {"Page": page, "Item": {"properties": {"qty": {"type": "integer"}}}},
        ),
    }

    merged = merge_openapi(docs)

    schemas = merged["components"]["schemas"]
    assert set(schemas) == {"catalog_Page", "catalog_Item", "inventory_Page", "inventory_Item"}
    assert schemas["inventory_Page"]["properties"]["items"]["items"]["$ref"] == (
        REF + "inventory_Item"
    )


def test_only_paths_the_filter_keeps_are_published_with_the_schemas_they_use() -> None:
    docs = {
        "inventory": _doc(
            {
                "/v1/admin/inventory": _post("Lot"),
                "/internal/stock": _post("Secret"),
                "/v1/admin/sales": _post("Lot"),
            },
            {"Lot": {"type": "object"}, "Secret": {"type": "object"}},
        ),
    }

    merged = merge_openapi(
        docs, keep_path=lambda service, path: path.startswith("/v1/admin/inventory")
    )

    assert list(merged["paths"]) == ["/v1/admin/inventory"]
    assert list(merged["components"]["schemas"]) == ["Lot"]


def test_schema_used_only_by_an_unpublished_path_causes_no_rename() -> None:
    docs = {
        "catalog": _doc(
            {"/v1/admin/master-cards": _post("Item"), "/internal/x": _post("Hidden")},
            {"Item": {"type": "object"}, "Hidden": {"type": "string"}},
        ),
        "inventory": _doc(
            {"/v1/admin/inventory": _post("Hidden")}, {"Hidden": {"type": "integer"}}
        ),
    }

    merged = merge_openapi(docs, keep_path=lambda service, path: path.startswith("/v1/admin/"))

    assert merged["components"]["schemas"]["Hidden"] == {"type": "integer"}


def test_tags_of_all_services_are_listed_once() -> None:
    docs = {
        "catalog": {**_doc({}, {}), "tags": [{"name": "cards"}, {"name": "shared"}]},
        "finance": {**_doc({}, {}), "tags": [{"name": "shared"}, {"name": "sales"}]},
    }

    merged = merge_openapi(docs)

    assert [t["name"] for t in merged["tags"]] == ["cards", "shared", "sales"]


def test_rewrite_refs_replaces_only_the_renamed_targets() -> None:
    node = {"a": {"$ref": REF + "X"}, "b": [{"$ref": REF + "Y"}], "$ref_note": REF + "X"}

    rewritten = rewrite_refs(node, {REF + "X": REF + "svc_X"})

    assert rewritten == {
        "a": {"$ref": REF + "svc_X"},
        "b": [{"$ref": REF + "Y"}],
        "$ref_note": REF + "X",
    }
