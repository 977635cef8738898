"""Headers a test sends to call a service directly, as the gateway would."""

from __future__ import annotations

from mpflow_platform.http.identity import HEADER, Identity, sign_identity
from mpflow_platform.settings import DEV_SIGNING_KEY


def signed_headers(
    identity: Identity, method: str, path: str, key: str = DEV_SIGNING_KEY
) -> dict[str, str]:
    return {HEADER: sign_identity(identity, key=key, method=method, path=path)}
