"""List conventions (API.md): `?q=&sort=field:asc|desc&limit=&cursor=` -> Page[T]."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from mpflow_platform.http.problems import BadRequest

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: Offsets beyond this are not pages anyone reached by following next_cursor.
MAX_OFFSET = 2**31 - 1


# The query parameters every list endpoint takes. PostgreSQL text cannot hold NUL, so a
# search containing one is a 422 here rather than a database error.
SearchQuery = Annotated[
    str | None, Query(max_length=200, pattern=r"^[^\x00]*$", description="search text")
]
SortParam = Annotated[str | None, Query(max_length=100, description="field:asc|desc")]
LimitParam = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
CursorParam = Annotated[str | None, Query(max_length=200, description="next_cursor of a page")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    next_cursor: str | None = None


@dataclass(frozen=True)
class Sort:
    column: str
    descending: bool

    @property
    def sql(self) -> str:
        return f"{self.column} {'DESC' if self.descending else 'ASC'}"


def parse_sort(value: str | None, allowed: dict[str, str], default: str) -> Sort:
    """`field:asc|desc` -> Sort over a whitelisted column; unknown fields are a 400."""
    field, _, direction = (value or default).partition(":")
    direction = direction or "asc"
    if field not in allowed:
        raise BadRequest(
            f"cannot sort by {field!r}; sortable fields: {', '.join(sorted(allowed))}",
            error_code="invalid_sort",
        )
    if direction not in ("asc", "desc"):
        raise BadRequest(
            f"sort direction must be asc or desc, not {direction!r}", error_code="invalid_sort"
        )
    return Sort(allowed[field], direction == "desc")


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The offset a cursor stands for (0 when absent); a forged cursor is a 400."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = raw.partition(":")
        offset = int(number)
        if kind != "o" or not 0 <= offset <= MAX_OFFSET:
            raise ValueError(raw)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise BadRequest(
            "the cursor is not valid; pass next_cursor from a previous page",
            error_code="invalid_cursor",
        ) from exc
    return offset


def next_cursor(offset: int, limit: int, total: int) -> str | None:
    return encode_cursor(offset + limit) if offset + limit < total else None


def like_pattern(text: str) -> str:
    """`%text%` for ILIKE with the wildcard characters of `text` escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class PageQuery:
    """What one list request asks for: search text, order, and the window."""

    q: str | None
    sort: Sort
    limit: int
    offset: int


async def fetch_page(
    tx: Any,
    *,
    columns: str,
    table: str,
    where: str,
    args: Sequence[Any],
    search_columns: Sequence[str],
    tie_breaker: str,
    page: PageQuery,
) -> tuple[list[Any], int]:
    """Rows of one page and the total matching rows, for `SELECT columns FROM table WHERE
    where` (which must scope by user_id), narrowed by `q` over `search_columns` (ILIKE)."""
    params = list(args)
    if page.q:
        params.append(like_pattern(page.q))
        ors = " OR ".join(f"{c} ILIKE ${len(params)}" for c in search_columns)
        where = f"({where}) AND ({ors})"
    total = await tx.fetchval(f"SELECT count(*) FROM {table} WHERE {where}", *params)
    rows = await tx.fetch(
        f"SELECT {columns} FROM {table} WHERE {where} ORDER BY {page.sort.sql}, {tie_breaker} "
        f"LIMIT ${len(params) + 1} OFFSET ${len(params) + 2}",
        *params,
        page.limit,
        page.offset,
    )
    return list(rows), int(total)


def page_query(
    *,
    q: str | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    sortable: dict[str, str],
    default_sort: str,
) -> PageQuery:
    """The list query parameters of a request, validated (400 for a bad sort or cursor)."""
    return PageQuery(
        q=q,
        sort=parse_sort(sort, sortable, default_sort),
        limit=limit,
        offset=decode_cursor(cursor),
    )
