"""The single-check page: form, result, letter download, Reserve, and the orgnr lookup.

Why post-redirect-get: a check is a POST (it carries an upload); its result lives at
``/result/{id}`` so the language toggle, the letter download and Reserve refer to it by id,
and reloading the page never re-submits. Every problem is a message next to its field
(HTTP 422 with the form shown again), never a stack trace.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from deminimis.errors import DeminimisError
from deminimis.fx import currencies
from deminimis.ledger import LedgerError, check_with_ledger, reserve
from deminimis.ledger.prior import links_csv, parse_date
from deminimis.sources.table_guards import upload_name

from . import firm
from .forms import CheckForm, Errors, field_errors, paste_file, read_prior, rows_as_text
from .i18n import Texts, day, pick_lang
from .render import ledger_allowed, page
from .store import CheckEntry
from .views import decision_view

router = APIRouter(include_in_schema=False)
UNDERTAKING_KEY = "web-form"


def _upload_name(upload: UploadFile) -> str:
    return Path(upload.filename or "upload").name


def save_upload(data: bytes, name: str, directory: Path) -> Path:
    safe = upload_name(name, "upload.csv")
    path = directory / "upload" / safe
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _engine_call(form: CheckForm, state: Any, tmp: Path) -> dict[str, Any]:
    """Keywords for :func:`check_with_ledger` / :func:`reserve` from a valid form."""
    settings = state.settings
    links = None
    if members := form.linked_orgnrs():
        links = links_csv([form.orgnr.replace(" ", ""), *members], UNDERTAKING_KEY, tmp / "links.csv")
    grant_date = parse_date(form.grant_date)
    return {
        "orgnr": form.orgnr,
        "amount": form.amount,
        "currency": form.currency,
        "grant_date": grant_date.isoformat() if grant_date else form.grant_date,
        "scheme": form.scheme,
        "nace": form.nace or None,
        "in_difficulty_2019": "yes" if form.in_difficulty else None,
        **form.aid_form(),
        "awards_file": settings.awards_file,
        "links": links or settings.links_file,
        "firms": settings.firms_file,
        "online": settings.online,
        **settings.engine_options(),
    }


def run_check(form: CheckForm, upload: tuple[bytes, str] | None, state: Any, t: Texts) -> tuple[Errors, Any]:
    """Validate and decide; (errors by field, None) or ({}, the stored entry's id)."""
    settings = state.settings
    errors = field_errors(form, t, currencies(settings.rates_file))
    rows = []
    with tempfile.TemporaryDirectory(prefix="deminimis-web-") as tmp_name:
        tmp = Path(tmp_name)
        if upload is not None:
            prior = read_prior(save_upload(upload[0], upload[1], tmp), upload[1], t, settings=settings)
            errors.update({"declaration": prior.problems} if prior.problems else {})
            rows += prior.rows
        if form.prior_rows:
            path, offset = paste_file(form.prior_rows, tmp)
            prior = read_prior(path, t("prior_rows"), t, settings=settings, row_offset=offset)
            errors.update({"prior_rows": prior.problems} if prior.problems else {})
            rows += prior.rows
        if errors:
            return errors, None
        ledger = state.ledger if form.use_ledger else None
        try:
            result = check_with_ledger(ledger, awards_rows=rows, **_engine_call(form, state, tmp))
        except (DeminimisError, LedgerError) as exc:
            return {"_page": [str(exc)]}, None
    shown = CheckForm(**{**form.as_dict(), "prior_rows": rows_as_text(rows) if rows else ""})
    entry = CheckEntry(form=shown.as_dict(), rows=rows, decision=result.decisions[0])
    return {}, state.web_store.add_check(entry)


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
    raw = await request.form(max_files=2, max_fields=30)
    lang = pick_lang(raw.get("lang") if isinstance(raw.get("lang"), str) else None)
    form = CheckForm.from_form(raw)
    if form.use_ledger and not ledger_allowed(request.app.state, raw):
        form = replace(form, use_ledger=False)  # a server with a key: the ledger only with it
    upload = raw.get("declaration")
    data = None
    if isinstance(upload, UploadFile) and upload.filename:
        data = (await upload.read(), _upload_name(upload))
    errors, key = await run_in_threadpool(run_check, form, data, request.app.state, Texts(lang))
    if errors:
        return _check_page(request, lang, form, errors)
    return RedirectResponse(f"/result/{key}?lang={lang}#result", status_code=303)


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
    with tempfile.TemporaryDirectory(prefix="deminimis-web-") as tmp:
        try:
            result = reserve(
                state.ledger,
                actor=actor,
                reference=reference,
                awards_rows=entry.rows,
                context={"web": entry.form},
                **_engine_call(form, state, Path(tmp)),
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


@router.get("/firm/{orgnr}")
def firm_facts(
    request: Request, orgnr: str, year: int | None = None, lang: str | None = None
) -> JSONResponse:
    """Facts of one orgnr as JSON, with ``html``: the firm box the page shows."""
    facts = firm.lookup(orgnr, request.app.state.settings, year)
    html = page(request, "firm.html", pick_lang(lang), facts=facts).body.decode()
    return JSONResponse({**facts, "html": html})


__all__ = ["router", "run_check", "save_upload"]
