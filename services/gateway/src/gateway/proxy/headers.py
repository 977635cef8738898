"""Which headers cross the gateway, in each direction (RFC 9110 §7.6.1 for hop-by-hop)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mpflow_platform.http.identity import HEADER as IDENTITY_HEADER
from mpflow_platform.http.middleware import REQUEST_ID_HEADER

RawHeaders = Sequence[tuple[bytes, bytes]]

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
#: Credentials stay at the gateway: services trust only the identity it signs. Any identity,
#: request id or forwarding header a client sends is replaced, never passed on. `Expect:
#: 100-continue` was answered by the gateway's own server already.
_NOT_FORWARDED = HOP_BY_HOP | {
    "expect",
    "host",
    "authorization",
    "cookie",
    IDENTITY_HEADER,
    REQUEST_ID_HEADER,
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "forwarded",
}
#: The gateway's own server adds these (and the request id) to every response.
_NOT_RETURNED = HOP_BY_HOP | {REQUEST_ID_HEADER, "date", "server"}


def _named_by_connection(headers: RawHeaders) -> set[str]:
    """Extra hop-by-hop headers a message lists in its `Connection` header."""
    names: set[str] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            names.update(t.strip().lower() for t in value.decode("latin-1").split(",") if t.strip())
    return names


def _kept(headers: RawHeaders, dropped: Iterable[str]) -> list[tuple[str, str]]:
    drop = set(dropped) | _named_by_connection(headers)
    kept = []
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        if name not in drop:
            kept.append((name, raw_value.decode("latin-1")))
    return kept


def upstream_headers(
    incoming: RawHeaders,
    *,
    identity: str,
    request_id: str | None,
    client_host: str | None,
    scheme: str,
) -> list[tuple[str, str]]:
    """Headers for the upstream request: the client's, cleaned, plus the gateway's own.

    `client_host` and `scheme` are the client as the gateway's server resolved them: uvicorn
    believes a client's X-Forwarded-For/-Proto only from FORWARDED_ALLOW_IPS, so services
    get one address they can trust instead of a chain a client could have written.
    """
    headers = _kept(incoming, _NOT_FORWARDED)
    host = next((v.decode("latin-1") for n, v in incoming if n.lower() == b"host"), None)
    headers.append((IDENTITY_HEADER, identity))
    if request_id:
        headers.append((REQUEST_ID_HEADER, request_id))
    if client_host:
        headers.append(("x-forwarded-for", client_host))
    headers.append(("x-forwarded-proto", scheme))
    if host:
        headers.append(("x-forwarded-host", host))
    return headers


def downstream_headers(
    upstream: RawHeaders, *, upstream_base: str, public_base: str
) -> list[tuple[bytes, bytes]]:
    """Headers for the client: the service's (Set-Cookie included, each kept), cleaned.

    A redirect to the service's own address is rewritten to the gateway's, so internal
    addresses never reach a client.
    """
    headers = []
    for name, value in _kept(upstream, _NOT_RETURNED):
        if name == "location" and value.startswith(upstream_base):
            value = public_base + value[len(upstream_base) :]
        headers.append((name.encode("latin-1"), value.encode("latin-1")))
    return headers
