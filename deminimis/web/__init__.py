"""The officer's web page: a single check with every figure, and batch uploads.

Mounted by :func:`deminimis.server.create_app` at ``/`` (``deminimis serve``), beside the JSON
API; this package imports nothing of :mod:`deminimis.http`. Server-rendered (Jinja2) forms
that work without JavaScript; a little plain JS adds the orgnr lookup as you type, copy
buttons and batch progress. Every asset is in this package (``/static``), nothing comes from
a CDN, so the page works on a closed municipal network. Bokmål by default, English with
``?lang=en``; the words are in ``texts.toml``. Results and batch runs are kept in the ledger
database, or in memory without a ledger (:mod:`.store`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .store import Store, open_store

STATIC = Path(__file__).with_name("static")


def mount(app: FastAPI) -> None:
    """Add the page's routes and static files to ``app``; its state holds settings, ledger and
    ``web_store`` (:func:`open_store`)."""
    from . import batch_pages, pages

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.include_router(batch_pages.router)


__all__ = ["STATIC", "Store", "mount", "open_store"]
