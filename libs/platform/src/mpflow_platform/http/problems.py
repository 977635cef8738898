"""RFC 9457 problem+json: typed errors, mapped to responses in one place (STYLE.md §7.9)."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("mpflow.http")

PROBLEM_JSON = "application/problem+json"
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ProblemError(Exception):
    """Base of every error that should reach the client as problem+json."""

    status = 400
    error_code = "bad_request"

    def __init__(self, detail: str, *, error_code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if error_code:
            self.error_code = error_code
        self.extra = extra

    def headers(self) -> dict[str, str] | None:
        """Response headers the problem needs (e.g. WWW-Authenticate, Retry-After)."""
        return None


class BadRequest(ProblemError):
    status, error_code = 400, "bad_request"


class Unauthorized(ProblemError):
    status, error_code = 401, "unauthorized"


class Forbidden(ProblemError):
    status, error_code = 403, "forbidden"


class NotFound(ProblemError):
    status, error_code = 404, "not_found"


class Conflict(ProblemError):
    status, error_code = 409, "conflict"


class Unprocessable(ProblemError):
    status, error_code = 422, "unprocessable"


class TooManyRequests(ProblemError):
    """429 with `Retry-After` (whole seconds until the caller may try again)."""

    status, error_code = 429, "too_many_requests"

    def __init__(self, detail: str, *, retry_after: int, error_code: str | None = None) -> None:
        super().__init__(detail, error_code=error_code, retry_after=max(1, retry_after))
        self.retry_after = max(1, retry_after)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def problem_response(
    status: int,
    detail: str,
    *,
    error_code: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://openmpflow.dev/problems/{error_code.replace('_', '-')}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": instance,
        "error_code": error_code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _invalid_params(exc: RequestValidationError) -> list[dict[str, str]]:
    params = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        params.append({"name": ".".join(loc) or "body", "reason": str(err.get("msg", "invalid"))})
    return params


def install_problem_handlers(app: FastAPI) -> None:
    """Every error the app can raise leaves as problem+json; nothing a client sends gives 500."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(
            exc.status,
            exc.detail,
            error_code=exc.error_code,
            instance=request.url.path,
            headers=exc.headers(),
            **exc.extra,
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(
            422,
            "The request is not valid: see invalid_params.",
            error_code="validation_error",
            instance=request.url.path,
            invalid_params=_invalid_params(exc),
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "")
        code = _TITLES.get(exc.status_code, "error").lower().replace(" ", "_")
        return problem_response(
            exc.status_code,
            detail,
            error_code=code,
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    async def on_transient(request: Request, exc: Exception) -> JSONResponse:
        # A deadlock or serialization failure: PostgreSQL rolled the transaction back and
        # nothing was written; the same request is expected to succeed when tried again.
        log.warning("transaction rolled back by the database: %s", type(exc).__name__)
        return problem_response(
            503,
            "The request collided with a concurrent change and was not applied; retry it.",
            error_code="retry",
            instance=request.url.path,
            headers={"Retry-After": "1"},
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem_response(
            500,
            "An unexpected error occurred; it has been logged with the request id.",
            error_code="internal_error",
            instance=request.url.path,
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(asyncpg.exceptions.TransactionRollbackError, on_transient)
    app.add_exception_handler(Exception, on_unexpected)
