"""Errors of the pricing calculator and the commission tiers (problem+json, 4xx only)."""

from __future__ import annotations

from typing import Any

from mpflow_platform.http.problems import ProblemError, Unprocessable


class TargetUnreachableError(Unprocessable):
    error_code = "target_unreachable"


class NoCommissionTierError(Unprocessable):
    """The price lies outside every commission tier of the product."""

    error_code = "no_commission_tier"


class NoCommissionTiersError(Unprocessable):
    """Neither the tenant nor the sample has tiers for the category and scheme."""

    error_code = "no_commission_tiers"


class RoiUndefinedError(Unprocessable):
    error_code = "roi_undefined"


class InvalidTierFileError(Unprocessable):
    """The uploaded tiers file has bad rows; `errors` names each one."""

    error_code = "invalid_commission_file"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail, errors=errors)


class UnsupportedMediaTypeError(ProblemError):
    status, error_code = 415, "unsupported_media_type"


class PayloadTooLargeError(ProblemError):
    status, error_code = 413, "payload_too_large"


class PriceNotPositiveError(Unprocessable):
    error_code = "price_not_positive"
