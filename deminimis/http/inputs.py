"""From request bodies to the engine's tables, with the engine's own validation.

Why the engine's rules: an orgnr, amount, currency, date or basis is valid in the API exactly
when the CLI would accept it (:mod:`deminimis.sources.tables`), so the two never disagree.
Problems become a 422 whose ``loc`` is the field path (``["body", "awards", 2, "amount"]``).
Prior aid and links given with a request must be clean (any broken row: 422); applications
in a batch are decided row by row, a broken one getting route ``error`` as in the CLI.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError

from deminimis import fx
from deminimis.events import canonical_events
from deminimis.labels import relabel_file
from deminimis.ledger.prior import Row
from deminimis.rules import SCHEMES, load_rules
from deminimis.sources import tables

from .schemas import ApplicationIn, AwardIn, EventIn, LinkIn
from .settings import ApiSettings

APPLICATION_COLUMNS = (*tables.REQUIRED["applications"], *tables.OPTIONAL["applications"])
AWARD_FIELDS = (*tables.REQUIRED["awards"], *tables.OPTIONAL["awards"])
REQUEST_AWARDS = "request.awards"
"""``counted[].file`` of prior aid given in the request body (``row``: its list index)."""


def _error(loc: Sequence[str | int], msg: str, value: Any = None) -> dict[str, Any]:
    return {"type": "value_error", "loc": tuple(loc), "msg": msg, "input": value}


def raise_if(errors: list[dict[str, Any]]) -> None:
    if errors:
        raise RequestValidationError(errors)


def limit_rows(count: int, settings: ApiSettings, what: str) -> None:
    """413 when a request carries more rows than the configured maximum."""
    if count > settings.max_rows:
        raise HTTPException(413, f"{what}: {count} rows; at most {settings.max_rows} per request")


def currencies(settings: ApiSettings) -> list[str]:
    return fx.currencies(settings.rates_file)


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pl.DataFrame:
    data = {c: [None if r.get(c) is None else str(r[c]) for r in rows] for c in columns}
    frame = pl.DataFrame(data, schema={c: pl.Utf8 for c in columns})
    return frame.with_columns(file=pl.lit("request"), row=pl.int_range(pl.len(), dtype=pl.Int64))


def application_row(app: ApplicationIn, index: int | None = None) -> dict[str, str | None]:
    """The contract's applications row (text); defaults: today, id = 1-based position."""
    row = app.model_dump()
    row["grant_date"] = app.grant_date or dt.date.today().isoformat()
    row["application_id"] = app.application_id or str((index or 0) + 1)
    if app.in_difficulty_2019 is not None:
        row["in_difficulty_2019"] = "yes" if app.in_difficulty_2019 else "no"
    for flag in ("via_intermediary", "export_linked", "domestic_preference", "insolvency_proceedings"):
        if row.get(flag) is not None:
            row[flag] = "yes" if row[flag] else "no"
    return {c: row.get(c) for c in APPLICATION_COLUMNS}


def application_errors(app: ApplicationIn, settings: ApiSettings) -> list[dict[str, Any]]:
    """Every field of one application the engine would reject, as 422 errors."""
    frame = _frame([application_row(app)], APPLICATION_COLUMNS)
    _, errors = tables.canonical_applications(frame, currencies(settings), list(SCHEMES))
    return [
        _error(("body", e["field"]), e["message"], getattr(app, e["field"], None))
        for e in errors.iter_rows(named=True)
    ]


def _row_errors(errors: pl.DataFrame, rows: list[dict[str, Any]], loc: str) -> list[dict[str, Any]]:
    return [
        _error(("body", loc, e["row"], e["field"]), e["message"], rows[e["row"]].get(e["field"]))
        for e in errors.sort("row", maintain_order=True).iter_rows(named=True)
    ]


def _award_rows(awards: list[AwardIn], settings: ApiSettings) -> tuple[list[Row], list[dict[str, Any]]]:
    rows = [a.model_dump() for a in awards]
    if not rows:
        return [], []
    aliases = load_rules(settings.rules_dir).basis_aliases()
    _, errors = tables.canonical_awards(_frame(rows, AWARD_FIELDS), currencies(settings), aliases)
    return [{**r, "_file": REQUEST_AWARDS, "_row": i} for i, r in enumerate(rows)], _row_errors(
        errors, rows, "awards"
    )


def _links_file(links: list[LinkIn], directory: Path) -> tuple[Path | None, list[dict[str, Any]]]:
    if not links:
        return None, []
    rows = [link.model_dump() for link in links]
    columns = ("orgnr", "undertaking_id", *tables.OPTIONAL["links"])
    _, errors = tables.canonical_links(_frame(rows, columns))
    path = directory / "links.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows([["" if r.get(c) is None else r[c] for c in columns] for r in rows])
    return path, _row_errors(errors, rows, "links")


EVENT_COLUMNS = (*tables.REQUIRED["events"], *tables.OPTIONAL["events"])


def events_file(events: list[EventIn], settings: ApiSettings, directory: Path) -> Path | None:
    """The body's corporate events as an events CSV for the engine; 422 naming every broken row."""
    if not events:
        return None
    limit_rows(len(events), settings, "events")
    rows = [e.model_dump() for e in events]
    _, errors = canonical_events(_frame(rows, EVENT_COLUMNS))
    raise_if(_row_errors(errors.unique(["file", "row", "field"], maintain_order=True), rows, "events"))
    path = directory / "events.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(EVENT_COLUMNS)
        writer.writerows([["" if r.get(c) is None else r[c] for c in EVENT_COLUMNS] for r in rows])
    return path


def side_tables(
    awards: list[AwardIn],
    links: list[LinkIn],
    settings: ApiSettings,
    directory: Path,
    errors: list[dict[str, Any]] | None = None,
) -> tuple[list[Row], Path | None]:
    """Prior-aid rows and a links file from the body; one 422 listing ``errors`` and every
    broken award or link row, or 413 when there are too many rows."""
    limit_rows(len(awards), settings, "awards")
    limit_rows(len(links), settings, "links")
    rows, award_errors = _award_rows(awards, settings)
    path, link_errors = _links_file(links, directory)
    raise_if([*(errors or []), *award_errors, *link_errors])
    return rows, path


def applications_file(apps: list[ApplicationIn], directory: Path) -> Path:
    """A JSON batch as an applications CSV (row ``i + 2`` is item ``i``)."""
    path = directory / "applications.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(APPLICATION_COLUMNS)
        for i, app in enumerate(apps):
            writer.writerow(["" if v is None else v for v in application_row(app, i).values()])
    return path


__all__ = [
    "REQUEST_AWARDS",
    "application_errors",
    "application_row",
    "applications_file",
    "currencies",
    "events_file",
    "limit_rows",
    "side_tables",
    "raise_if",
    "relabel_file",
]
