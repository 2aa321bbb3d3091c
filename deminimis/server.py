"""The one ASGI app: the JSON API (:mod:`deminimis.http`) and the web page (:mod:`deminimis.web`).

Why a factory: the ledger URL, API key and limits come from the caller (``deminimis serve``,
a test, a portal's own ASGI server), not from import-time globals. ``app_from_env`` is the
factory uvicorn calls in each worker process (``deminimis serve --workers N``).

Ledger: :func:`create_app` opens the configured ledger (``init`` creates or upgrades it). With
``no_ledger``, or ``ledger_optional`` and none there, it runs without one: checks work, the
endpoints that need a ledger answer 503, and the page's results live in memory
(:class:`deminimis.web.store.MemoryStore`). With a ledger, the page's results and batch runs
are kept in the ledger database, so every worker sees them and a restart loses none.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from deminimis import __version__, cpu_pin, web
from deminimis.http import errors, service
from deminimis.http.docs import mount_docs
from deminimis.http.settings import SETTINGS_ENV, ApiSettings
from deminimis.ledger import Ledger, NotInitialised, migrate, open_ledger
from deminimis.ledger.migrations import current_version


def ensure_ledger(settings: ApiSettings) -> str | None:
    """Create the ledger when there is none and the settings want one; what was done, or None.

    ``deminimis serve`` calls this once before its workers start, so that it runs without
    ceremony in an empty directory (the default SQLite file is made on first use).
    """
    if settings.no_ledger or settings.ledger_optional or settings.init:
        return None
    ledger = Ledger(settings.db_url, must_exist=False)
    try:
        with ledger.read() as conn:
            if current_version(conn) is not None:
                return None
        migrate(ledger)
        return f"no ledger at {ledger.display_url}: created one"
    finally:
        ledger.close()


def _open(settings: ApiSettings) -> Ledger | None:
    if settings.no_ledger:
        return None
    try:
        return open_ledger(settings.db_url, create=settings.init)
    except NotInitialised:
        if not settings.ledger_optional:
            raise
        return None


def _warm(settings: ApiSettings) -> None:
    """Load the law, the rate table and the message catalogue now: their caches (rules_cache,
    fx_cache) are written at start-up, never while a request is decided, and broken rules data
    stops the server before it answers."""
    from deminimis import employer_tax
    from deminimis.case import Context
    from deminimis.render.messages import messages
    from deminimis.sources.register_rules import load_register_rules

    ctx = Context.load(settings.rules_dir, settings.rates_file)
    employer_tax.load(ctx.rules.directory)
    load_register_rules(ctx.rules.directory)
    messages()


def create_app(settings: ApiSettings | None = None, **overrides: Any) -> FastAPI:
    """The FastAPI app over one ledger (or none); ``overrides`` are :class:`ApiSettings` fields."""
    settings = settings or ApiSettings.from_env(**overrides)
    _warm(settings)
    ledger = _open(settings)
    store = web.open_store(ledger)

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()
        if ledger is not None:
            ledger.close()

    app = FastAPI(
        title="deminimis",
        version=__version__,
        description=service.DESCRIPTION,
        lifespan=lifespan,
        max_body_size=settings.max_body_bytes,
        docs_url=None,  # served from the package's own assets (deminimis.http.docs): works offline
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.ledger = ledger
    app.state.web_store = store
    service.mount(app)
    mount_docs(app)
    errors.install(app)  # issue 19: every input error a 4xx, never a 500; body shield, headers, load
    web.mount(app)
    return app


def app_from_env() -> FastAPI:
    """The app with the settings ``deminimis serve`` left in ``$DEMINIMIS_SERVE_SETTINGS``, in a
    worker process pinned to its CPU when ``serve`` asked (:mod:`deminimis.cpu_pin`)."""
    if os.environ.get(cpu_pin.ENV) == "1":
        cpu_pin.pin(cpu_pin.sibling_position())
    text = os.environ.get(SETTINGS_ENV)
    return create_app(ApiSettings.from_json(text) if text else ApiSettings.from_env())


__all__ = ["app_from_env", "create_app", "ensure_ledger"]
