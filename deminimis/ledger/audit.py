"""Writing the append-only audit log and the decisions table.

Why both: ``decisions`` answers "what did the checker say for this grant" (one row per
decision made through the ledger); the audit log answers "who tried what, when, and what
happened" for every attempt, including refusals and failures. Rows are only ever inserted
(the database refuses UPDATE and DELETE on ``audit_log``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from deminimis.ledger.schema import audit_log, decisions
from deminimis.models import Decision


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
        "actor": actor,
        "action": action,
        "outcome": outcome,
        "orgnr": orgnr,
        "reservation_id": reservation_id,
        "payload": payload,
        "decision": decision.to_json_dict() if decision is not None else None,
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


__all__ = ["record", "record_decision"]
