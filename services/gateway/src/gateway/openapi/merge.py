"""Merging several services' OpenAPI documents into one (pure: dicts in, dict out).

Components with the same name and the same content are kept once; when the content differs,
every service's copy is renamed `<service>_<Name>` and each `$ref` to it is rewritten. A
component is compared after its own references are rewritten, so two identical-looking
`Page` schemas that point at different `Item`s are told apart too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

Document = dict[str, Any]
#: Component sections referenced by name in `security`, not by `$ref`: never pruned.
_NAMED_SECTIONS = frozenset({"securitySchemes"})


def _ref(section: str, name: str) -> str:
    return f"#/components/{section}/{name}"


def _parse_ref(ref: str) -> tuple[str, str] | None:
    parts = ref.split("/")
    if len(parts) == 4 and parts[0] == "#" and parts[1] == "components":
        return parts[2], parts[3]
    return None


def rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    """A copy of `node` with every `$ref` found in `renames` replaced by its new target."""
    if isinstance(node, dict):
        return {
            key: renames.get(value, value)
            if key == "$ref" and isinstance(value, str)
            else rewrite_refs(value, renames)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [rewrite_refs(item, renames) for item in node]
    return node


def _refs_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs_in(item)


def _reachable(paths: Document, components: Document) -> Document:
    """The components `paths` use, directly or through other components."""
    kept: dict[str, dict[str, Any]] = {
        section: dict(items) for section, items in components.items() if section in _NAMED_SECTIONS
    }
    pending = list(_refs_in(paths))
    while pending:
        parsed = _parse_ref(pending.pop())
        if parsed is None:
            continue
        section, name = parsed
        body = components.get(section, {}).get(name)
        if body is None or name in kept.get(section, {}):
            continue
        kept.setdefault(section, {})[name] = body
        pending.extend(_refs_in(body))
    return kept


def _public_part(service: str, doc: Document, keep_path: Callable[[str, str], bool]) -> Document:
    """The paths of `doc` to publish and only the components they need."""
    paths = {p: item for p, item in (doc.get("paths") or {}).items() if keep_path(service, p)}
    return {"paths": paths, "components": _reachable(paths, doc.get("components") or {})}


def component_renames(parts: Mapping[str, Document]) -> dict[str, dict[str, str]]:
    """Per service: old ref -> new ref for every component whose name means different things."""
    renames: dict[str, dict[str, str]] = {service: {} for service in parts}
    while True:
        versions: dict[str, dict[str, Any]] = {}
        for service, part in parts.items():
            for section, items in part["components"].items():
                for name, body in items.items():
                    ref = _ref(section, name)
                    if ref not in renames[service]:
                        rewritten = rewrite_refs(body, renames[service])
                        versions.setdefault(ref, {})[service] = rewritten
        conflicts = {
            ref: by_service
            for ref, by_service in versions.items()
            if any(body != next(iter(by_service.values())) for body in by_service.values())
        }
        if not conflicts:
            return renames
        for ref, by_service in conflicts.items():
            _, _, section, name = ref.split("/")
            for service in by_service:
                renames[service][ref] = _ref(section, f"{service}_{name}")


def merge_openapi(
    docs: Mapping[str, Document],
    *,
    keep_path: Callable[[str, str], bool] = lambda service, path: True,
) -> Document:
    """`paths`, `components` and `tags` of `docs` (service -> document) as one document.

    `keep_path(service, path)` chooses the paths to publish; components no kept path uses
    are left out. A path claimed by two services is kept from the first.
    """
    parts = {service: _public_part(service, doc, keep_path) for service, doc in docs.items()}
    renames = component_renames(parts)
    paths: Document = {}
    components: dict[str, dict[str, Any]] = {}
    tags: dict[str, Any] = {}
    for service, part in parts.items():
        mapping = renames[service]
        for path, item in part["paths"].items():
            paths.setdefault(path, rewrite_refs(item, mapping))
        for section, items in part["components"].items():
            for name, body in items.items():
                new_name = f"{service}_{name}" if _ref(section, name) in mapping else name
                components.setdefault(section, {})[new_name] = rewrite_refs(body, mapping)
        for tag in docs[service].get("tags") or ():
            if isinstance(tag, dict) and "name" in tag:
                tags.setdefault(tag["name"], tag)
    return {
        "paths": paths,
        "components": {s: dict(sorted(items.items())) for s, items in sorted(components.items())},
        "tags": list(tags.values()),
    }
