"""Which register evidence a case uses, and the list of sources consulted (every surface).

``register`` as the Python API, the CLI (``--register [FILE]``, ``--online``) and HTTP
(``register: true``) give it: None (not consulted), a path (a downloaded award file), ``True``
(the local snapshot), or ``True`` with ``online`` (the live search API).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from deminimis.errors import InputError
from deminimis.sources.register import RegisterEvidence

PathLike = str | Path


def window_floor(grant_dates: list[dt.date]) -> dt.date:
    """A day on or before every window start of these grants: 1 January three years before the
    earliest grant year (covers rolling windows and any fiscal-year start)."""
    first = min(grant_dates, default=dt.date.today())
    return dt.date(first.year - 3, 1, 1)


def register_evidence(
    register: PathLike | bool | None,
    orgnrs: list[str],
    online: bool,
    snapshot_dir: PathLike | None,
    rules_dir: Path | None,
    grant_dates: list[dt.date] | None = None,
) -> RegisterEvidence | None:
    """The register's rows for ``orgnrs`` from the source ``register`` names (None: not asked)."""
    if register is None or register is False:
        return None
    from deminimis.sources import register as reg

    if register is True or register in ("snapshot", "online"):
        if online or register == "online":
            from deminimis.sources import register_online

            since = window_floor(grant_dates or [])
            return register_online.evidence(orgnrs, since, rules_dir=rules_dir)
        snap = Path(snapshot_dir) if snapshot_dir else None
        return reg.from_snapshot(orgnrs, snap, rules_dir)
    path = Path(register)
    if not path.is_file():
        raise InputError(f"{path}: register file not found")
    return reg.from_file(path, orgnrs, rules_dir)


def consulted_sources(
    awards: PathLike | None, employer_tax: PathLike | None, register: RegisterEvidence | None
) -> list[dict[str, Any]]:
    """The sources of a case in the order the decision lists them."""
    out: list[dict[str, Any]] = []
    if awards:
        out.append({"kind": "declaration", "name": str(awards)})
    if register is not None:
        out.append(register.source.as_dict())
    if employer_tax:
        out.append({"kind": "employer_tax", "name": str(employer_tax)})
    return out


__all__ = ["consulted_sources", "register_evidence", "window_floor"]
