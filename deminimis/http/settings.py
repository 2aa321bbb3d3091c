"""Settings of the HTTP API, from arguments or the environment.

Why limits by default: the API sits in front of a municipality's portal; a runaway upload or
a million-row batch should get a clear 413, not tie up the server.

Environment: ``DEMINIMIS_LEDGER_URL`` (ledger), ``DEMINIMIS_API_KEY`` (when set, every
``/v1`` call but ``/v1/health`` needs header ``X-API-Key``), ``DEMINIMIS_API_MAX_BODY``
(bytes, default 5 MB), ``DEMINIMIS_API_MAX_ROWS`` (batch rows and prior-aid rows per request,
default 10,000).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MAX_BODY_BYTES = 5_000_000
MAX_ROWS = 10_000


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


@dataclass(frozen=True)
class ApiSettings:
    db_url: str | None = None
    """Ledger URL or SQLite path (None: ``$DEMINIMIS_LEDGER_URL`` or the default file)."""
    api_key: str | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    max_rows: int = MAX_ROWS
    init: bool = False
    """Create or upgrade the ledger schema at start-up (else it must exist)."""
    rules_dir: Path | None = None
    rates_file: Path | None = None
    ledger_optional: bool = False
    """Start without a ledger when there is none (the web page then offers no Reserve;
    the ``/v1`` endpoints that need the ledger answer 503)."""
    firms_file: Path | None = None
    """Offline firm facts (contract §1 firms) for the web page's orgnr lookup and its checks."""
    online: bool = False
    """Look firms up live in Brønnøysund (else only the firms file and the local snapshot)."""
    awards_file: Path | None = None
    """A default prior-aid register the web page adds to every check (contract §1 awards)."""
    register: bool = False
    """Count Støtteregisteret's awards (the local snapshot, ``deminimis register sync``) in every
    web check; ``$DEMINIMIS_REGISTER=1``. The HTTP API asks per request (``register: true``)."""

    @classmethod
    def from_env(cls, **overrides: object) -> ApiSettings:
        """Settings from the environment; keyword arguments that are not None win."""
        base: dict[str, object] = {
            "db_url": os.environ.get("DEMINIMIS_LEDGER_URL") or None,
            "api_key": os.environ.get("DEMINIMIS_API_KEY") or None,
            "max_body_bytes": _int_env("DEMINIMIS_API_MAX_BODY", MAX_BODY_BYTES),
            "max_rows": _int_env("DEMINIMIS_API_MAX_ROWS", MAX_ROWS),
            "register": os.environ.get("DEMINIMIS_REGISTER", "").strip().lower() in ("1", "true", "yes"),
        }
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)  # type: ignore[arg-type]

    def engine_options(self) -> dict[str, Path]:
        """Keywords for :func:`deminimis.api.check_one` (rules and rates overrides)."""
        opts = {"rules_dir": self.rules_dir, "rates_file": self.rates_file}
        return {k: v for k, v in opts.items() if v is not None}


__all__ = ["MAX_BODY_BYTES", "MAX_ROWS", "ApiSettings"]
