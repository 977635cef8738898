"""Errors of the API-keys endpoints."""

from __future__ import annotations

from mpflow_platform.http.problems import Forbidden, NotFound


class ApiKeyNotFound(NotFound):
    status, error_code = 404, "api_key_not_found"


class ScopeEscalation(Forbidden):
    """A credential may only hand out what it holds itself."""

    status, error_code = 403, "scope_escalation"


class NotAnAccount(Forbidden):
    status, error_code = 403, "account_required"
