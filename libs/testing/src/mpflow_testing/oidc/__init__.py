"""A real OpenID Connect provider (npm `oidc-provider`) standing in for Logto in tests.

The pytest fixture `oidc_provider` (session scope, `mpflow_testing.oidc.fixtures`) is
registered through the `pytest11` entry point of mpflow-testing.
"""

from mpflow_testing.oidc.provider import (
    DEFAULT_RESOURCE,
    ES384_KID,
    RS256_KID,
    Client,
    OidcProvider,
    OidcProviderError,
    new_ec_key,
    new_rsa_key,
    public_jwk,
    sign_jwt,
)

__all__ = [
    "DEFAULT_RESOURCE",
    "ES384_KID",
    "RS256_KID",
    "Client",
    "OidcProvider",
    "OidcProviderError",
    "new_ec_key",
    "new_rsa_key",
    "public_jwk",
    "sign_jwt",
]
