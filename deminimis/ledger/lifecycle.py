"""Grant and release a reservation (see :mod:`deminimis.ledger.reservations` for reserve).

Why a re-check at grant: the reservation was decided for its planned grant date and the ledger
as it was then. A grant made on another day can fall under another regime, window or exchange
rate, and prior aid imported since may count, so the grant is decided again at its real date
(without its own reservation, under the write lock) and refused unless it still fits de
minimis. Refusals of both actions (unknown id, not pending, no longer fits) are audited after
the rollback.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from deminimis.errors import InputError
from deminimis.ledger import audit
from deminimis.ledger.checking import decide_one
from deminimis.ledger.db import MAX_ID, Ledger, utcnow
from deminimis.ledger.errors import Conflict, NotFound
from deminimis.ledger.prior import links_csv, parse_date
from deminimis.ledger.records import AwardRecord, ReservationRecord, award_record, reservation_record
from deminimis.ledger.registrations import due_date_of
from deminimis.ledger.reservations import expire_due, get_row
from deminimis.ledger.schema import awards, reservations
from deminimis.models import Decision
from deminimis.money import format_cents


@dataclass
class GrantResult:
    reservation: ReservationRecord
    award: AwardRecord
    decision: Decision
    """The re-check at the grant date."""


def _pending(conn: sa.Connection, reservation_id: int, action: str) -> sa.Row[Any]:
    row = get_row(conn, reservation_id)
    if row.status != "pending":
        raise Conflict(f"reservation {reservation_id} is {row.status}; only a pending one can be {action}")
    return row


def _recheck(conn: sa.Connection, row: sa.Row[Any], granted_on: dt.date, now: dt.datetime) -> Decision:
    """The reserved grant decided again at ``granted_on``, without its own reservation."""
    opts = {k: v for k, v in (row.options or {}).items() if v is not None}
    with tempfile.TemporaryDirectory(prefix="deminimis-ledger-") as tmp:
        links = links_csv(list(row.members), f"reservation-{row.id}", Path(tmp) / "links.csv")
        result = decide_one(
            conn,
            now=now,
            exclude_reservation=row.id,
            orgnr=row.orgnr,
            amount=format_cents(row.amount_cents),
            currency=row.currency,
            grant_date=granted_on,
            scheme=row.scheme,
            links=links,
            **opts,
        )
    return result.decisions[0]


def _attempt(
    ledger: Ledger,
    action: str,
    reservation_id: int,
    actor: str,
    now: dt.datetime,
    work: Any,
    payload: dict[str, Any],
) -> Any:
    """Run ``work(conn)`` under the write lock; audit success, and audit a refusal or failure
    after the rollback, in its own transaction (every attempt leaves an audit row)."""
    valid = 1 <= reservation_id <= MAX_ID.get(ledger.backend, 2**31 - 1)
    event = {
        "at": now,
        "actor": actor,
        "action": action,
        "reservation_id": reservation_id if valid else None,
    }
    if problem := audit.attempt_problem(actor, payload):
        audit.record_alone(ledger, **event, outcome="failed", payload={**payload, "error": problem})
        raise InputError(problem)
    try:
        with ledger.write() as conn:
            expire_due(conn, now)
            return work(conn)
    except (NotFound, Conflict) as exc:
        with ledger.write() as conn:
            expire_due(conn, now)
            orgnr = None
            if valid:
                orgnr = conn.execute(
                    sa.select(reservations.c.orgnr).where(reservations.c.id == reservation_id)
                ).scalar_one_or_none()
            audit.record(
                conn,
                **event,
                outcome="refused",
                orgnr=orgnr,
                payload={**payload, "error": str(exc), **({} if valid else {"id": str(reservation_id)})},
                decision=exc.decision if isinstance(exc, Conflict) else None,
            )
        raise
    except Exception as exc:
        audit.record_alone(ledger, **event, outcome="failed", payload={**payload, "error": repr(exc)})
        raise


def grant(
    ledger: Ledger,
    reservation_id: int,
    *,
    actor: str,
    granted_on: str | dt.date | None = None,
    now: dt.datetime | None = None,
) -> GrantResult:
    """Make the reserved grant: the reservation becomes an award dated ``granted_on``.

    The grant is decided again at ``granted_on`` (default: the reserved date) and refused
    (``Conflict``, with that decision) unless it still fits de minimis.
    """
    now = now or utcnow()
    day = parse_date(granted_on) if granted_on is not None else None
    if granted_on is not None and day is None:
        raise InputError(f"granted_on '{granted_on}' is not a date (use YYYY-MM-DD or DD.MM.YYYY)")
    payload = {"granted_on": day.isoformat() if day else None}

    def work(conn: sa.Connection) -> GrantResult:
        row = _pending(conn, reservation_id, "granted")
        on = day or row.grant_date
        decision = _recheck(conn, row, on, now)
        if decision.route != "de_minimis":
            raise Conflict(
                f"reservation {row.id} granted on {on} no longer fits de minimis (route {decision.route}, "
                f"headroom before {decision.headroom_before_eur} EUR); release it, or reserve again",
                decision,
            )
        audit.record_decision(conn, at=now, actor=actor, decision=decision, reservation_id=row.id)
        award_id = conn.execute(
            sa.insert(awards).values(
                orgnr=row.orgnr,
                granted_on=on,
                amount_cents=row.amount_cents,
                currency=row.currency,
                basis=row.basis,
                grantor=row.grantor,
                reference=row.reference,
                source="grant",
                reservation_id=row.id,
                created_at=now,
                actor=actor,
            )
        ).inserted_primary_key[0]
        conn.execute(
            sa.update(reservations).where(reservations.c.id == row.id).values(status="granted", closed_at=now)
        )
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="grant",
            outcome="accepted",
            orgnr=row.orgnr,
            reservation_id=row.id,
            payload={**payload, "award_id": award_id, "register_due": due_date_of(decision)},
            decision=decision,
        )
        award = award_record(conn.execute(sa.select(awards).where(awards.c.id == award_id)).one())
        return GrantResult(reservation_record(get_row(conn, row.id), now), award, decision)

    return _attempt(ledger, "grant", reservation_id, actor, now, work, payload)


def release(
    ledger: Ledger, reservation_id: int, *, actor: str, now: dt.datetime | None = None
) -> ReservationRecord:
    """Free a pending reservation (the grant will not be made)."""
    now = now or utcnow()

    def work(conn: sa.Connection) -> ReservationRecord:
        row = _pending(conn, reservation_id, "released")
        conn.execute(
            sa.update(reservations)
            .where(reservations.c.id == row.id)
            .values(status="released", closed_at=now)
        )
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="release",
            outcome="accepted",
            orgnr=row.orgnr,
            reservation_id=row.id,
            payload={},
        )
        return reservation_record(get_row(conn, row.id), now)

    return _attempt(ledger, "release", reservation_id, actor, now, work, {})


__all__ = ["GrantResult", "grant", "release"]
