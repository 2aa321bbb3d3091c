"""deminimis: an auditable EEA state-aid (de minimis) cumulation checker for Norwegian grantors.

Public API::

    from deminimis import check, check_batch
    decision = check(orgnr="974760673", amount="150000", currency="NOK",
                     grant_date="2021-05-17", awards="fixtures/awards.csv")
    print(decision.route, decision.headroom_after_eur)

The names are imported on first use (PEP 562), so that ``import deminimis.cli`` or
``deminimis.fx`` does not load the whole engine and pydantic before it is needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "BatchResult": "deminimis.api",
    "check": "deminimis.api",
    "check_batch": "deminimis.api",
    "Decision": "deminimis.models",
    "DeminimisError": "deminimis.errors",
    "InputError": "deminimis.errors",
    "InvalidOrgNr": "deminimis.errors",
    "RuleDataError": "deminimis.errors",
    "SourceError": "deminimis.errors",
}

if TYPE_CHECKING:
    from deminimis.api import BatchResult, check, check_batch
    from deminimis.errors import DeminimisError, InputError, InvalidOrgNr, RuleDataError, SourceError
    from deminimis.models import Decision


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'deminimis' has no attribute '{name}'")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
