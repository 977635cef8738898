"""Errors of the tenant settings."""

from __future__ import annotations

from mpflow_platform.http.problems import Conflict, Forbidden, Unprocessable


class InvalidSettings(Unprocessable):
    status, error_code = 422, "invalid_settings"


class SsoDomainTaken(Conflict):
    status, error_code = 409, "sso_domain_taken"


class TenantRequired(Forbidden):
    status, error_code = 403, "tenant_required"
