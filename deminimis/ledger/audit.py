"""Writing the append-only audit log and the decisions table.

Why both: ``decisions`` answers "what did the checker say for this grant" (one row per
decision made through the ledger); the audit log answers "who tried what, when, and what
happened" for every attempt, including refusals and failures. Rows are only ever inserted
(the database refuses UPDATE and DELETE on ``audit_log``).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from deminimis.ledger.schema import audit_log, decisions
from deminimis.models import Decision

if TYPE_CHECKING:
    from deminimis.ledger.db import Ledger

ACTOR_MAX = 200
"""Longest actor (``X-Actor``) the ledger keeps; the columns are ``VARCHAR(200)``."""
TEXT_MAX = 200
"""Longest grantor, reference or application id (``VARCHAR(200)`` columns)."""
NUL_MARK = "\u2400"
"""What a NUL character becomes in the audit log (PostgreSQL text cannot hold NUL)."""
_log = logging.getLogger(__name__)


def clean(value: Any) -> Any:
    """``value`` with every NUL in its strings replaced by :data:`NUL_MARK` (dicts and lists too)."""
    if isinstance(value, str):
        return value.replace("\x00", NUL_MARK)
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def _nul_paths(value: Any, path: str) -> list[str]:
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nul_paths(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in _nul_paths(v, f"{path}[{i}]")]
    return []


def attempt_problem(actor: str, fields: dict[str, Any]) -> str | None:
    """Why an attempt cannot reach the database (NUL characters, an over-long actor or text)."""
    if "\x00" in actor:
        return "actor contains a NUL character"
    if len(actor) > ACTOR_MAX:
        return f"actor (X-Actor) is longer than {ACTOR_MAX} characters"
    if bad := _nul_paths(fields, ""):
        return f"{', '.join(bad)}: text with a NUL character"
    long = [k for k in ("grantor", "reference", "application_id") if len(str(fields.get(k) or "")) > TEXT_MAX]
    return f"{', '.join(long)}: longer than {TEXT_MAX} characters" if long else None


def record_alone(ledger: Ledger, **event: Any) -> None:
    """Append one audit event in its own transaction (a failed attempt whose work was rolled
    back). Best effort: if even this fails (the ledger is down), it is logged, not raised."""
    try:
        with ledger.write(locked=False) as conn:
            record(conn, **event)
    except Exception:  # noqa: BLE001 - the original error is what the caller reports
        _log.exception("could not audit a failed %s attempt", event.get("action"))


def record(
    conn: sa.Connection,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    outcome: str,
    payload: dict[str, Any],
    orgnr: str | None = None,
    reservation_id: int | None = None,
    decision: Decision | None = None,
) -> int:
    """Append one audit event; returns its id."""
    values = {
        "at": at,
        "actor": clean(actor)[:ACTOR_MAX],
        "action": action,
        "outcome": outcome,
        "orgnr": clean(orgnr)[:200] if orgnr else orgnr,
        "reservation_id": reservation_id,
        "payload": clean(payload),
        "decision": clean(decision.to_json_dict()) if decision is not None else None,
    }
    return int(conn.execute(sa.insert(audit_log).values(values)).inserted_primary_key[0])


def record_decision(
    conn: sa.Connection, *, at: dt.datetime, actor: str, decision: Decision, reservation_id: int | None
) -> int:
    """Keep a decision made through the ledger (reserve, or a re-check at grant)."""
    grant_date = dt.date.fromisoformat(decision.grant_date) if decision.grant_date else None
    values = {
        "at": at,
        "actor": actor,
        "orgnr": decision.orgnr,
        "application_id": decision.application_id,
        "grant_date": grant_date,
        "route": decision.route,
        "reservation_id": reservation_id,
        "decision": decision.to_json_dict(),
    }
    return int(conn.execute(sa.insert(decisions).values(values)).inserted_primary_key[0])


__all__ = ["ACTOR_MAX", "TEXT_MAX", "attempt_problem", "clean", "record", "record_alone", "record_decision"]
