"""The JSON API's pieces for the server to mount: its routers, the API-key guard, error handlers.

Why here and not in the app: :mod:`deminimis.server` builds the one ASGI app and mounts this
package and the web page (:mod:`deminimis.web`) side by side; neither imports the other.

Status codes: 200/201 a decision or record; 401 missing or wrong ``X-API-Key`` (only when
``DEMINIMIS_API_KEY`` is set); 404 unknown reservation; 409 a reservation refused (the grant
does not fit de minimis) or not pending, or an ``Idempotency-Key`` reused with another body;
413 body larger than the limit or too many rows; 415 a batch that is neither JSON nor
multipart; 422 invalid input, with the field path in ``loc``; 503 an endpoint that needs the
ledger on a server without one. Input never causes a 500.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader

from deminimis.errors import DeminimisError, InputError, SourceError
from deminimis.ledger import Conflict, NotFound, NotInitialised

from . import routes

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


def add_handlers(app: FastAPI) -> None:
    """Map the program's errors to status codes (see the module docstring)."""

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


def mount(app: FastAPI) -> None:
    """Add the ``/v1`` routes and error handlers to ``app`` (its state holds settings and ledger)."""
    add_handlers(app)
    app.include_router(routes.public)
    app.include_router(routes.router, dependencies=[Depends(require_api_key)])


__all__ = ["DESCRIPTION", "add_handlers", "mount", "require_api_key"]
