"""Gateway errors, each one problem+json with its own error_code (API.md Conventions)."""

from __future__ import annotations

from mpflow_platform.http.problems import Forbidden, NotFound, ProblemError, Unauthorized


class UnknownRoute(NotFound):
    error_code = "unknown_route"


class UpstreamUnavailable(ProblemError):
    """The owning service could not be reached (refused, reset, unresolvable)."""

    status, error_code = 502, "upstream_unavailable"


class UpstreamTimeout(ProblemError):
    status, error_code = 504, "upstream_timeout"


class UpstreamError(ProblemError):
    """The service answered something the gateway cannot use (only for its own calls)."""

    status, error_code = 502, "upstream_error"


class CredentialError(Unauthorized):
    """401 with a `WWW-Authenticate` challenge (RFC 6750 §3)."""

    challenge = 'Bearer realm="openmpflow"'

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": self.challenge}


class CredentialRequired(CredentialError):
    error_code = "credential_required"


class CredentialRejected(CredentialError):
    error_code = "invalid_credential"
    challenge = 'Bearer realm="openmpflow", error="invalid_token"'


class InsufficientScope(Forbidden):
    """403 with the RFC 6750 `insufficient_scope` challenge naming the scope needed."""

    error_code = "insufficient_scope"

    def __init__(self, needed: str) -> None:
        super().__init__(
            f"This credential lacks the scope `{needed}` for this request: use a key that "
            "has it (or `*`).",
            required_scope=needed,
        )
        self.needed = needed

    def headers(self) -> dict[str, str]:
        return {
            "WWW-Authenticate": (
                f'Bearer realm="openmpflow", error="insufficient_scope", scope="{self.needed}"'
            )
        }
