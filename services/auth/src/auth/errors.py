"""Domain errors of the auth service; each maps to problem+json through its base class."""

from __future__ import annotations

from mpflow_platform.http.problems import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    Unprocessable,
)

#: One message for every failed login (unknown user, wrong password, deactivated account),
#: so a response never tells which usernames exist.
INVALID_CREDENTIALS = "The username or password is incorrect."
INVALID_TOKEN = (
    "The credential is invalid, expired or revoked: sign in again or use a valid API key."
)


class InvalidCredentials(Unauthorized):
    status, error_code = 401, "invalid_credentials"

    def __init__(self) -> None:
        super().__init__(INVALID_CREDENTIALS)


class InvalidToken(Unauthorized):
    status, error_code = 401, "invalid_token"

    def __init__(self) -> None:
        super().__init__(INVALID_TOKEN)


class UsernameTaken(Conflict):
    status, error_code = 409, "username_taken"


class InvalidUsername(Unprocessable):
    status, error_code = 422, "invalid_username"


class WeakPassword(Unprocessable):
    status, error_code = 422, "weak_password"


class InvalidRole(Unprocessable):
    status, error_code = 422, "invalid_role"


class TenantNotFound(NotFound):
    status, error_code = 404, "tenant_not_found"


class AccountNotFound(NotFound):
    status, error_code = 404, "account_not_found"


class OwnerRequired(Forbidden):
    status, error_code = 403, "owner_required"


class PlatformAdminRequired(Forbidden):
    status, error_code = 403, "platform_admin_required"


class LastOwner(Conflict):
    status, error_code = 409, "last_owner"


class SsoSubjectTaken(Conflict):
    status, error_code = 409, "sso_subject_taken"


class BootstrapError(RuntimeError):
    """The first platform administrator cannot be created; the service refuses to start."""
