"""The API docs (``/docs``) served from the package: Swagger UI's assets come from the
``swagger-ui-bundle`` package (Apache-2.0) at ``/docs-assets``, so the page renders on a closed
municipal network (FastAPI's default loads them from a CDN)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"


def mount_docs(app: FastAPI) -> None:
    """``/docs`` with local Swagger UI assets (call with ``FastAPI(docs_url=None, redoc_url=None)``)."""
    from swagger_ui_bundle import swagger_ui_path

    @app.get(f"{ASSETS}/openapi.json", include_in_schema=False)
    def schema_for_docs() -> JSONResponse:
        # The bundled Swagger UI (4.x) renders only "openapi: 3.0.x" documents; the schema is the
        # same as /openapi.json (FastAPI writes 3.1.0) apart from that label.
        return JSONResponse({**app.openapi(), "openapi": "3.0.3"})

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{ASSETS}/openapi.json",
            title=f"{app.title} – API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )

    app.mount(ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")  # after the routes


__all__ = ["mount_docs"]
