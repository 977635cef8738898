"""Catalog's domain errors (mapped to problem+json by the platform handler)."""

from __future__ import annotations

from mpflow_platform.http.problems import Conflict, NotFound, Unprocessable


class CardNotFound(NotFound):
    error_code = "card_not_found"


class SourceNotFound(NotFound):
    error_code = "source_not_found"


class DuplicateSku(Conflict):
    error_code = "duplicate_sku"


class LinkTaken(Conflict):
    error_code = "link_taken"


class InvalidAttributes(Unprocessable):
    error_code = "invalid_attributes"


class TooManySources(Conflict):
    error_code = "too_many_sources"
