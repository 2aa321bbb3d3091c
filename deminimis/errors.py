"""The one error tree of deminimis.

::

    DeminimisError                 anything deminimis raises on purpose (CLI exit 2)
     ├── InputError                a user file or option is unusable (CLI exit 2)
     │    └── InvalidOrgNr         orgnr fails the format or MOD11 check
     ├── RuleDataError             a rules file is malformed (names file, rule id, entry)
     ├── SourceError               an online source failed (method, URL, status; CLI exit 1)
     └── ledger.LedgerError        the ledger cannot do what was asked (``Conflict``: exit 4)

Each class carries its CLI exit code (contract §2) as ``exit_code``, so one handler
(:func:`deminimis.cli_errors.errors_to_exit`) serves every command without importing the
modules that define the errors.

Row-level problems in input tables are *not* raised: they become ``errors`` entries
(file, row, field, message) on the decision, so the other rows are still decided.
"""

from __future__ import annotations

EXIT_REFUSED = 4
"""The CLI's exit code when the ledger refuses (contract §2): a grant that does not fit, a
reservation in the wrong state."""


class DeminimisError(Exception):
    """Base class for every error deminimis raises on purpose."""

    exit_code: int = 2
    """The command line's exit code for this error (contract §2)."""


class InputError(DeminimisError):
    """A file or option cannot be used at all (missing file, missing columns, bad value).

    ``nb``: the same message in bokmål, where the raiser has one (:mod:`deminimis.errors_nb`);
    a command run with ``--lang nb`` and the bokmål web page say that one."""

    def __init__(self, message: str, *, nb: str | None = None) -> None:
        super().__init__(message)
        self.nb = nb


class InvalidOrgNr(InputError):
    """An organisation number is not 9 digits with a valid MOD11 check digit."""


class RuleDataError(DeminimisError):
    """A rules data file is malformed, has gaps or overlaps, or an unknown key."""


class SourceError(DeminimisError):
    """An online source (ECB, Norges Bank, Brreg) failed or answered something unusable."""

    exit_code = 1

    def __init__(self, message: str, *, method: str = "", url: str = "", status: int | None = None):
        detail = " ".join(p for p in (method, url, f"status {status}" if status else "") if p)
        super().__init__(f"{message} ({detail})" if detail else message)
        self.method, self.url, self.status = method, url, status
