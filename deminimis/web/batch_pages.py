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
import shutil
import threading
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from deminimis.errors import DeminimisError
from deminimis.labels import relabel_file
from deminimis.ledger import LedgerError, batch_with_ledger
from deminimis.models import RowError
from deminimis.render.tables import write_xlsx
from deminimis.sources import tables

from .forms import Errors, read_prior
from .i18n import Texts, pick_lang
from .pages import save_upload
from .render import ledger_allowed, page
from .store import BatchJob

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
FILES = ("applications", "awards", "links", "events")


def _check_files(paths: dict[str, Path], names: dict[str, str], settings: Any, t: Texts) -> Errors:
    """Refuse files the engine cannot read (or too many rows) before the run starts."""
    errors: Errors = {}
    if "applications" not in paths:
        return {"applications": [t("err_required")]}
    for field, kind in (("applications", "applications"), ("links", "links"), ("events", "events")):
        if field not in paths:
            continue
        try:
            count = tables.read_table(paths[field], kind).height
        except DeminimisError as exc:
            message = str(exc).replace(str(paths[field]), names[field])
            errors[field] = [t("err_upload", file=names[field], message=message)]
            continue
        if count > settings.max_rows:
            errors[field] = [t("err_too_many", file=names[field], count=count, limit=settings.max_rows)]
    if (
        "awards" in paths
        and (prior := read_prior(paths["awards"], names["awards"], t, settings=settings)).problems
    ):
        errors["awards"] = prior.problems
    return errors


def _label(errors: list[RowError], paths: dict[str, Path], names: dict[str, str]) -> list[RowError]:
    by_path = {str(p): names[f] for f, p in paths.items()}
    return [e.model_copy(update={"file": by_path.get(e.file, e.file)}) for e in errors]


def run_job(job: BatchJob, paths: dict[str, Path], state: Any, use_ledger: bool, lang: str = "en") -> None:
    """Decide every row, write the workbook (Norwegian columns on the nb page), and keep counts
    and errors on ``job``."""
    settings, store = state.settings, state.web_store

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        store.save_job(job)

    try:
        result = batch_with_ledger(
            state.ledger if use_ledger else None,
            paths["applications"],
            awards_file=paths.get("awards") or settings.awards_file,
            links=paths.get("links") or settings.links_file,
            events=paths.get("events"),
            progress=progress,
            **settings.engine_options(),
        )
        decisions = result.decisions
        for field, path in paths.items():
            decisions = relabel_file(decisions, path, job.names[field])
        input_errors = _label(result.input_errors, paths, job.names)
        workbook = io.BytesIO()
        headers = "nb" if lang == "nb" else "en"
        write_xlsx(decisions, workbook, input_errors, headers)  # type: ignore[arg-type]  # xlsxwriter takes a file
        job.workbook = workbook.getvalue()
        job.counts = dict(Counter(d.route for d in decisions))
        job.errors = [e for d in decisions for e in d.errors] + input_errors
        job.total = job.done = len(decisions)
        job.status = "done"
    except (DeminimisError, LedgerError, OSError) as exc:
        job.message, job.status = str(exc), "failed"
    except Exception as exc:  # a background run must end in a state the page can show, not spin on
        log.exception("batch run failed")
        job.message, job.status = f"unexpected error ({type(exc).__name__}); see the server log", "failed"
    finally:
        if job.directory is not None:
            shutil.rmtree(job.directory, ignore_errors=True)
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
    key, directory = store.new_job()
    paths: dict[str, Path] = {}
    names: dict[str, str] = {}
    for field in FILES:
        upload = raw.get(field)
        if isinstance(upload, UploadFile) and upload.filename:
            names[field] = Path(upload.filename).name
            paths[field] = save_upload(await upload.read(), names[field], directory / field)
    settings = request.app.state.settings
    errors = await run_in_threadpool(_check_files, paths, names, settings, t)
    if errors:
        shutil.rmtree(directory, ignore_errors=True)
        return page(request, "batch.html", lang, status=422, errors=errors)
    job = BatchJob(directory=directory, names=names, key=key)
    await run_in_threadpool(store.save_job, job)
    use_ledger = raw.get("use_ledger") is not None and ledger_allowed(request.app.state, raw)
    threading.Thread(
        target=run_job, args=(job, paths, request.app.state, use_ledger, lang), daemon=True
    ).start()
    return RedirectResponse(f"/batch/{key}?lang={lang}", status_code=303)


def _job(request: Request, key: str) -> BatchJob | None:
    return request.app.state.web_store.get_job(key)


@router.get("/batch/{key}", response_class=HTMLResponse)
def batch_result(request: Request, key: str, lang: str | None = None) -> HTMLResponse:
    lang = pick_lang(lang)
    job = _job(request, key)
    if job is None:
        return page(
            request, "batch.html", lang, status=404, errors={"_page": [Texts(lang)("batch_not_found")]}
        )
    return page(request, "batch_result.html", lang, key=key, job=job)


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
