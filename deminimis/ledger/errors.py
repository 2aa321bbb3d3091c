"""Errors of the grant ledger, inside the one error tree (:mod:`deminimis.errors`).

::

    DeminimisError
     ├── InputError
     │    └── ImportRejected      a prior-aid file has broken rows: nothing was imported
     └── LedgerError              the ledger cannot do what was asked (CLI exit 2)
          ├── NotInitialised      no ledger schema at the URL, or an older one (run `ledger init`)
          ├── NotFound            no reservation with that id (HTTP 404)
          ├── Conflict            the reservation is not pending, or no longer fits (HTTP 409)
          └── Busy                another writer holds the lock past the busy timeout (HTTP 503)
"""

from __future__ import annotations

from deminimis.errors import EXIT_REFUSED, DeminimisError, InputError
from deminimis.models import Decision, RowError


class LedgerError(DeminimisError):
    """The ledger cannot do what was asked."""


class NotInitialised(LedgerError):
    """The database has no ledger schema, or one this version cannot use."""


class NotFound(LedgerError):
    """No reservation with that id."""


class Conflict(LedgerError):
    """The reservation's state does not allow the action (granted, released, expired), or a
    re-check at another grant date no longer fits de minimis (``decision`` says why)."""

    exit_code = EXIT_REFUSED

    def __init__(self, message: str, decision: Decision | None = None):
        super().__init__(message)
        self.decision = decision


class Busy(LedgerError):
    """Another writer held the ledger's lock longer than the busy timeout: try again."""


class ImportRejected(InputError):
    """An awards file has broken rows; the import was rolled back as a whole.

    ``errors`` lists every broken row (file, row, field, message), so the officer can fix
    the file in one go rather than one row per attempt.
    """

    def __init__(self, path: str, errors: list[RowError]):
        self.path, self.errors = path, errors
        lines = "\n".join(f"  {e.file}:{e.row} {e.field}: {e.message}" for e in errors)
        super().__init__(f"{path}: {len(errors)} broken row(s), nothing imported:\n{lines}")


__all__ = ["Busy", "Conflict", "ImportRejected", "LedgerError", "NotFound", "NotInitialised"]
