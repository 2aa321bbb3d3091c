"""deminimis: an auditable EEA state-aid (de minimis) cumulation checker for Norwegian grantors.

Public API::

    from deminimis import check, check_batch
    decision = check(orgnr="974760673", amount="150000", currency="NOK",
                     grant_date="2021-05-17", awards="fixtures/awards.csv")
    print(decision.route, decision.headroom_after_eur)
"""

from __future__ import annotations

from deminimis.api import BatchResult, check, check_batch
from deminimis.errors import DeminimisError, InputError, InvalidOrgNr, RuleDataError, SourceError
from deminimis.models import Decision

__version__ = "0.1.0"

__all__ = [
    "BatchResult",
    "Decision",
    "DeminimisError",
    "InputError",
    "InvalidOrgNr",
    "RuleDataError",
    "SourceError",
    "__version__",
    "check",
    "check_batch",
]
