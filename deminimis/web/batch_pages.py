"""The batch page: upload an applicant list, watch the run, download the decisions workbook.

Why a background thread: a list of a few thousand rows takes seconds; the page answers at
once with a results page that refreshes itself (``<meta refresh>``, or a small poll when
JavaScript runs) until the run is done. Unreadable files are refused before the run starts,
with the message next to the file field; broken rows become ``error`` decisions listed with
file, row and field, as ``deminimis batch`` does.
"""

from __future__ import annotations

import io
import logging
import threading
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from deminimis.api import ignored_errors
from deminimis.case import server_tables as case_tables
from deminimis.errors import DeminimisError
from deminimis.errors_nb import said
from deminimis.ledger import LedgerError, batch_with_ledger
from deminimis.models import Decision, RowError
from deminimis.render.casefile import case_note
from deminimis.render.row_errors import column_nb, message_nb
from deminimis.render.tables import write_xlsx
from deminimis.sources import extra_columns
from deminimis.sources.inputs import Upload, read_input, read_report

from . import batch_notes
from .forms import Errors
from .i18n import Texts, pick_lang
from .prior_rows import read_prior
from .render import ledger_allowed, page
from .store import BatchJob, new_id

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
FILES = ("applications", "awards", "links", "events")


def _check_files(uploads: dict[str, Upload], settings: Any, t: Texts) -> tuple[Errors, dict[str, Any]]:
    """Read the uploads once and refuse what the engine cannot read (or too many rows) before
    the run starts; (errors by field, the tables)."""
    errors: Errors = {}
    if "applications" not in uploads:
        return {"applications": [t("err_required")]}, {}
    read: dict[str, Any] = {}
    for field in ("applications", "links", "events"):
        if field not in uploads:
            continue
        try:
            if field == "applications":  # the rows not read as applications are listed with the errors
                read[field], read["_ignored"] = read_report(uploads[field], field)
            else:
                read[field] = read_input(uploads[field], field)
        except DeminimisError as exc:
            errors[field] = [t("err_upload", file=uploads[field].name, message=said(exc, t.lang))]
            continue
        if read[field].height > settings.max_rows:
            count = read[field].height
            errors[field] = [
                t("err_too_many", file=uploads[field].name, count=count, limit=settings.max_rows)
            ]
    if "awards" in uploads:
        prior = read_prior(uploads["awards"], uploads["awards"].name, t, settings=settings)
        if prior.problems:
            errors["awards"] = prior.problems
        read["awards"] = prior.rows
    return errors, read


def run_job(job: BatchJob, given: dict[str, Any], state: Any, use_ledger: bool, lang: str = "en") -> None:
    """Decide every row, write the workbook (Norwegian columns on the nb page), and keep counts
    and errors on ``job``."""
    settings, store = state.settings, state.web_store

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        store.save_job(job)

    try:
        apps = given.pop("applications")
        ignored = ignored_errors(given.pop("_ignored")) if "_ignored" in given else []
        result = batch_with_ledger(
            state.ledger if use_ledger else None,
            apps,
            progress=progress,
            **case_tables(settings, **given),
        )
        decisions = result.decisions
        workbook = io.BytesIO()
        headers = "nb" if lang == "nb" else "en"
        write_xlsx(decisions, workbook, ignored + result.input_errors, headers, extra_columns.of(apps))
        job.workbook = workbook.getvalue()
        job.counts = dict(Counter(d.route for d in decisions))
        job.errors = ignored + [e for d in decisions for e in d.errors] + result.input_errors
        job.total = job.done = len(decisions)
        job.status = "done"
    except (DeminimisError, LedgerError, OSError) as exc:
        job.message, job.status = str(exc), "failed"
    except Exception as exc:  # a background run must end in a state the page can show, not spin on
        log.exception("batch run failed")
        job.message, job.status = f"unexpected error ({type(exc).__name__}); see the server log", "failed"
    finally:
        store.save_job(job)


@router.get("/batch", response_class=HTMLResponse)
def batch_form(request: Request, lang: str | None = None) -> HTMLResponse:
    return page(request, "batch.html", pick_lang(lang), errors={})


@router.post("/batch", response_class=HTMLResponse)
async def submit_batch(request: Request) -> Response:
    raw = await request.form(max_files=len(FILES), max_fields=10)
    lang = pick_lang(raw.get("lang") if isinstance(raw.get("lang"), str) else None)
    t = Texts(lang)
    store = request.app.state.web_store
    uploads: dict[str, Upload] = {}
    for field in FILES:
        upload = raw.get(field)
        if isinstance(upload, UploadFile) and upload.filename:
            uploads[field] = Upload(await upload.read(), Path(upload.filename).name)
    settings = request.app.state.settings
    errors, given = await run_in_threadpool(_check_files, uploads, settings, t)
    if errors:
        return page(request, "batch.html", lang, status=422, errors=errors)
    key = new_id()
    job = BatchJob(directory=None, names={f: u.name for f, u in uploads.items()}, key=key)
    await run_in_threadpool(store.save_job, job)
    use_ledger = raw.get("use_ledger") is not None and ledger_allowed(request.app.state, raw)
    threading.Thread(
        target=run_job, args=(job, given, request.app.state, use_ledger, lang), daemon=True
    ).start()
    return RedirectResponse(f"/batch/{key}?lang={lang}", status_code=303)


def _job(request: Request, key: str) -> BatchJob | None:
    return request.app.state.web_store.get_job(key)


def _not_found(request: Request, lang: str) -> HTMLResponse:
    return page(request, "batch.html", lang, status=404, errors={"_page": [Texts(lang)("batch_not_found")]})


@router.get("/batch/{key}", response_class=HTMLResponse)
def batch_result(request: Request, key: str, lang: str | None = None, side: int = 1) -> HTMLResponse:
    """The run's progress, or its outcome: counts, the workbook, every application with its
    route and a link to its case note (:data:`batch_notes.PAGE_SIZE` a page), the row errors."""
    lang = pick_lang(lang)
    job = _job(request, key)
    if job is None:
        return _not_found(request, lang)
    listed, pages = ([], 1)
    if job.status == "done" and job.workbook is not None:
        listed, pages = batch_notes.items(job.workbook, side)
    errors = [_error_row(e, lang) for e in job.errors]
    return page(
        request,
        "batch_result.html",
        lang,
        key=key,
        job=job,
        items=listed,
        side=min(max(side, 1), pages),
        pages=pages,
        row_errors=errors,
    )


def _error_row(e: RowError, lang: str) -> dict[str, Any]:
    """A row error for the page: in bokmål the column's Norwegian name and message."""
    nb = lang == "nb"
    return {
        "file": Path(e.file).name,
        "row": e.row,
        "field": column_nb(e.field) if nb else e.field,
        "message": (e.message_nb or message_nb(e.message)) if nb else e.message,
    }


def _note(request: Request, key: str, n: int) -> Decision | None:
    job = _job(request, key)
    if job is None or job.status != "done" or job.workbook is None:
        return None
    return batch_notes.decision(job.workbook, n)


@router.get("/batch/{key}/note/{n}", response_class=HTMLResponse)
def batch_note(request: Request, key: str, n: int, lang: str | None = None) -> HTMLResponse:
    """The officer's case note of the run's ``n``-th application (from 1)."""
    lang = pick_lang(lang)
    d = _note(request, key, n)
    if d is None:
        return _not_found(request, lang)
    return page(request, "batch_note.html", lang, key=key, n=n, d=d, note=case_note(d, lang))


@router.get("/batch/{key}/note/{n}/note.txt")
def batch_note_text(request: Request, key: str, n: int, lang: str | None = None) -> Response:
    lang = pick_lang(lang)
    d = _note(request, key, n)
    if d is None:
        return JSONResponse({"detail": "no such application in this run"}, status_code=404)
    name = f"saksnotat-{n}-{d.orgnr or 'x'}-{lang}.txt"
    return PlainTextResponse(
        case_note(d, lang), headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/batch/{key}/status")
def batch_status(request: Request, key: str) -> JSONResponse:
    job = _job(request, key)
    if job is None:
        return JSONResponse({"status": "unknown"}, status_code=404)
    return JSONResponse({"status": job.status, "done": job.done, "total": job.total})


@router.get("/batch/{key}/decisions.xlsx")
def batch_download(request: Request, key: str) -> Response:
    job = _job(request, key)
    if job is None or job.status != "done" or job.workbook is None:
        return JSONResponse({"detail": "no workbook for this run"}, status_code=404)
    name = f"decisions-{Path(job.names['applications']).stem}.xlsx"
    quoted = quote(name)
    disposition = f'attachment; filename="{name}"'
    if quoted != name:  # RFC 6266: a non-ASCII name as filename* (as Starlette's FileResponse)
        disposition = f"attachment; filename*=utf-8''{quoted}"
    return Response(job.workbook, media_type=XLSX, headers={"Content-Disposition": disposition})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

__all__ = ["router", "run_job"]
