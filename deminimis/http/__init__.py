"""The HTTP JSON API (FastAPI): checks, batches, reservations and history over the ledger.

``uvicorn`` serves :func:`create_app` (``deminimis serve``); OpenAPI is at ``/docs``.
"""

from __future__ import annotations

from deminimis.http.app import create_app
from deminimis.http.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
