"""``POST /v1/batch``: many applications, as JSON or as an uploaded file.

Why one endpoint with two bodies: portals send JSON; officers upload the spreadsheet they
already have. Both go through :func:`deminimis.ledger.batch_with_ledger`, the same pipeline
as ``deminimis batch``. Each application is decided on its own: a broken row gets route
``error`` (its ``errors`` name ``request`` and the item's index, or the uploaded file and its
spreadsheet row); prior aid and links sent with the batch must be clean (else 422).

- ``application/json``: a list of applications, or ``{"applications": [...], "awards": [...],
  "links": [...], "use_ledger": true}``.
- ``multipart/form-data``: file field ``applications`` (CSV or XLSX, contract §1), optional
  files ``awards`` and ``links``, optional field ``independent`` (``true``).

Batches are cumulative by default (contract §2): see :mod:`deminimis.batch_order`.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from deminimis.api import ignored_errors
from deminimis.case import BatchResult, awards_table, links_table
from deminimis.ledger import batch_with_ledger
from deminimis.models import Decision
from deminimis.sources.inputs import Upload, read_input, read_report
from deminimis.sources.table_guards import upload_name
from deminimis.sources.table_rows import IGNORED_SCHEMA

from .inputs import applications_table, body_tables, case_tables, context, limit_rows, raise_if
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


def _row_errors(errors: pl.DataFrame, field: str) -> list[dict[str, Any]]:
    return [
        {"type": "value_error", "loc": ("body", field, e["row"], e["field"]), "msg": e["message"]}
        for e in errors.iter_rows(named=True)
    ]


async def _upload(form: Any, field: str) -> Upload | None:
    upload = form.get(field)
    if upload is None:
        return None
    if not isinstance(upload, UploadFile):
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", field), "msg": "must be a file"}]
        )
    return Upload(await upload.read(), upload_name(upload.filename, f"{field}.csv"))


def _from_upload(
    settings: ApiSettings, uploads: dict[str, Upload | None]
) -> tuple[dict[str, pl.DataFrame | None], pl.DataFrame]:
    """The uploaded tables, read once, and the applications file's rows not read as applications;
    413 past the row limit, 422 for a broken side-file row."""
    ctx = context(settings)
    out: dict[str, pl.DataFrame | None] = dict.fromkeys(uploads)
    ignored = pl.DataFrame(schema=IGNORED_SCHEMA)
    for field, upload in uploads.items():
        if upload is None:
            continue
        if field == "applications":
            raw, ignored = read_report(upload, field)
        else:
            raw = read_input(upload, field)
        limit_rows(raw.height, settings, field)
        if field == "awards":
            raise_if(_row_errors(awards_table(raw, ctx)[1], field))
        elif field == "links":
            raise_if(_row_errors(links_table(raw)[1], field))
        out[field] = raw
    return out, ignored


async def _multipart(request: Request, settings: ApiSettings) -> BatchResult:
    form = await request.form(max_files=3, max_fields=4)
    independent = str(form.get("independent") or "").strip().lower() in ("1", "true", "yes", "on")
    uploads = {f: await _upload(form, f) for f in ("applications", "awards", "links")}
    if uploads["applications"] is None:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body", "applications"), "msg": "file field required"}]
        )
    given, ignored = await run_in_threadpool(_from_upload, settings, uploads)
    apps = given.pop("applications")
    result = await run_in_threadpool(
        batch_with_ledger,
        request.app.state.ledger,
        apps,
        independent=independent,
        **case_tables(settings, **given),
    )
    result.ignored = ignored_errors(ignored)
    return result


async def _json(request: Request, settings: ApiSettings) -> BatchResult:
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
        return BatchResult([], [])
    given = body_tables(batch, settings)
    ledger = request.app.state.ledger if batch.use_ledger else None
    extra = {"register": True} if batch.use_register else {}
    result = await run_in_threadpool(
        batch_with_ledger,
        ledger,
        applications_table(batch.applications),
        independent=batch.independent,
        unrecognised_basis=batch.unrecognised_basis,
        **{**case_tables(settings, **given), **extra},
    )
    return result


@router.post("/batch", response_model=list[Decision], openapi_extra=_OPENAPI)
async def batch(request: Request, response: Response, report: bool = False) -> Any:
    """Decide many applications (JSON list, or an uploaded applications file).

    The answer is the list of decisions; ``?report=true`` answers ``{"decisions", "ignored",
    "input_errors"}`` instead: the rows of an uploaded applications file not read as
    applications (title, blank, totals, a repeated header) and the broken rows of no
    application. Without it, a header ``Deminimis-Ignored-Rows`` counts the ignored rows."""
    settings: ApiSettings = request.app.state.settings
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        result = await _multipart(request, settings)
    elif kind == "application/json":
        result = await _json(request, settings)
    else:
        raise HTTPException(415, "send application/json or multipart/form-data")
    if report:
        return JSONResponse(
            {
                "decisions": [d.to_json_dict() for d in result.decisions],
                "ignored": [e.model_dump() for e in result.ignored],
                "input_errors": [e.model_dump() for e in result.input_errors],
            }
        )
    if result.ignored:
        response.headers["Deminimis-Ignored-Rows"] = str(len(result.ignored))
    return list(result.decisions)


__all__ = ["router"]
