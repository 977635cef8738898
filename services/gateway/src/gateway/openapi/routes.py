"""`/openapi.json` (the merged document) and `/docs` (Swagger UI from local files, no CDN)."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from gateway.deps import Docs
from mpflow_platform.http.problems import NotFound

router = APIRouter(include_in_schema=False)

#: Swagger UI 5, as shipped by the fastapi-offline package.
SWAGGER_DIR = Path(fastapi_offline.__file__).parent / "static"
SWAGGER_ASSETS = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"})


@router.get("/openapi.json")
async def get_openapi(docs: Docs) -> JSONResponse:
    """The services' Admin API merged into one OpenAPI document."""
    return JSONResponse(await docs.document())


@router.get("/docs")
async def get_docs() -> HTMLResponse:
    """Interactive API documentation."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="OpenMPFlow API",
        swagger_js_url="/docs/static/swagger-ui-bundle.js",
        swagger_css_url="/docs/static/swagger-ui.css",
        swagger_favicon_url="/docs/static/favicon.png",
        swagger_ui_parameters={"persistAuthorization": True},
    )


@router.get("/docs/static/{name}")
async def get_docs_asset(name: str) -> FileResponse:
    """One of Swagger UI's own files."""
    if name not in SWAGGER_ASSETS:
        raise NotFound(f"no documentation asset named {name!r}")
    return FileResponse(SWAGGER_DIR / name)
