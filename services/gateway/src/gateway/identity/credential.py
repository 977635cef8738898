"""Where a caller's credential is read from: `Authorization: Bearer …` or the session cookie."""

from __future__ import annotations

from starlette.requests import Request

from gateway.errors import CredentialRejected

SESSION_COOKIE = "mpflow_session"
#: Longer than any token we issue (JWTs included); longer ones are refused unseen.
MAX_TOKEN_LENGTH = 8192


def credential_from(request: Request) -> str | None:
    """The caller's token; the Authorization header wins over the cookie; None when absent."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise CredentialRejected("send the credential as `Authorization: Bearer <token>`")
    else:
        token = request.cookies.get(SESSION_COOKIE, "").strip()
        if not token:
            return None
    if len(token) > MAX_TOKEN_LENGTH:
        raise CredentialRejected("the credential is not valid: sign in again")
    return token
