"""Importing a prior-aid file (the contract's awards table) into the ledger, all or nothing.

Why all or nothing: a half-imported file silently understates an undertaking's prior aid.
Every row is validated first with the engine's own reader (:func:`tables.read_table`,
:func:`tables.canonical_awards`: currencies with an ECB rate, basis words from the rules);
any broken row rejects the whole file with every problem listed as ``file:row field: message``.
The rows are then inserted in one write transaction, so a crash half-way leaves the ledger
as it was. Rows already in the ledger (same orgnr, date, amount, currency, basis, grantor and
reference) are skipped with a warning, so importing a file twice does not count aid twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from deminimis import fx
from deminimis.ledger import audit
from deminimis.ledger.db import Ledger, utcnow
from deminimis.ledger.errors import ImportRejected
from deminimis.ledger.schema import awards
from deminimis.models import RowError
from deminimis.rules import load_rules
from deminimis.sources import tables

KEY = ("orgnr", "granted_on", "amount_cents", "currency", "basis", "grantor", "reference")
TERMS = ("country", "instrument", "nominal_cents")
"""Kept with the award (schema version 3), read back by :mod:`deminimis.ledger.prior`."""


@dataclass
class ImportResult:
    path: str
    imported: int
    skipped: int
    """Rows already in the ledger."""
    warnings: list[RowError]
    """Doubtful but usable rows (basis read as ``other``, duplicates, ignored rows)."""


def _warnings(raw: Any, ignored: Any, aliases: dict[str, str]) -> list[RowError]:
    found = [RowError(**r) for r in tables.award_warnings(raw, aliases).iter_rows(named=True)]
    found += [
        RowError(file=r["file"], row=r["row"], field="row", message=f"ignored: {r['reason']}")
        for r in ignored.iter_rows(named=True)
    ]
    return sorted(found, key=lambda e: (e.file, e.row or 0))


CHUNK = 5_000
"""Rows per multi-row INSERT: 250,000 rows in seconds, not the minute one statement per row took
(the lock is held meanwhile, so a reservation waits seconds, not past its busy timeout)."""


def _insert_awards(conn: sa.Connection, rows: list[dict[str, Any]], *, now: dt.datetime, actor: str) -> None:
    """Insert one chunk of validated award rows (a separate function so a test can make it fail)."""
    conn.execute(
        sa.insert(awards),
        [
            {
                **{k: row[k] for k in KEY},
                **{k: row.get(k) for k in TERMS},
                "source": "import",
                "source_file": row["file"],
                "source_row": row["row"],
                "created_at": now,
                "actor": actor,
            }
            for row in rows
        ],
    )


def validate_awards(
    path: str | Path, *, rules_dir: str | Path | None = None, rates_file: str | Path | None = None
) -> tuple[list[dict[str, Any]], list[RowError], list[RowError]]:
    """(typed rows, errors, warnings) of an awards file; ``InputError`` when it is unusable."""
    raw, ignored = tables.read_table_report(path, "awards")
    aliases = load_rules(Path(rules_dir) if rules_dir else None).basis_aliases()
    rates = fx.load_rates(Path(rates_file) if rates_file else None)
    currencies = ["EUR", *rates.get_column("currency").unique().sort().to_list()]
    typed, errors = tables.canonical_awards(raw, currencies, aliases)
    problems = sorted(
        (
            RowError(**{k: r[k] for k in ("file", "row", "field", "message")})
            for r in errors.iter_rows(named=True)
        ),
        key=lambda e: (e.file, e.row or 0, e.field),
    )
    return list(typed.iter_rows(named=True)), problems, _warnings(raw, ignored, aliases)


def import_awards(
    ledger: Ledger,
    path: str | Path,
    *,
    actor: str,
    now: dt.datetime | None = None,
    rules_dir: str | Path | None = None,
    rates_file: str | Path | None = None,
) -> ImportResult:
    """Import every row of an awards file in one transaction, or none (``ImportRejected``)."""
    now = now or utcnow()
    rows, errors, warnings = validate_awards(path, rules_dir=rules_dir, rates_file=rates_file)
    if errors:
        rejected = ImportRejected(str(path), errors)
        with ledger.write() as conn:
            audit.record(
                conn,
                at=now,
                actor=actor,
                action="import",
                outcome="refused",
                payload={"file": str(path), "errors": [e.model_dump() for e in errors]},
            )
        raise rejected
    with ledger.write() as conn:
        existing = {tuple(r) for r in conn.execute(sa.select(*(awards.c[k] for k in KEY)))}
        new = [row for row in rows if tuple(row[k] for k in KEY) not in existing]
        imported, skipped = len(new), len(rows) - len(new)
        for start in range(0, len(new), CHUNK):
            _insert_awards(conn, new[start : start + CHUNK], now=now, actor=actor)
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="import",
            outcome="accepted",
            payload={"file": str(path), "imported": imported, "skipped": skipped},
        )
    return ImportResult(str(path), imported, skipped, warnings)


__all__ = ["ImportResult", "import_awards", "validate_awards"]
