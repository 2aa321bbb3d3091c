"""Which granted awards still have to be registered in Støtteregisteret (``deminimis ledger due``).

``grant`` records the due date (grant date + 20 working days, :mod:`deminimis.registration`) in
the audit event of the grant (``payload.register_due``; the re-checked decision there carries the
whole ``registration`` key). ``ledger registered AWARD`` appends an audit event ``registered``;
the awards granted here without such an event are the ones not yet registered. Both live in the
append-only audit log, so no schema change is needed and nothing can be undone silently.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from deminimis.errors import InputError
from deminimis.ledger import audit
from deminimis.ledger.db import Ledger, utcnow
from deminimis.ledger.schema import audit_log, awards

REGISTERED = "registered"


def due_date_of(decision: Any) -> str | None:
    """The due date of a grant's decision (a Decision), if it has a registration."""
    reg = getattr(decision, "registration", None)
    return reg.due_date if reg is not None else None


def due(ledger: Ledger, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Awards granted through the ledger and not yet marked registered, oldest due date first."""
    today = today or utcnow().date()
    with ledger.read() as conn:
        grants = conn.execute(
            sa.select(audit_log.c.payload, audit_log.c.decision)
            .where(audit_log.c.action == "grant", audit_log.c.outcome == "accepted")
            .order_by(audit_log.c.id)
        ).all()
        done = {
            int(p["award_id"])
            for (p,) in conn.execute(sa.select(audit_log.c.payload).where(audit_log.c.action == REGISTERED))
            if isinstance(p, dict) and "award_id" in p
        }
        rows = {r.id: r for r in conn.execute(sa.select(awards).where(awards.c.source == "grant")).all()}
    out = []
    for payload, decision in grants:
        award_id = int(payload.get("award_id", 0))
        award = rows.get(award_id)
        if award is None or award_id in done:
            continue
        reg = (decision or {}).get("registration") or {}
        when = payload.get("register_due") or reg.get("due_date")
        out.append(
            {
                "award_id": award_id,
                "orgnr": award.orgnr,
                "granted_on": award.granted_on.isoformat(),
                "amount_cents": award.amount_cents,
                "currency": award.currency,
                "due_date": when,
                "keep_until": reg.get("keep_until"),
                "overdue": bool(when and dt.date.fromisoformat(when) < today),
            }
        )
    return sorted(out, key=lambda r: (r["due_date"] or "9999", r["award_id"]))


def mark_registered(
    ledger: Ledger, award_id: int, *, actor: str, register_id: str | None = None, on: dt.date | None = None
) -> None:
    """Record that the award was registered (with Støtteregisteret's id when known)."""
    now = utcnow()
    with ledger.write() as conn:
        row = conn.execute(sa.select(awards).where(awards.c.id == award_id)).one_or_none()
        if row is None:
            raise InputError(f"award {award_id} is not in the ledger")
        payload = {
            "award_id": award_id,
            "register_id": register_id,
            "registered_on": (on or now.date()).isoformat(),
        }
        audit.record(
            conn, at=now, actor=actor, action=REGISTERED, outcome="accepted", orgnr=row.orgnr, payload=payload
        )


__all__ = ["REGISTERED", "due", "due_date_of", "mark_registered"]
