"""The `oidc_provider` fixture: a real OIDC provider mounted at /oidc like Logto."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from jose import jwt
from jose.exceptions import JWTError

from mpflow_testing.oidc import ES384_KID, RS256_KID, OidcProvider, new_ec_key


def _get(url: str) -> dict[str, Any]:
    response = httpx.get(url, timeout=10, trust_env=False)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _verify(provider: OidcProvider, token: str, alg: str) -> dict[str, Any]:
    """The claims of `token`, verified with the key of the provider's JWKS its `kid` names."""
    kid = jwt.get_unverified_header(token)["kid"]
    (key,) = [k for k in _get(provider.jwks_url)["keys"] if k["kid"] == kid]
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=[alg],
        audience=provider.resource,
        issuer=provider.issuer,
    )
    return claims


def test_discovery_names_the_issuer_under_oidc(oidc_provider: OidcProvider) -> None:
    config = _get(oidc_provider.discovery_url)

    assert oidc_provider.issuer == oidc_provider.endpoint + "/oidc"
    assert config["issuer"] == oidc_provider.issuer
    assert config["jwks_uri"] == oidc_provider.jwks_url
    assert config["token_endpoint"] == oidc_provider.token_url
    assert "client_credentials" in config["grant_types_supported"]


def test_the_jwks_serves_the_public_parts_of_both_keys(oidc_provider: OidcProvider) -> None:
    keys = {k["kid"]: k for k in _get(oidc_provider.jwks_url)["keys"]}

    assert set(keys) == {ES384_KID, RS256_KID}
    assert (keys[ES384_KID]["kty"], keys[ES384_KID]["crv"]) == ("EC", "P-384")
    assert keys[ES384_KID]["alg"] == "ES384"
    assert (keys[RS256_KID]["kty"], keys[RS256_KID]["alg"]) == ("RSA", "RS256")
    for key in keys.values():
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)  # never a private part
    assert keys[ES384_KID]["x"] == oidc_provider.private_jwks[ES384_KID]["x"]
    assert keys[RS256_KID]["n"] == oidc_provider.private_jwks[RS256_KID]["n"]


@pytest.mark.parametrize(
    ("client_id", "alg", "kid"),
    [("m2m-es384", "ES384", ES384_KID), ("m2m-rs256", "RS256", RS256_KID)],
)
def test_client_credentials_give_a_jwt_for_the_resource(
    oidc_provider: OidcProvider, client_id: str, alg: str, kid: str
) -> None:
    token = oidc_provider.client_credentials_token(client_id, scope="catalog:read mcp")

    header = jwt.get_unverified_header(token)
    claims = _verify(oidc_provider, token, alg)

    assert (header["alg"], header["kid"], header["typ"]) == (alg, kid, "at+jwt")
    assert claims["iss"] == oidc_provider.issuer and claims["aud"] == oidc_provider.resource
    assert claims["sub"] == client_id and claims["client_id"] == client_id
    assert claims["scope"] == "catalog:read mcp"
    assert claims["iat"] <= time.time() + 5 < claims["exp"]


def test_scopes_the_resource_does_not_know_are_dropped(oidc_provider: OidcProvider) -> None:
    token = oidc_provider.client_credentials_token("m2m-es384", scope="catalog:read nope:nope")

    assert _verify(oidc_provider, token, "ES384")["scope"] == "catalog:read"


def test_a_client_can_carry_extra_claims(oidc_provider: OidcProvider) -> None:
    token = oidc_provider.client_credentials_token("m2m-email")

    claims = _verify(oidc_provider, token, "ES384")

    assert (claims["email"], claims["email_verified"]) == ("robot@example.test", True)


def test_sign_uses_the_providers_own_keys_and_fills_the_defaults(
    oidc_provider: OidcProvider,
) -> None:
    es = oidc_provider.sign({"sub": "alice"})
    rs = oidc_provider.sign({"sub": "bob", "scope": "x"}, kid=RS256_KID)
    no_exp = oidc_provider.sign({"sub": "carol", "exp": None})

    assert _verify(oidc_provider, es, "ES384")["sub"] == "alice"
    assert _verify(oidc_provider, rs, "RS256")["scope"] == "x"
    assert jwt.get_unverified_header(rs)["kid"] == RS256_KID
    assert "exp" not in jwt.get_unverified_claims(no_exp)


def test_a_token_signed_by_a_foreign_key_does_not_verify(oidc_provider: OidcProvider) -> None:
    token = oidc_provider.sign({"sub": "mallory"}, key=new_ec_key(ES384_KID))

    with pytest.raises(JWTError):
        _verify(oidc_provider, token, "ES384")


def test_an_unknown_client_gets_no_token(oidc_provider: OidcProvider) -> None:
    response = httpx.post(
        oidc_provider.token_url,
        data={"grant_type": "client_credentials", "resource": oidc_provider.resource},
        auth=("m2m-es384", "wrong-secret"),
        timeout=10,
        trust_env=False,
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
