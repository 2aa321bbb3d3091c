"""Settings of the server (JSON API and web page), from arguments or the environment.

Why limits by default: the API sits in front of a municipality's portal; a runaway upload or
a million-row batch should get a clear 413, not tie up the server.

Why the side files live here: ``deminimis serve --firms … --employer-tax …`` must apply to
every surface (``/v1/check``, ``/v1/batch``, the page's check and batch) alike, so each
surface takes its engine keywords from :meth:`ApiSettings.engine_options`.

Environment: ``DEMINIMIS_LEDGER_URL`` (ledger), ``DEMINIMIS_API_KEY`` (when set, every
``/v1`` call but ``/v1/health`` needs header ``X-API-Key``), ``DEMINIMIS_API_MAX_BODY``
(bytes, default 5 MB), ``DEMINIMIS_API_MAX_ROWS`` (batch rows and prior-aid rows per request,
default 10,000). ``deminimis serve --workers N`` hands its settings to each worker process in
``DEMINIMIS_SERVE_SETTINGS`` (JSON, see :meth:`ApiSettings.to_json`).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deminimis.errors import InputError

MAX_BODY_BYTES = 5_000_000
MAX_ROWS = 10_000
SETTINGS_ENV = "DEMINIMIS_SERVE_SETTINGS"
_PATHS = (
    "rules_dir",
    "rates_file",
    "firms_file",
    "awards_file",
    "links_file",
    "employer_tax_file",
    "events_file",
    "snapshot_dir",
)
_ENGINE_KEYS = {
    "rules_dir": "rules_dir",
    "rates_file": "rates_file",
    "firms_file": "firms",
    "employer_tax_file": "employer_tax",
    "events_file": "events",
    "snapshot_dir": "snapshot",
}
"""Settings field -> keyword of :func:`deminimis.api.check_one` / ``check_batch``."""


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
    the ``/v1`` endpoints that need the ledger answer 503; checks work)."""
    no_ledger: bool = False
    """Never open a ledger: checks only (``deminimis serve --no-ledger``)."""
    firms_file: Path | None = None
    """Offline firm facts (contract §1 firms) for the orgnr lookup and every check."""
    online: bool = False
    """Look firms up live in Brønnøysund (else only the firms file and the local snapshot)."""
    snapshot_dir: Path | None = None
    """Brreg snapshot directory (``deminimis brreg sync``) for every check."""
    awards_file: Path | None = None
    """A default prior-aid register added to every check (contract §1 awards)."""
    links_file: Path | None = None
    """Default links (contract §1 links) for every check that gives none of its own (links
    given with a request or upload replace them until the input layer merges the two)."""
    employer_tax_file: Path | None = None
    """Employer-tax rows (contract §1 employer_tax) for every check."""
    employer_tax_missing: str = "warn"
    """A zone Ia firm with no employer-tax row: ``warn`` or ``assume-max``."""
    events_file: Path | None = None
    """Undertaking events (mergers, splits) for every check, when the engine reads them."""
    register: bool = False
    """Count Støtteregisteret's awards (the local snapshot, ``deminimis register sync``) in every
    check; ``$DEMINIMIS_REGISTER=1``. Without it the HTTP API asks per request (``register: true``)."""

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

    def to_json(self) -> str:
        """These settings as JSON for a worker process; the API key stays in its own variable."""
        data = {k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(self).items()}
        data.pop("api_key")
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> ApiSettings:
        """The settings :meth:`to_json` wrote, with the API key from the environment."""
        data: dict[str, Any] = json.loads(text)
        data.update({k: Path(data[k]) for k in _PATHS if data.get(k) is not None})
        return cls.from_env(**data)

    def engine_options(self) -> dict[str, Any]:
        """Keywords for :func:`deminimis.api.check_one` / ``check_batch`` from the server's
        side files (rules, rates, firms, employer tax, events, snapshot, online)."""
        opts: dict[str, Any] = {
            key: getattr(self, field)
            for field, key in _ENGINE_KEYS.items()
            if getattr(self, field) is not None
        }
        if self.online:
            opts["online"] = True
        if self.register:
            opts["register"] = True
        if self.employer_tax_missing != "warn":
            opts["employer_tax_missing"] = self.employer_tax_missing
        return opts

    def validate(self) -> None:
        """Refuse settings the engine cannot honour (an unread side file must not be ignored)."""
        from deminimis.api import check_batch, check_one

        for func in (check_one, check_batch):
            known = inspect.signature(func).parameters
            for key in self.engine_options():
                if key not in known:
                    raise InputError(f"{key}: this version of deminimis cannot use it in a check")
        missing = [
            str(path)
            for path in (getattr(self, f) for f in _PATHS if f not in ("rules_dir", "snapshot_dir"))
            if path is not None and not Path(path).is_file()
        ]
        if missing:
            raise InputError(f"{', '.join(missing)}: no such file")


__all__ = ["MAX_BODY_BYTES", "MAX_ROWS", "SETTINGS_ENV", "ApiSettings"]
