"""pytest fixture `oidc_provider`: one real OIDC provider (Logto stand-in) per test session.

Registered through the `pytest11` entry point of mpflow-testing, so it is available in
every test run. It fails (never skips) when Node.js cannot be found or npm cannot install.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mpflow_testing.oidc.provider import OidcProvider


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProvider]:
    """A running oidc-provider at `http://127.0.0.1:<port>/oidc`: use `.endpoint` as
    LOGTO_ENDPOINT and `.resource` as LOGTO_API_RESOURCE."""
    provider = OidcProvider().start()
    try:
        yield provider
    finally:
        provider.stop()
