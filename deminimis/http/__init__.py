"""The HTTP JSON API (FastAPI): checks, batches, reservations and history over the ledger.

The app itself is built by :func:`deminimis.server.create_app` (``deminimis serve``), which
mounts this package (:mod:`.service`) and the web page; OpenAPI is at ``/docs``.
``deminimis.http.create_app`` stays importable as an alias of it.
"""

from __future__ import annotations

from typing import Any

from deminimis.http.settings import ApiSettings


def __getattr__(name: str) -> Any:
    if name == "create_app":  # the server imports this package, not the other way round
        from deminimis.server import create_app

        return create_app
    raise AttributeError(f"module 'deminimis.http' has no attribute {name!r}")


__all__ = ["ApiSettings", "create_app"]  # noqa: F822 - create_app is served by __getattr__
