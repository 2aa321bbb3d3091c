"""From request bodies to the engine's tables, with the engine's own validation.

Why the engine's rules: a body's rows are read by the same input layer as a file
(:mod:`deminimis.sources.inputs`, labelled ``request``, ``request.awards``… and numbered by
their list index) and checked by the same rules (:mod:`deminimis.sources.tables`), so a value
is valid in the API exactly when the CLI would accept it. Problems become a 422 whose ``loc``
is the field path (``["body", "awards", 2, "amount"]``). Prior aid, links and employer-tax rows
given with a request must be clean (any broken row: 422); applications in a batch are decided
row by row, a broken one getting route ``error`` as in the CLI. The server's own tables
(``serve --firms/--awards/--links/--employer-tax``) are added to every request
(:func:`case_tables`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from deminimis import employer_tax as employer_tax_mod
from deminimis import fx
from deminimis.api import application_record
from deminimis.case import Context, awards_table, links_table, server_tables
from deminimis.events import canonical_events
from deminimis.rules import SCHEMES
from deminimis.sources import tables
from deminimis.sources.inputs import TableInput, read_input

from .schemas import ApplicationIn
from .settings import ApiSettings

REQUEST = "request"
REQUEST_AWARDS = "request.awards"
"""``counted[].file`` of prior aid given in the request body (``row``: its list index)."""
REQUEST_LINKS = "request.links"
REQUEST_EMPLOYER_TAX = "request.employer_tax"
REQUEST_EVENTS = "request.events"


def _error(loc: Sequence[str | int], msg: str, value: Any = None) -> dict[str, Any]:
    return {"type": "value_error", "loc": tuple(loc), "msg": msg, "input": value}


def raise_if(errors: list[dict[str, Any]]) -> None:
    if errors:
        raise RequestValidationError(errors)


def limit_rows(count: int, settings: ApiSettings, what: str) -> None:
    """413 when a request carries more rows than the configured maximum."""
    if count > settings.max_rows:
        raise HTTPException(413, f"{what}: {count} rows; at most {settings.max_rows} per request")


def context(settings: ApiSettings) -> Context:
    return Context.load(settings.rules_dir, settings.rates_file)


def currencies(settings: ApiSettings) -> list[str]:
    return fx.currencies(settings.rates_file)


def application_row(app: ApplicationIn, index: int | None = None) -> dict[str, Any]:
    """The contract's applications row (text); defaults: today, id = 1-based position."""
    fields = app.model_dump(include=set(ApplicationIn.model_fields))
    fields["application_id"] = app.application_id or str((index or 0) + 1)
    return application_record(**fields)


def applications_table(apps: Sequence[ApplicationIn]) -> pl.DataFrame:
    """A JSON batch as the applications table (``file`` ``request``, ``row`` the list index)."""
    return read_input(
        [application_row(a, i) for i, a in enumerate(apps)], "applications", label=REQUEST, first_row=0
    )


def application_errors(app: ApplicationIn, settings: ApiSettings) -> list[dict[str, Any]]:
    """Every field of one application the engine would reject, as 422 errors."""
    raw = read_input([application_row(app)], "applications", label=REQUEST, first_row=0)
    _, errors = tables.canonical_applications(raw, currencies(settings), list(SCHEMES))
    return [
        _error(("body", e["field"]), e["message"], getattr(app, e["field"], None))
        for e in errors.iter_rows(named=True)
    ]


def _row_errors(errors: pl.DataFrame, rows: list[dict[str, Any]], loc: str) -> list[dict[str, Any]]:
    return [
        _error(("body", loc, e["row"], e["field"]), e["message"], rows[e["row"]].get(e["field"]))
        for e in errors.sort("row", maintain_order=True).iter_rows(named=True)
    ]


def _records(items: Sequence[BaseModel]) -> list[dict[str, Any]]:
    return [i.model_dump() for i in items]


def body_tables(
    body: Any, settings: ApiSettings, errors: list[dict[str, Any]] | None = None
) -> dict[str, pl.DataFrame | None]:
    """The body's ``awards``, ``links``, ``employer_tax`` and ``events`` as tables; one 422
    listing ``errors`` and every broken row, or 413 when there are too many rows."""
    ctx = context(settings)
    unrecognised = getattr(body, "unrecognised_basis", "count")
    out: dict[str, pl.DataFrame | None] = dict.fromkeys(("awards", "links", "employer_tax", "events"))
    problems = list(errors or [])
    for field, label in (
        ("awards", REQUEST_AWARDS),
        ("links", REQUEST_LINKS),
        ("employer_tax", REQUEST_EMPLOYER_TAX),
        ("events", REQUEST_EVENTS),
    ):
        rows = _records(getattr(body, field, None) or [])
        limit_rows(len(rows), settings, field)
        if not rows:
            continue
        raw = read_input(rows, field, label=label, first_row=0)
        if field == "awards":
            _, bad = awards_table(raw, ctx, unrecognised)
        elif field == "links":
            _, bad = links_table(raw)
        elif field == "events":  # an event's error is given for both of its orgnr: once here
            _, bad = canonical_events(raw)
            bad = bad.unique(["file", "row", "field"], maintain_order=True)
        else:
            _, bad = employer_tax_mod.canonical_rows(raw, employer_tax_mod.load(ctx.rules.directory))
        problems += _row_errors(bad, rows, field)
        out[field] = raw
    raise_if(problems)
    return out


def case_tables(settings: ApiSettings, **given: TableInput | None) -> dict[str, Any]:
    """:func:`deminimis.case.server_tables`: the server's tables with the request's own."""
    return server_tables(settings, **given)


__all__ = [
    "REQUEST",
    "REQUEST_AWARDS",
    "application_errors",
    "application_row",
    "applications_table",
    "body_tables",
    "case_tables",
    "context",
    "currencies",
    "limit_rows",
    "raise_if",
]
