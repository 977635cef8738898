"""Logto JWT access tokens against a real OIDC provider (`oidc_provider`, mounted at /oidc
like Logto): real tokens authenticate linked accounts; forged, altered or misdirected ones
never do; provisioning only where a tenant asked for it; the JWKS cache follows rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from jose import jwk as jose_jwk
from jose import jwt

from auth.main import create_app
from auth.sso.jwt import JwksCache, JwtRejected, JwtVerifier
from mpflow_platform.http.identity import Identity
from mpflow_testing.oidc import (
    ES384_KID,
    RS256_KID,
    OidcProvider,
    new_ec_key,
    new_rsa_key,
    public_jwk,
    sign_jwt,
)
from mpflow_testing.servers import run_app

Db = Callable[..., list[dict[str, Any]]]
AUTHENTICATE = "/internal/authenticate"
SUBJECT = "m2m-es384"  # the provider's client whose tokens name it as `sub`


@pytest.fixture
def auth_url(
    auth_env: None, service_env: Callable[..., None], oidc_provider: OidcProvider
) -> Iterator[str]:
    """An auth service that accepts the provider's tokens (overrides conftest's)."""
    service_env(LOGTO_ENDPOINT=oidc_provider.endpoint, LOGTO_API_RESOURCE=oidc_provider.resource)
    with run_app(create_app()) as url:
        yield url


def _account(
    db: Db,
    tenant: uuid.UUID,
    username: str,
    *,
    role: str = "member",
    subject: str | None = None,
    platform_admin: bool = False,
) -> uuid.UUID:
    account = tenant if role == "owner" else uuid.uuid4()
    db(
        "INSERT INTO auth.users (id, user_id, username, password_hash, role, sso_subject, "
        "is_platform_admin) VALUES ($1, $2, $3, '!unusable', $4, $5, $6)",
        account,
        tenant,
        username,
        role,
        subject,
        platform_admin,
    )
    return account


@pytest.fixture
def tenant(auth_url: str, db: Db) -> uuid.UUID:
    """A tenant (its owner's account) of its own, besides the bootstrap administrator's."""
    return _account(db, uuid.uuid4(), "acme-owner", role="owner")


@pytest.fixture
def linked(tenant: uuid.UUID, db: Db) -> uuid.UUID:
    """A member account of `tenant` linked to the subject SUBJECT."""
    return _account(db, tenant, "mia", subject=SUBJECT)


def _post(client: httpx.Client, token: str) -> httpx.Response:
    return client.post(AUTHENTICATE, json={"token": token, "client_ip": "203.0.113.7"})


def _identity(client: httpx.Client, token: str) -> Identity:
    response = _post(client, token)
    assert response.status_code == 200, response.text
    return Identity.from_claims(response.json())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def _valid_claims(provider: OidcProvider, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": provider.issuer,
        "aud": provider.resource,
        "sub": SUBJECT,
        "iat": now,
        "exp": now + 300,
        **extra,
    }


def _public_pem(private: dict[str, Any]) -> bytes:
    pem: bytes = jose_jwk.construct(public_jwk(private), private["alg"]).to_pem()
    return pem


# --- real tokens -------------------------------------------------------------------------


@pytest.mark.parametrize(("client_id", "alg"), [("m2m-es384", "ES384"), ("m2m-rs256", "RS256")])
def test_a_provider_token_authenticates_the_linked_account_with_its_scopes(
    client: httpx.Client,
    oidc_provider: OidcProvider,
    tenant: uuid.UUID,
    db: Db,
    client_id: str,
    alg: str,
) -> None:
    account = _account(db, tenant, "robot", subject=client_id)
    token = oidc_provider.client_credentials_token(
        client_id, scope="inventory:write catalog:read reports:export"
    )
    assert jwt.get_unverified_header(token)["alg"] == alg

    identity = _identity(client, token)

    assert (identity.user_id, identity.account_id) == (tenant, account)
    assert (identity.username, identity.role, identity.credential) == ("robot", "member", "sso")
    # the token's scopes of our vocabulary, sorted; the foreign `reports:export` is dropped
    assert identity.scopes == ("catalog:read", "inventory:write")
    assert identity.expires_at == jwt.get_unverified_claims(token)["exp"]
    assert not identity.is_platform_admin


def test_a_token_with_none_of_our_scopes_acts_with_everything_the_account_may_do(
    client: httpx.Client, oidc_provider: OidcProvider, linked: uuid.UUID
) -> None:
    no_scope = oidc_provider.client_credentials_token(SUBJECT, scope=None)
    foreign_only = oidc_provider.client_credentials_token(SUBJECT, scope="reports:export")

    assert "scope" not in jwt.get_unverified_claims(no_scope)
    assert _identity(client, no_scope).scopes == ("*",)
    assert _identity(client, foreign_only).scopes == ("*",)


def test_a_platform_admin_is_one_only_with_an_unscoped_token(
    client: httpx.Client, oidc_provider: OidcProvider, tenant: uuid.UUID, db: Db
) -> None:
    _account(db, tenant, "root", subject=SUBJECT, platform_admin=True)

    full = _identity(client, oidc_provider.client_credentials_token(SUBJECT, scope=None))
    narrow = _identity(client, oidc_provider.client_credentials_token(SUBJECT, scope="mcp"))

    assert full.is_platform_admin and full.scopes == ("*",)
    assert not narrow.is_platform_admin and narrow.scopes == ("mcp",)


def test_a_valid_token_of_an_unlinked_subject_is_refused(
    client: httpx.Client, oidc_provider: OidcProvider, linked: uuid.UUID
) -> None:
    token = oidc_provider.client_credentials_token("m2m-rs256")

    assert _post(client, token).status_code == 401
    assert _post(client, oidc_provider.client_credentials_token(SUBJECT)).status_code == 200


def test_the_token_of_a_deactivated_account_is_refused(
    client: httpx.Client, oidc_provider: OidcProvider, linked: uuid.UUID, db: Db
) -> None:
    token = oidc_provider.client_credentials_token(SUBJECT)
    assert _post(client, token).status_code == 200

    db("UPDATE auth.users SET is_active = false WHERE id = $1", linked)

    assert _post(client, token).status_code == 401


def test_without_logto_settings_no_jwt_is_accepted(
    auth_env: None, oidc_provider: OidcProvider, db: Db
) -> None:
    with run_app(create_app()) as url, httpx.Client(base_url=url, timeout=30) as plain:
        # conftest's auth_env has no LOGTO_* settings: the verifier is off
        tenant = _account(db, uuid.uuid4(), "acme-owner", role="owner")
        _account(db, tenant, "mia", subject=SUBJECT)
        token = oidc_provider.client_credentials_token(SUBJECT)

        assert _post(plain, token).status_code == 401


# --- attacks -------------------------------------------------------------------------------


def _alg_none(p: OidcProvider) -> str:
    return _segments({"alg": "none", "kid": ES384_KID, "typ": "JWT"}, _valid_claims(p)) + "."


def _alg_none_without_kid(p: OidcProvider) -> str:
    return _segments({"alg": "none", "typ": "JWT"}, _valid_claims(p)) + "."


def _hs256_with_public_pem(kid: str) -> Callable[[OidcProvider], str]:
    """HS256 with the key's public PEM as the HMAC secret: the classic key confusion."""

    def build(p: OidcProvider) -> str:
        signing_input = _segments({"alg": "HS256", "kid": kid, "typ": "JWT"}, _valid_claims(p))
        secret = _public_pem(p.private_jwks[kid])
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(mac)}"

    return build


def _tampered_subject(p: OidcProvider) -> str:
    """A real token of another client with its `sub` changed to the linked one."""
    header, payload, signature = p.client_credentials_token("m2m-email").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == "m2m-email"
    claims["sub"] = SUBJECT
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def _signature_of_another_token(p: OidcProvider) -> str:
    """The header and claims of a forged token with the signature of a real one."""
    real = p.client_credentials_token(SUBJECT).split(".")[2]
    forged = p.sign({"sub": SUBJECT, "scope": "admin:write"}).split(".")
    return f"{forged[0]}.{forged[1]}.{real}"


ATTACKS: dict[str, Callable[[OidcProvider], str]] = {
    "alg-none": _alg_none,
    "alg-none-without-kid": _alg_none_without_kid,
    "hs256-with-rsa-public-pem": _hs256_with_public_pem(RS256_KID),
    "hs256-with-ec-public-pem": _hs256_with_public_pem(ES384_KID),
    "issuer-without-oidc": lambda p: p.sign({"sub": SUBJECT, "iss": p.endpoint}),
    "foreign-issuer": lambda p: p.sign({"sub": SUBJECT, "iss": "https://evil.test/oidc"}),
    "no-issuer": lambda p: p.sign({"sub": SUBJECT, "iss": None}),
    "wrong-audience": lambda p: p.sign({"sub": SUBJECT, "aud": "https://other.mpflow.test"}),
    "audience-is-the-issuer": lambda p: p.sign({"sub": SUBJECT, "aud": p.issuer}),
    "no-audience": lambda p: p.sign({"sub": SUBJECT, "aud": None}),
    "expired-beyond-leeway": lambda p: p.sign(
        {"sub": SUBJECT, "iat": int(time.time()) - 600, "exp": int(time.time()) - 45}
    ),
    "not-yet-valid-beyond-leeway": lambda p: p.sign(
        {"sub": SUBJECT, "nbf": int(time.time()) + 120}
    ),
    "no-expiry": lambda p: p.sign({"sub": SUBJECT, "exp": None}),
    "expiry-not-a-number": lambda p: p.sign({"sub": SUBJECT, "exp": "tomorrow"}),
    "expiry-a-list": lambda p: p.sign({"sub": SUBJECT, "exp": [int(time.time()) + 300]}),
    "expiry-an-object": lambda p: p.sign({"sub": SUBJECT, "exp": {"at": int(time.time())}}),
    "expiry-null": lambda p: sign_jwt({**_valid_claims(p), "exp": None}, p.private_jwks[ES384_KID]),
    "expiry-infinite": lambda p: p.sign({"sub": SUBJECT, "exp": float("inf")}),
    "issued-at-a-list": lambda p: p.sign({"sub": SUBJECT, "iat": [1]}),
    "not-before-an-object": lambda p: p.sign({"sub": SUBJECT, "nbf": {"at": 1}}),
    "no-subject": lambda p: p.sign({"scope": "catalog:read"}),
    "empty-subject": lambda p: p.sign({"sub": ""}),
    "unknown-kid-fresh-ec-key": lambda p: p.sign({"sub": SUBJECT}, key=new_ec_key("es384-2")),
    "unknown-kid-fresh-rsa-key": lambda p: p.sign({"sub": SUBJECT}, key=new_rsa_key("rs256-2")),
    "known-kid-foreign-key": lambda p: p.sign({"sub": SUBJECT}, key=new_ec_key(ES384_KID)),
    "no-kid": lambda p: p.sign({"sub": SUBJECT}, headers={"kid": None}),
    "tampered-subject": _tampered_subject,
    "signature-of-another-token": _signature_of_another_token,
    "rsa-kid-with-es384-alg": lambda p: p.sign({"sub": SUBJECT}, headers={"kid": RS256_KID}),
    "ec-kid-with-rs256-alg": lambda p: p.sign(
        {"sub": SUBJECT}, kid=RS256_KID, headers={"kid": ES384_KID}
    ),
    "rsa-key-with-ps256-header": lambda p: (
        _segments({"alg": "PS256", "kid": RS256_KID}, _valid_claims(p))
        + "."
        + p.sign({"sub": SUBJECT}, kid=RS256_KID).split(".")[2]
    ),
    "ec-key-with-es256-header": lambda p: p.sign(
        {"sub": SUBJECT}, key={**new_ec_key(ES384_KID, "P-256"), "kid": ES384_KID}
    ),
    "garbage-header": lambda p: "eyJub3Q.anNvbg." + _b64(b"sig"),
    "header-not-an-object": lambda p: f"{_b64(b'[1]')}.{_b64(b'{}')}.{_b64(b'sig')}",
}


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_an_attack_token_is_refused(
    client: httpx.Client, oidc_provider: OidcProvider, linked: uuid.UUID, attack: str
) -> None:
    # The same service accepts an honest token for the same subject, so the 401 below is
    # the attack's doing, not a setup problem.
    honest = _identity(client, oidc_provider.sign({"sub": SUBJECT, "scope": "catalog:read"}))
    assert honest.account_id == linked

    response = _post(client, ATTACKS[attack](oidc_provider))

    assert response.status_code == 401, response.text


def test_clock_leeway_accepts_small_drift_only(
    client: httpx.Client, oidc_provider: OidcProvider, linked: uuid.UUID
) -> None:
    now = int(time.time())
    drifted = oidc_provider.sign({"sub": SUBJECT, "exp": now - 10, "nbf": now + 10})
    expired = oidc_provider.sign({"sub": SUBJECT, "exp": now - 45})

    assert _identity(client, drifted).account_id == linked
    assert _post(client, expired).status_code == 401


# --- provisioning --------------------------------------------------------------------------


def _enable_provisioning(db: Db, tenant: uuid.UUID, domains: list[str], on: bool = True) -> None:
    db(
        "INSERT INTO auth.tenant_settings (user_id, sso_auto_provision, sso_email_domains) "
        "VALUES ($1, $2, $3)",
        tenant,
        on,
        domains,
    )


def _accounts_of(db: Db, subject: str) -> list[dict[str, Any]]:
    return db(
        "SELECT id, user_id, username, role, password_hash, is_platform_admin "
        "FROM auth.users WHERE sso_subject = $1",
        subject,
    )


def test_a_verified_email_of_a_provisioning_domain_gets_a_member_account(
    client: httpx.Client, oidc_provider: OidcProvider, tenant: uuid.UUID, db: Db
) -> None:
    _enable_provisioning(db, tenant, ["example.test"])
    token = oidc_provider.sign(
        {"sub": "new-subject", "email": "X@Example.test", "email_verified": True}
    )

    identity = _identity(client, token)
    again = _identity(client, token)

    (row,) = _accounts_of(db, "new-subject")
    assert (row["user_id"], row["username"], row["role"]) == (tenant, "x@example.test", "member")
    assert row["password_hash"] == "!sso-only" and not row["is_platform_admin"]
    assert (identity.user_id, identity.account_id) == (tenant, row["id"])
    assert again.account_id == row["id"]  # linked from now on, not provisioned twice


def test_a_real_provider_token_with_a_verified_email_is_provisioned(
    client: httpx.Client, oidc_provider: OidcProvider, tenant: uuid.UUID, db: Db
) -> None:
    _enable_provisioning(db, tenant, ["example.test"])

    identity = _identity(client, oidc_provider.client_credentials_token("m2m-email"))

    (row,) = _accounts_of(db, "m2m-email")
    assert (identity.user_id, identity.account_id) == (tenant, row["id"])
    assert identity.username == "robot@example.test" and identity.role == "member"


@pytest.mark.parametrize(
    ("setting", "claims"),
    [
        ("absent", {"email": "x@example.test", "email_verified": True}),
        ("off", {"email": "x@example.test", "email_verified": True}),
        ("on", {"email": "x@example.test", "email_verified": False}),
        ("on", {"email": "x@example.test"}),  # not said to be verified
        ("on", {"email": "x@other.test", "email_verified": True}),
        ("on", {"email": "x@sub.example.test", "email_verified": True}),
        ("on", {"email": "x@example.test@evil.test", "email_verified": True}),
        ("on", {"email_verified": True}),
        ("on", {"email": "x\u0000y@example.test", "email_verified": True}),
        ("on", {"email": "x@example.test", "email_verified": True, "sub": "s" * 256}),
    ],
    ids=[
        "no-settings",
        "provisioning-off",
        "unverified",
        "verification-unknown",
        "other-domain",
        "subdomain",
        "two-at-signs",
        "no-email",
        "control-character-in-email",
        "subject-too-long",
    ],
)
def test_no_account_is_provisioned_unless_the_tenant_asked_for_it(
    client: httpx.Client,
    oidc_provider: OidcProvider,
    tenant: uuid.UUID,
    db: Db,
    setting: str,
    claims: dict[str, Any],
) -> None:
    if setting != "absent":
        _enable_provisioning(db, tenant, ["example.test"], on=setting == "on")
    users_before = db("SELECT count(*) AS n FROM auth.users")[0]["n"]

    response = _post(client, oidc_provider.sign({"sub": "new-subject", **claims}))

    assert response.status_code == 401, response.text
    assert db("SELECT count(*) AS n FROM auth.users")[0]["n"] == users_before


def test_a_real_provider_token_with_an_unverified_email_is_not_provisioned(
    client: httpx.Client, oidc_provider: OidcProvider, tenant: uuid.UUID, db: Db
) -> None:
    _enable_provisioning(db, tenant, ["example.test"])
    token = oidc_provider.client_credentials_token("m2m-email-unverified")
    assert jwt.get_unverified_claims(token)["email_verified"] is False

    assert _post(client, token).status_code == 401
    assert _accounts_of(db, "m2m-email-unverified") == []


# --- the JWKS cache ------------------------------------------------------------------------


class _JwksServer:
    """A real HTTP server for a JWKS the test changes at will; counts the fetches."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.status = 200
        self.fetches = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                owner.fetches += 1
                body = json.dumps({"keys": owner.keys}).encode()
                self.send_response(owner.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/oidc/jwks"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def jwks_server() -> Iterator[_JwksServer]:
    server = _JwksServer()
    yield server
    server.close()


async def test_an_unknown_kid_refreshes_the_keys_so_a_rotated_key_is_picked_up(
    jwks_server: _JwksServer,
) -> None:
    old, new = new_ec_key("k-old"), new_ec_key("k-new")
    jwks_server.keys = [public_jwk(old)]
    clock = _Clock()
    async with httpx.AsyncClient() as http:
        cache = JwksCache(http, jwks_server.url, clock=clock)
        assert (await cache.key("k-old") or {}).get("x") == old["x"]
        assert jwks_server.fetches == 1

        jwks_server.keys = [public_jwk(old), public_jwk(new)]  # the issuer rotates
        clock.now += 30

        assert (await cache.key("k-new") or {}).get("x") == new["x"]
        assert jwks_server.fetches == 2
        assert await cache.key("k-old") is not None and jwks_server.fetches == 2


async def test_refreshes_for_unknown_kids_happen_at_most_every_30_seconds(
    jwks_server: _JwksServer,
) -> None:
    key = new_ec_key("k1")
    jwks_server.keys = [public_jwk(key)]
    clock = _Clock()
    async with httpx.AsyncClient() as http:
        cache = JwksCache(http, jwks_server.url, clock=clock)
        assert await cache.key("k1") is not None
        jwks_server.keys = [public_jwk(key), public_jwk(new_ec_key("k2"))]

        for step in (0.0, 1.0, 29.9):
            clock.now = 1000.0 + step
            assert await cache.key(f"made-up-{step}") is None
            assert await cache.key("k2") is None  # not yet: the last fetch is too recent
        assert jwks_server.fetches == 1

        clock.now = 1030.0
        assert await cache.key("k2") is not None
        assert jwks_server.fetches == 2
        for _ in range(20):  # a flood of made-up kids costs no more fetches
            assert await cache.key(uuid.uuid4().hex) is None
        assert jwks_server.fetches == 2


async def test_keys_older_than_an_hour_are_fetched_again_so_a_removed_key_stops(
    jwks_server: _JwksServer,
) -> None:
    key = new_ec_key("k1")
    jwks_server.keys = [public_jwk(key)]
    clock = _Clock()
    async with httpx.AsyncClient() as http:
        cache = JwksCache(http, jwks_server.url, clock=clock)
        assert await cache.key("k1") is not None
        jwks_server.keys = []  # the issuer withdrew the key

        clock.now += 3600
        assert await cache.key("k1") is not None and jwks_server.fetches == 1
        clock.now += 1
        assert await cache.key("k1") is None and jwks_server.fetches == 2


async def test_private_or_kidless_entries_of_the_jwks_are_ignored(
    jwks_server: _JwksServer,
) -> None:
    private = new_ec_key("leaked")
    kidless = public_jwk(new_ec_key("x"))
    del kidless["kid"]
    jwks_server.keys = [private, kidless, {"kid": 7, "kty": "EC"}, "junk"]  # type: ignore[list-item]
    async with httpx.AsyncClient() as http:
        cache = JwksCache(http, jwks_server.url, clock=_Clock())

        assert await cache.key("leaked") is None


async def test_a_failing_jwks_fetch_rejects_and_is_not_retried_at_once(
    jwks_server: _JwksServer,
) -> None:
    jwks_server.status = 500
    clock = _Clock()
    async with httpx.AsyncClient() as http:
        cache = JwksCache(http, jwks_server.url, clock=clock)
        with pytest.raises(JwtRejected):
            await cache.key("k1")
        assert await cache.key("k1") is None and jwks_server.fetches == 1

        jwks_server.status = 200
        jwks_server.keys = [public_jwk(new_ec_key("k1"))]
        clock.now += 30
        assert await cache.key("k1") is not None and jwks_server.fetches == 2


async def test_the_verifier_accepts_a_rotated_key_once_the_cache_may_refresh(
    jwks_server: _JwksServer,
) -> None:
    issuer, audience = "https://logto.test/oidc", "https://api.mpflow.test"
    old, new = new_ec_key("k-old"), new_rsa_key("k-new")
    jwks_server.keys = [public_jwk(old)]
    clock = _Clock()
    now = int(time.time())
    claims = {"iss": issuer, "aud": audience, "sub": "s", "iat": now, "exp": now + 300}
    async with httpx.AsyncClient() as http:
        verifier = JwtVerifier(
            JwksCache(http, jwks_server.url, clock=clock), issuer=issuer, audience=audience
        )
        assert (await verifier.verify(sign_jwt(claims, old)))["sub"] == "s"
        jwks_server.keys.append(public_jwk(new))
        rotated = sign_jwt(claims, new)

        with pytest.raises(JwtRejected, match="unknown key"):
            await verifier.verify(rotated)  # within 30 s of the last fetch
        clock.now += 30
        assert (await verifier.verify(rotated))["sub"] == "s"
