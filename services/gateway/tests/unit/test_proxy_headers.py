"""Which headers cross the gateway."""

from __future__ import annotations

from gateway.proxy.headers import downstream_headers, upstream_headers


def _raw(*pairs: tuple[str, str]) -> list[tuple[bytes, bytes]]:
    return [(n.encode(), v.encode()) for n, v in pairs]


def test_credentials_hop_by_hop_and_spoofable_headers_are_not_forwarded() -> None:
    incoming = _raw(
        ("host", "erp.example"),
        ("authorization", "Bearer t"),
        ("cookie", "a=b"),
        ("connection", "keep-alive, x-private"),
        ("x-private", "1"),
        ("keep-alive", "5"),
        ("transfer-encoding", "chunked"),
        ("x-mpflow-identity", "forged"),
        ("x-request-id", "client-id"),
        ("x-forwarded-for", "6.6.6.6"),
        ("expect", "100-continue"),
        ("accept", "*/*"),
    )

    headers = upstream_headers(
        incoming, identity="signed", request_id="rid", client_host="10.0.0.7", scheme="https"
    )

    assert headers == [
        ("accept", "*/*"),
        ("x-mpflow-identity", "signed"),
        ("x-request-id", "rid"),
        ("x-forwarded-for", "10.0.0.7"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "erp.example"),
    ]


def test_every_set_cookie_comes_back_and_hop_by_hop_headers_do_not() -> None:
    upstream = _raw(
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("Transfer-Encoding", "chunked"),
        ("Connection", "close"),
        ("X-Request-ID", "rid"),
        ("Date", "x"),
        ("Server", "uvicorn"),
        ("Content-Type", "application/json"),
    )

    headers = downstream_headers(
        upstream, upstream_base="http://svc:8001", public_base="https://erp"
    )

    assert headers == [
        (b"set-cookie", b"a=1"),
        (b"set-cookie", b"b=2"),
        (b"content-type", b"application/json"),
    ]


def test_redirect_to_the_service_address_is_rewritten_to_the_gateway() -> None:
    upstream = _raw(("location", "http://svc:8001/v1/admin/sales/"), ("x-other", "http://svc:8001"))

    headers = downstream_headers(
        upstream, upstream_base="http://svc:8001", public_base="https://erp"
    )

    assert headers == [
        (b"location", b"https://erp/v1/admin/sales/"),
        (b"x-other", b"http://svc:8001"),
    ]
