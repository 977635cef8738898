import pytest

from mpflow_platform.http.pagination import (
    decode_cursor,
    encode_cursor,
    like_pattern,
    next_cursor,
    parse_sort,
)
from mpflow_platform.http.problems import BadRequest


def test_cursor_round_trips_and_last_page_has_none() -> None:
    assert decode_cursor(encode_cursor(150)) == 150
    assert next_cursor(0, 50, 120) is not None
    assert next_cursor(100, 50, 120) is None


@pytest.mark.parametrize("cursor", ["zzz", "bzotMQ", "eDox", encode_cursor(5)[:-1] + "!"])
def test_forged_cursor_is_a_bad_request(cursor: str) -> None:
    with pytest.raises(BadRequest):
        decode_cursor(cursor)


def test_unknown_sort_field_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="sortable fields: sku"):
        parse_sort("password:asc", {"sku": "sku"}, "sku")


def test_sort_defaults_to_ascending() -> None:
    assert parse_sort("sku", {"sku": "s"}, "sku").sql == "s ASC"
    assert parse_sort("sku:desc", {"sku": "s"}, "sku").sql == "s DESC"


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"


def test_a_cursor_beyond_any_real_page_is_a_bad_request() -> None:
    with pytest.raises(BadRequest):
        decode_cursor(encode_cursor(2**63))
