"""One place where every validation or value error becomes a 4xx, and no error body can fail.

Why: a body with ``NaN``, a lone surrogate (``"\\ud800"``) or a 100,000-digit number used to
pass validation far enough to crash the JSON serialiser *while writing the 422*, so the
client got a 500. Here every error detail is made JSON-safe first (:func:`safe`), field
paths stay in ``loc``, and exceptions that only input can cause (``ValueError``,
``RecursionError``) are 422, never 500. A busy ledger is 503 with ``Retry-After``.

:func:`install` registers the handlers and the request shield (:mod:`deminimis.http.shield`)
on an app with one call.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from deminimis.ledger import Busy
from deminimis.sources.table_guards import TooManyRows

MAX_TEXT = 200
"""Longest text echoed back in an error (``input`` of a 100,000-digit amount is cut)."""
MAX_DEPTH = 12
RETRY_AFTER_S = 2


def safe(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy of an error detail: finite numbers, valid UTF-8, short texts, bounded depth."""
    if depth > MAX_DEPTH:
        return "…"
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**15 else f"{str(value)[:20]}… ({len(str(value))} digits)"
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        text = value.encode("utf-8", "backslashreplace").decode("utf-8")
        return text if len(text) <= MAX_TEXT else f"{text[:MAX_TEXT]}… ({len(text)} characters)"
    if isinstance(value, dict):
        return {str(safe(k, depth + 1)): safe(v, depth + 1) for k, v in list(value.items())[:50]}
    if isinstance(value, list | tuple):
        return [safe(v, depth + 1) for v in list(value)[:50]]
    return safe(repr(value), depth + 1)


def error_response(status: int, errors: list[dict[str, Any]] | str, **headers: str) -> JSONResponse:
    return JSONResponse({"detail": safe(errors)}, status_code=status, headers=headers or None)


def _detail(errors: Any) -> list[dict[str, Any]]:
    keep = ("type", "loc", "msg", "input")
    return [{k: e[k] for k in keep if k in e} for e in errors]


def _register(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, _detail(exc.errors()))

    @app.exception_handler(ValidationError)
    async def _model(_: Request, exc: ValidationError) -> JSONResponse:
        errors = exc.errors(include_url=False, include_context=False)
        return error_response(422, [{**e, "loc": ("body", *e["loc"])} for e in _detail(errors)])

    @app.exception_handler(RecursionError)
    async def _deep(_: Request, exc: RecursionError) -> JSONResponse:
        return error_response(422, [{"type": "json_invalid", "loc": ["body"], "msg": "nested too deeply"}])

    @app.exception_handler(ValueError)
    async def _value(_: Request, exc: ValueError) -> JSONResponse:
        msg = "text that is not valid UTF-8" if isinstance(exc, UnicodeError) else str(exc)
        return error_response(422, [{"type": "value_error", "loc": ["body"], "msg": msg}])

    @app.exception_handler(TooManyRows)
    async def _rows(_: Request, exc: TooManyRows) -> JSONResponse:
        return error_response(413, str(exc))

    @app.exception_handler(Busy)
    async def _busy(_: Request, exc: Busy) -> JSONResponse:
        return error_response(503, str(exc), **{"Retry-After": str(RETRY_AFTER_S)})


def install(app: FastAPI) -> None:
    """The handlers above plus the request shield (body checks, limits, headers, load)."""
    from .shield import Shield

    _register(app)
    app.add_middleware(Shield)


__all__ = ["error_response", "install", "safe"]
