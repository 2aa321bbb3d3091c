"""The HTTP API application: ``create_app()`` for uvicorn, tests and embedding.

Why a factory: the ledger URL, API key and limits come from the caller (``deminimis serve``,
a test, a portal's own ASGI server), not from import-time globals.

Status codes: 200/201 a decision or record; 401 missing or wrong ``X-API-Key`` (only when
``DEMINIMIS_API_KEY`` is set); 404 unknown reservation; 409 a reservation refused (the grant
does not fit de minimis) or not pending; 413 body larger than the limit or too many rows;
415 a batch that is neither JSON nor multipart; 422 invalid input, with the field path in
``loc``; 503 no usable ledger. Input never causes a 500.

The officer's web page (:mod:`deminimis.web`) is mounted at ``/``, its assets at ``/static``.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader

from deminimis import __version__
from deminimis.errors import DeminimisError, InputError, SourceError
from deminimis.http.docs import mount_docs
from deminimis.ledger import Conflict, Ledger, NotFound, NotInitialised, open_ledger
from deminimis.web import mount as mount_web

from . import routes
from .settings import ApiSettings

DESCRIPTION = """EEA de minimis checks for Norwegian grantors, with a grant ledger.

Money is a string with two decimals (`"150000.00"`). Decisions follow the deminimis contract
(§3). Invalid fields give 422 with the field path in `loc`; a reservation that does not fit
de minimis gives 409 with the decision explaining why."""

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="needed when the server sets one")


def require_api_key(request: Request, key: str | None = Depends(_api_key)) -> None:
    """Refuse the call unless the server has no key or the header matches it."""
    expected = request.app.state.settings.api_key
    if expected and not (key and secrets.compare_digest(key.encode(), expected.encode())):
        raise HTTPException(
            401, "missing or wrong X-API-Key header", headers={"WWW-Authenticate": "X-API-Key"}
        )


def _json(status: int, detail: Any, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _json(404, str(exc))

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        decision = exc.decision.to_json_dict() if exc.decision is not None else None
        return _json(409, str(exc), decision=decision)

    @app.exception_handler(NotInitialised)
    async def _no_ledger(_: Request, exc: NotInitialised) -> JSONResponse:
        return _json(503, str(exc))

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return _json(422, [{"type": "input_error", "loc": ["body"], "msg": str(exc)}])

    @app.exception_handler(SourceError)
    async def _source(_: Request, exc: SourceError) -> JSONResponse:
        return _json(502, str(exc))

    @app.exception_handler(DeminimisError)
    async def _other(_: Request, exc: DeminimisError) -> JSONResponse:  # rules data: a server fault
        return _json(500, str(exc))


def create_app(settings: ApiSettings | None = None, **overrides: Any) -> FastAPI:
    """The FastAPI app over one ledger; ``overrides`` are :class:`ApiSettings` fields."""
    settings = settings or ApiSettings.from_env(**overrides)
    ledger: Ledger | None
    try:
        ledger = open_ledger(settings.db_url, create=settings.init)
    except NotInitialised:
        if not settings.ledger_optional:
            raise
        ledger = None

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[None]:
        yield
        running.state.web_store.close()
        if ledger is not None:
            ledger.close()

    app = FastAPI(
        title="deminimis",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        max_body_size=settings.max_body_bytes,
        docs_url=None,  # served from the package's own assets (deminimis.http.docs)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.ledger = ledger
    _handlers(app)
    app.include_router(routes.public)
    app.include_router(routes.router, dependencies=[Depends(require_api_key)])
    mount_docs(app)
    mount_web(app)
    return app


__all__ = ["create_app", "require_api_key"]
