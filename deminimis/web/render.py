"""Rendering a page: one Jinja environment over the package's templates, the shared context.

Why shared context here: every page needs the language, its texts, the link to the other
language and whether a ledger is on; templates never compute them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import polars as pl
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from deminimis import __version__
from deminimis.fx import load_rates
from deminimis.gge_input import INSTRUMENTS
from deminimis.rules import SCHEMES

from .i18n import Texts

CURRENT_WITHIN_DAYS = 30
"""A currency is offered in the form's list only when its last ECB fixing is at most this many
days older than the rate table's latest date. Why: the shipped table also holds currencies the
ECB no longer fixes (legacy currencies replaced by the euro: SIT, LTL, HRK, BGN …; RUB, whose
fixing was suspended in 2022); a new grant cannot be given in them, and offering them invites a
stale rate. 30 days covers holidays and a table a few weeks old, and is far below the gap of
a discontinued currency (months to years)."""

TEMPLATES = Path(__file__).with_name("templates")
templates = Jinja2Templates(directory=str(TEMPLATES))


_CURRENT: dict[int, tuple[pl.DataFrame, list[str]]] = {}


def current_currencies(rates_file: Path | str | None) -> list[str]:
    """EUR and the currencies with a current ECB rate (:data:`CURRENT_WITHIN_DAYS`), sorted;
    worked out once per rate table (:func:`load_rates` gives the same frame until it changes)."""
    rates = load_rates(Path(rates_file) if rates_file else None)
    hit = _CURRENT.get(id(rates))
    if hit is not None and hit[0] is rates:
        return list(hit[1])
    latest = rates.get_column("rate_date").max()
    last = rates.group_by("currency").agg(pl.col("rate_date").max())
    recent = last.filter(pl.col("rate_date") >= pl.lit(latest) - pl.duration(days=CURRENT_WITHIN_DAYS))
    found = ["EUR", *recent.get_column("currency").sort().to_list()]
    if len(_CURRENT) >= 8:
        _CURRENT.clear()
    _CURRENT[id(rates)] = (rates, found)  # holding ``rates`` keeps its id unique
    return list(found)


def _other_lang_url(request: Request, lang: str) -> str:
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    query["lang"] = "en" if lang == "nb" else "nb"
    path = request.url.path if request.method == "GET" and not request.url.path.startswith("/firm") else "/"
    return f"{path}?{urlencode(query)}"


def page(request: Request, name: str, lang: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """``name`` rendered with the shared context and ``context``."""
    state = request.app.state
    settings = state.settings
    shared = {
        "lang": lang,
        "t": Texts(lang),
        "other_lang_url": _other_lang_url(request, lang),
        "has_ledger": state.ledger is not None,
        "key_required": bool(settings.api_key),
        "currencies": current_currencies(settings.rates_file),
        "schemes": SCHEMES,
        "instruments": INSTRUMENTS,
        "register": Path(settings.awards_file).name if settings.awards_file else None,
        "version": __version__,
    }
    return templates.TemplateResponse(request, name, {**shared, **context}, status_code=status)


def ledger_allowed(state: Any, form: Any) -> bool:
    """Whether a page request may read the ledger: always without a server key, else only
    with the key in the form (the page must not show what ``/v1`` answers 401 for)."""
    import secrets

    expected = state.settings.api_key
    given = form.get("api_key")
    given = given if isinstance(given, str) else ""
    return state.ledger is not None and (
        not expected or secrets.compare_digest(given.encode(), expected.encode())
    )


__all__ = ["CURRENT_WITHIN_DAYS", "current_currencies", "ledger_allowed", "page", "templates"]
