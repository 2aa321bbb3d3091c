"""The single-check page: form, result, letter download, Reserve, and the orgnr lookup.

Why post-redirect-get: a check is a POST (it carries an upload); its result lives at
``/result/{id}`` so the language toggle, the letter download and Reserve refer to it by id,
and reloading the page never re-submits. Every problem is a message next to its field
(HTTP 422 with the form shown again), never a stack trace.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from deminimis.case import server_tables as case_tables
from deminimis.errors import DeminimisError
from deminimis.fx import currencies
from deminimis.ledger import LedgerError, check_with_ledger, reserve
from deminimis.sources.inputs import Upload

from . import declaration, firm
from .forms import CheckForm, Errors, field_errors, link_records
from .i18n import Texts, day, pick_lang
from .prior_rows import AWARD_COLUMNS, EMPLOYER_TAX_COLUMNS, EVENT_COLUMNS, pasted, read_prior, rows_as_text
from .render import ledger_allowed, page
from .store import CheckEntry
from .views import decision_view

router = APIRouter(include_in_schema=False)
UNDERTAKING_KEY = "web-form"
ET_LABEL = "employer_tax_rows"
"""``file`` of pasted employer-tax rows."""
EVENTS_LABEL = "events_rows"
"""``file`` of pasted corporate events."""


def _upload_name(upload: UploadFile) -> str:
    return Path(upload.filename or "upload").name


def engine_call(form: CheckForm, entry_rows: list[dict[str, Any]], state: Any) -> dict[str, Any]:
    """Keywords for :func:`check_with_ledger` / :func:`reserve` from a valid form: the
    application, the prior aid read from it, its links, employer-tax rows and corporate
    events, and the server's own tables (:func:`deminimis.case.server_tables`)."""
    settings = state.settings
    et = entry_rows_of(form.employer_tax_rows, state)
    events = pasted(form.events_rows, EVENTS_LABEL, EVENT_COLUMNS, "events") if form.events_rows else None
    links = link_records(form, UNDERTAKING_KEY)
    given = case_tables(settings, awards=entry_rows or None, links=links, employer_tax=et, events=events)
    return {**form.application(), **given}


def entry_rows_of(text: str, state: Any) -> list[dict[str, Any]] | None:
    """Pasted employer-tax rows as records (already validated by :func:`run_check`)."""
    if not text:
        return None
    table = pasted(text, ET_LABEL, EMPLOYER_TAX_COLUMNS)
    prior = read_prior(table, ET_LABEL, Texts("en"), settings=state.settings, kind="employer_tax")
    return prior.rows or None


@dataclass
class CheckRun:
    """A submitted check: the errors by field or the stored result's id; the form to show again
    (an upload's rows moved into the paste box) and the note saying so."""

    errors: Errors
    key: str | None = None
    form: CheckForm | None = None
    kept: str = ""


def run_check(form: CheckForm, upload: tuple[bytes, str] | None, state: Any, t: Texts) -> CheckRun:
    """Validate and decide; with errors, the form again with the upload's rows kept."""
    settings = state.settings
    errors = field_errors(form, t, currencies(settings.rates_file))
    rows: list[dict[str, Any]] = []
    uploaded: list[dict[str, Any]] = []
    typed: list[dict[str, Any]] = []
    if upload is not None:
        prior = read_prior(Upload(upload[0], upload[1]), upload[1], t, settings=settings)
        errors.update({"declaration": prior.problems} if prior.problems else {})
        rows += prior.rows
        uploaded = prior.read
    if form.prior_rows:
        label = t("prior_rows")
        prior = read_prior(pasted(form.prior_rows, label, AWARD_COLUMNS), label, t, settings=settings)
        errors.update({"prior_rows": prior.problems} if prior.problems else {})
        rows += prior.rows
        typed = prior.read
    if form.employer_tax_rows:
        label = t("employer_tax_rows")
        et = pasted(form.employer_tax_rows, label, EMPLOYER_TAX_COLUMNS)
        prior = read_prior(et, label, t, settings=settings, kind="employer_tax")
        errors.update({"employer_tax_rows": prior.problems} if prior.problems else {})
    if form.events_rows:
        label = t("events_rows")
        ev = pasted(form.events_rows, label, EVENT_COLUMNS, "events")
        prior = read_prior(ev, label, t, settings=settings, kind="events")
        errors.update({"events_rows": prior.problems} if prior.problems else {})
    if errors:
        return _kept(CheckRun(errors, form=form), uploaded, typed, upload, t)
    ledger = state.ledger if form.use_ledger else None
    try:
        result = check_with_ledger(ledger, **engine_call(form, rows, state))
    except (DeminimisError, LedgerError) as exc:
        return _kept(CheckRun({"_page": [str(exc)]}, form=form), uploaded, typed, upload, t)
    shown = CheckForm(**{**form.as_dict(), "prior_rows": rows_as_text(rows, t.lang) if rows else ""})
    entry = CheckEntry(form=shown.as_dict(), rows=rows, decision=result.decisions[0])
    return CheckRun({}, key=state.web_store.add_check(entry))


def _kept(
    run: CheckRun,
    uploaded: list[dict[str, Any]],
    typed: list[dict[str, Any]],
    upload: tuple[bytes, str] | None,
    t: Texts,
) -> CheckRun:
    """The page comes back with errors: the upload's rows go into the paste box (after the rows
    typed there) so the officer fixes them there; a file input cannot be filled again. Not
    when the typed text could not be read as rows (it stays as typed)."""
    form = run.form
    if not uploaded or upload is None or form is None or (form.prior_rows and not typed):
        return run
    text = rows_as_text([*typed, *uploaded], t.lang)
    shown = replace(form, prior_rows=text)
    return replace(run, form=shown, kept=t("upload_kept", file=upload[1]))


def _check_page(request: Request, lang: str, form: CheckForm, errors: Errors, **extra: Any) -> HTMLResponse:
    status = 422 if errors else 200
    return page(request, "check.html", lang, status=status, form=form, errors=errors, **extra)


@router.get("/", response_class=HTMLResponse)
def check_form(request: Request, lang: str | None = None) -> HTMLResponse:
    return _check_page(
        request, pick_lang(lang), CheckForm(use_ledger=request.app.state.ledger is not None), {}
    )


@router.post("/check", response_class=HTMLResponse)
async def submit_check(request: Request) -> Response:
    raw = await request.form(max_files=2, max_fields=40)
    lang = pick_lang(raw.get("lang") if isinstance(raw.get("lang"), str) else None)
    form = CheckForm.from_form(raw)
    if form.use_ledger and not ledger_allowed(request.app.state, raw):
        form = replace(form, use_ledger=False)  # a server with a key: the ledger only with it
    upload = raw.get("declaration")
    data = None
    if isinstance(upload, UploadFile) and upload.filename:
        data = (await upload.read(), _upload_name(upload))
    run = await run_in_threadpool(run_check, form, data, request.app.state, Texts(lang))
    if run.errors:
        return _check_page(request, lang, run.form or form, run.errors, kept=run.kept)
    return RedirectResponse(f"/result/{run.key}?lang={lang}#result-h", status_code=303)


def _entry(request: Request, key: str) -> CheckEntry | None:
    return request.app.state.web_store.get_check(key)


def _missing(request: Request, lang: str) -> HTMLResponse:
    errors = {"_page": [Texts(lang)("err_not_found")]}
    return page(request, "check.html", lang, status=404, form=CheckForm(), errors=errors)


@router.get("/result/{key}", response_class=HTMLResponse)
def result_page(request: Request, key: str, lang: str | None = None) -> HTMLResponse:
    lang = pick_lang(lang)
    entry = _entry(request, key)
    if entry is None:
        return _missing(request, lang)
    t = Texts(lang)
    d = entry.decision
    facts = firm.lookup(d.orgnr, request.app.state.settings, _year(d.grant_date)) if d.orgnr else None
    return page(
        request,
        "check.html",
        lang,
        form=CheckForm(**entry.form),
        errors={},
        key=key,
        view=decision_view(d, t),
        facts=facts,
        reservation=entry.reservation,
        key_required=bool(request.app.state.settings.api_key),
    )


def _year(iso: str | None) -> int | None:
    return int(iso[:4]) if iso else None


@router.get("/result/{key}/letter.txt")
def letter(request: Request, key: str, lang: str | None = None) -> Response:
    lang = pick_lang(lang)
    entry = _entry(request, key)
    if entry is None:
        return _missing(request, lang)
    text = decision_view(entry.decision, Texts(lang))["letter"]
    name = f"vedtak-{entry.decision.orgnr or 'x'}-{lang}.txt"
    return PlainTextResponse(text, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/result/{key}/decision.json")
def decision_json(request: Request, key: str) -> Response:
    entry = _entry(request, key)
    if entry is None:
        return JSONResponse({"detail": "unknown result"}, status_code=404)
    return JSONResponse(
        entry.decision.to_json_dict(),
        headers={"Content-Disposition": f'attachment; filename="decision-{entry.decision.orgnr}.json"'},
    )


def _reserve(entry: CheckEntry, state: Any, actor: str, reference: str | None, t: Texts) -> dict[str, Any]:
    form = CheckForm(**entry.form)
    try:
        result = reserve(
            state.ledger,
            actor=actor,
            reference=reference,
            context={"web": entry.form},
            **engine_call(form, entry.rows, state),
        )
    except (DeminimisError, LedgerError) as exc:
        return {"accepted": False, "text": t("not_reserved", reason=str(exc))}
    if result.reservation is not None:
        r = result.reservation
        return {
            "accepted": True,
            "id": r.id,
            "text": t("reserved", id=r.id, expires=day(r.expires_at, t.lang)),
        }
    d = result.decision
    return {"accepted": False, "text": t("not_reserved", reason=t(f"route_{d.route}"))}


@router.post("/result/{key}/reserve")
async def reserve_grant(request: Request, key: str) -> Response:
    raw = await request.form(max_files=0, max_fields=10)
    lang = pick_lang(raw.get("lang") if isinstance(raw.get("lang"), str) else None)
    entry = _entry(request, key)
    if entry is None:
        return _missing(request, lang)
    state = request.app.state
    expected = state.settings.api_key
    given = str(raw.get("api_key") or "")
    if state.ledger is None:
        entry.reservation = {"accepted": False, "text": Texts(lang)("no_ledger")}
    elif expected and not secrets.compare_digest(given.encode(), expected.encode()):
        entry.reservation = {"accepted": False, "text": Texts(lang)("err_api_key")}
    else:
        actor = str(raw.get("actor") or "").strip() or "web"
        reference = str(raw.get("reference") or "").strip() or None
        entry.reservation = await run_in_threadpool(_reserve, entry, state, actor, reference, Texts(lang))
    await run_in_threadpool(state.web_store.save_check, key, entry)
    return RedirectResponse(f"/result/{key}?lang={lang}#reservation", status_code=303)


@router.get("/egenerklaering.{kind}")
def declaration_template(kind: str) -> Response:
    """The declaration form to send the applicant (:mod:`.declaration`): XLSX or CSV."""
    if kind not in ("xlsx", "csv"):
        return JSONResponse({"detail": "no such template"}, status_code=404)
    body, media = (
        (declaration.xlsx_bytes(), XLSX)
        if kind == "xlsx"
        else (declaration.csv_bytes(), "text/csv; charset=utf-8")
    )
    headers = {"Content-Disposition": f'attachment; filename="egenerklaering.{kind}"'}
    return Response(body, media_type=media, headers=headers)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/firm/{orgnr}")
def firm_facts(
    request: Request, orgnr: str, year: int | None = None, lang: str | None = None
) -> JSONResponse:
    """Facts of one orgnr as JSON, with ``html``: the firm box the page shows."""
    facts = firm.lookup(orgnr, request.app.state.settings, year)
    html = page(request, "firm.html", pick_lang(lang), facts=facts).body.decode()
    return JSONResponse({**facts, "html": html})


__all__ = ["CheckRun", "engine_call", "router", "run_check"]
