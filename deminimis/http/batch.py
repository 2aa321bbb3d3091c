"""``POST /v1/batch``: many applications, as JSON or as an uploaded file.

Why one endpoint with two bodies: portals send JSON; officers upload the spreadsheet they
already have. Both go through :func:`deminimis.ledger.batch_with_ledger`, the same pipeline
as ``deminimis batch``. Each application is decided on its own: a broken row gets route
``error`` (its ``errors`` name ``request`` and the item's index, or the uploaded file and its
spreadsheet row); prior aid and links sent with the batch must be clean (else 422).

- ``application/json``: a list of applications, or ``{"applications": [...], "awards": [...],
  "links": [...], "use_ledger": true}``.
- ``multipart/form-data``: file field ``applications`` (CSV or XLSX, contract §1), optional
  files ``awards`` and ``links``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from deminimis.ledger import batch_with_ledger, validate_awards
from deminimis.models import Decision, RowError
from deminimis.sources import tables
from deminimis.sources.table_guards import upload_name

from .inputs import applications_file, events_file, limit_rows, raise_if, relabel_file, side_tables
from .schemas import ApplicationIn, BatchIn
from .settings import ApiSettings

router = APIRouter(tags=["check"])
_LIST = TypeAdapter(list[ApplicationIn])
_BODY = TypeAdapter(list[ApplicationIn] | BatchIn)
_REF = "#/components/schemas/{model}"
_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _BODY.json_schema(ref_template=_REF)},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["applications"],
                    "properties": {
                        name: {"type": "string", "format": "binary", "description": text}
                        for name, text in (
                            ("applications", "applications table (CSV or XLSX)"),
                            ("awards", "prior aid not in the ledger (optional)"),
                            ("links", "orgnr,undertaking_id (optional)"),
                        )
                    },
                }
            },
        },
    }
}


def _row_errors(errors: list[RowError], field: str) -> list[dict[str, Any]]:
    return [{"type": "value_error", "loc": ("body", field, e.row, e.field), "msg": e.message} for e in errors]


async def _save(upload: Any, directory: Path, field: str) -> tuple[Path, str] | None:
    if upload is None:
        return None
    if not isinstance(upload, UploadFile):
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", field), "msg": "must be a file"}]
        )
    name = upload_name(upload.filename, f"{field}.csv")
    path = directory / field / name
    path.parent.mkdir()
    path.write_bytes(await upload.read())
    return path, upload.filename or name


def _from_upload(settings: ApiSettings, apps: Path, awards: Path | None, links: Path | None) -> None:
    """Row limit and strict side files for an uploaded batch (raises 413 / 422)."""
    limit_rows(tables.read_table(apps, "applications").height, settings, "applications")
    if awards is not None:
        rows, errors, _ = validate_awards(
            awards, rules_dir=settings.rules_dir, rates_file=settings.rates_file
        )
        limit_rows(len(rows) + len(errors), settings, "awards")
        raise_if(_row_errors(errors, "awards"))
    if links is not None:
        _, errors = tables.canonical_links(tables.read_table(links, "links"))
        raise_if(_row_errors([RowError(**r) for r in errors.iter_rows(named=True)], "links"))


async def _multipart(request: Request, settings: ApiSettings, tmp: Path) -> list[Decision]:
    form = await request.form(max_files=3, max_fields=3)
    saved = {f: await _save(form.get(f), tmp, f) for f in ("applications", "awards", "links")}
    if saved["applications"] is None:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body", "applications"), "msg": "file field required"}]
        )
    apps, apps_name = saved["applications"]
    awards = saved["awards"][0] if saved["awards"] else None
    links = saved["links"][0] if saved["links"] else None
    await run_in_threadpool(_from_upload, settings, apps, awards, links)
    result = await run_in_threadpool(
        batch_with_ledger,
        request.app.state.ledger,
        apps,
        awards_file=awards or settings.awards_file,
        links=links or settings.links_file,
        **settings.engine_options(),
    )
    decisions = relabel_file(result.decisions, apps, apps_name)
    for field in ("awards", "links"):
        if saved[field]:
            decisions = relabel_file(decisions, saved[field][0], saved[field][1])
    return decisions


async def _json(request: Request, settings: ApiSettings, tmp: Path) -> list[Decision]:
    try:
        raw = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": str(exc)}]) from exc
    if not isinstance(raw, list | dict):
        raise RequestValidationError(
            [{"type": "model_type", "loc": ("body",), "msg": "send a list of applications or an object"}]
        )
    items = raw if isinstance(raw, list) else raw.get("applications")
    limit_rows(len(items) if isinstance(items, list) else 0, settings, "applications")
    try:
        batch = (
            BatchIn.model_validate(raw)
            if isinstance(raw, dict)
            else BatchIn(applications=_LIST.validate_python(raw))
        )
    except ValidationError as exc:
        errors = [
            {**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_context=False)
        ]
        raise RequestValidationError(errors) from exc
    if not batch.applications:
        return []
    rows, links = side_tables(batch.awards, batch.links, settings, tmp)
    events = events_file(batch.events, settings, tmp)
    apps = applications_file(batch.applications, tmp)
    ledger = request.app.state.ledger if batch.use_ledger else None
    extra = {"register": True} if batch.use_register else {}
    result = await run_in_threadpool(
        batch_with_ledger,
        ledger,
        apps,
        awards_rows=rows,
        awards_file=settings.awards_file,
        links=links or settings.links_file,
        events=events,
        unrecognised_basis=batch.unrecognised_basis,
        **{**settings.engine_options(), **extra},
    )
    return relabel_file(result.decisions, apps, "request", row_offset=-2)


@router.post("/batch", response_model=list[Decision], openapi_extra=_OPENAPI)
async def batch(request: Request) -> list[Decision]:
    """Decide many applications (JSON list, or an uploaded applications file)."""
    settings: ApiSettings = request.app.state.settings
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    with tempfile.TemporaryDirectory(prefix="deminimis-api-") as tmp:
        if kind == "multipart/form-data":
            return await _multipart(request, settings, Path(tmp))
        if kind == "application/json":
            return await _json(request, settings, Path(tmp))
    raise HTTPException(415, "send application/json or multipart/form-data")


__all__ = ["router"]
