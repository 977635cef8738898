"""HTTP entry points of master cards as files: import (CSV or XLSX upload) and export (CSV).

Mounted before the card router, so that `/master-cards/export` is not taken for a card id.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile
from starlette.types import Message

from catalog.card import importing
from catalog.card.importing import (
    MAX_FILE_BYTES,
    FileTooLarge,
    ImportReport,
    UnreadableFile,
    UnsupportedFileType,
)
from catalog.card.repository import SORTABLE, CardFilter
from catalog.card.routes import BrandFilter, HasLinkFilter, StatusFilter
from catalog.card.transfer import XLSX_MIME
from mpflow_platform.http.deps import CurrentIdentity, DbPool
from mpflow_platform.http.pagination import PageQuery, SearchQuery, SortParam, parse_sort

router = APIRouter(prefix="/v1/admin/master-cards", tags=["catalog"])

#: Media types taken as the file itself (the body is the file).
RAW_TYPES = frozenset(
    {
        "text/csv",
        "text/plain",
        "application/csv",
        "application/vnd.ms-excel",
        "application/octet-stream",
        XLSX_MIME,
    }
)
#: Room for the multipart boundaries and part headers around a file of MAX_FILE_BYTES.
MULTIPART_OVERHEAD = 64 * 1024

_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            XLSX_MIME: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> FileTooLarge:
    return FileTooLarge(f"the file has more than {MAX_FILE_BYTES // 2**20} MB: split it")


async def _upload(request: Request) -> tuple[bytes, str | None, str | None]:
    """The uploaded file's bytes, name and media type: the multipart field `file`, or the
    whole body when it is sent as text/csv or as XLSX."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        body = await _read_body(request, MAX_FILE_BYTES + MULTIPART_OVERHEAD)

        async def receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        form = await Request(request.scope, receive).form(max_files=1, max_fields=10)
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise UnreadableFile("send the file in the multipart/form-data field `file`")
            data = await upload.read(MAX_FILE_BYTES + 1)
            return data, upload.filename, upload.content_type
        finally:
            await form.close()
    if media in RAW_TYPES:
        return await _read_body(request, MAX_FILE_BYTES), None, media
    raise UnsupportedFileType(
        "send the file as multipart/form-data (field `file`), or as the body with "
        f"Content-Type text/csv or {XLSX_MIME}"
    )


@router.post("/import", response_model=ImportReport, openapi_extra=_IMPORT_BODY)
async def import_master_cards(
    request: Request,
    pool: DbPool,
    identity: CurrentIdentity,
    dry_run: Annotated[
        bool, Query(description="Judge every row and report, but write nothing.")
    ] = False,
) -> ImportReport:
    """Create or update cards from a CSV (UTF-8 or Windows-1251, `,` or `;`) or XLSX file,
    matched by SKU; blank cells keep the card's value. Answers a report per row; a bad row
    never stops the others. 413 over 10 MB; 422 when the file is not a table with sku and
    title columns, or has more than 20 000 rows."""
    data, filename, content_type = await _upload(request)
    return await importing.import_cards(
        pool=pool,
        identity=identity,
        data=data,
        filename=filename,
        content_type=content_type,
        dry_run=dry_run,
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "the cards as CSV"}},
)
async def export_master_cards(
    pool: DbPool,
    identity: CurrentIdentity,
    q: SearchQuery = None,
    status: StatusFilter = None,
    brand: BrandFilter = None,
    has_link: HasLinkFilter = None,
    sort: SortParam = None,
    delimiter: Annotated[
        Literal[",", ";"], Query(description="`;` for Excel in a Russian locale")
    ] = ",",
) -> StreamingResponse:
    """Every matching card (the list's filters; sorted by SKU unless `sort` says otherwise)
    as CSV with the import's English headers, so the file imports back unchanged."""
    page = PageQuery(q=q, sort=parse_sort(sort, SORTABLE, "sku:asc"), limit=0, offset=0)
    where = CardFilter(statuses=tuple(status or ()), brand=brand, has_link=has_link)
    return StreamingResponse(
        importing.export_csv(
            pool=pool, identity=identity, page=page, where=where, delimiter=delimiter
        ),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="master-cards.csv"'},
    )
