"""The grant ledger: prior aid that a grantor's own decisions leave behind, and reservations.

::

    ledger = open_ledger("sqlite:///deminimis-ledger.sqlite", create=True)
    import_awards(ledger, "awards.csv", actor="kari")
    r = reserve(ledger, orgnr="912346803", amount="150000", currency="NOK",
                grant_date="2021-05-17", actor="kari")
    if r.accepted:
        grant(ledger, r.reservation.id, actor="kari")

SQLite (a file) by default, PostgreSQL through a URL. See :mod:`.reservations` for the
locking that keeps two officers from together exceeding the ceiling, :mod:`.prior` for how
the ledger becomes the engine's prior aid, :mod:`.migrations` for schema versions.
"""

from __future__ import annotations

import os

from deminimis.ledger.checking import batch_with_ledger, check_with_ledger
from deminimis.ledger.db import DEFAULT_FILE, ENV_URL, Ledger, resolve_url
from deminimis.ledger.errors import Busy, Conflict, ImportRejected, LedgerError, NotFound, NotInitialised
from deminimis.ledger.history import export_awards, history
from deminimis.ledger.imports import ImportResult, import_awards, validate_awards
from deminimis.ledger.lifecycle import GrantResult, grant, release
from deminimis.ledger.migrations import LATEST, migrate, require_current
from deminimis.ledger.prior import prior_aid_file
from deminimis.ledger.records import AuditEvent, AwardRecord, History, ReservationRecord
from deminimis.ledger.reservations import DEFAULT_TTL, ReserveResult, get_reservation, reserve


def open_ledger(url: str | os.PathLike[str] | None = None, *, create: bool = False) -> Ledger:
    """Connect to a ledger; ``create`` makes or upgrades its schema, else it must be current."""
    ledger = Ledger(url, must_exist=not create)
    try:
        if create:
            migrate(ledger)
        else:
            require_current(ledger)
    except BaseException:
        ledger.close()
        raise
    return ledger


__all__ = [
    "Busy",
    "DEFAULT_FILE",
    "DEFAULT_TTL",
    "ENV_URL",
    "LATEST",
    "AuditEvent",
    "AwardRecord",
    "Conflict",
    "GrantResult",
    "History",
    "ImportRejected",
    "ImportResult",
    "Ledger",
    "LedgerError",
    "NotFound",
    "NotInitialised",
    "ReservationRecord",
    "ReserveResult",
    "batch_with_ledger",
    "check_with_ledger",
    "export_awards",
    "get_reservation",
    "grant",
    "history",
    "import_awards",
    "migrate",
    "open_ledger",
    "prior_aid_file",
    "release",
    "reserve",
    "resolve_url",
    "validate_awards",
]
