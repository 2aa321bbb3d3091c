"""Reservation rows: read one by id and expire the pending ones that are past due.

Why its own module: these are the plain row helpers that both ``reserve``
(:mod:`deminimis.ledger.reservations`) and grant/release (:mod:`deminimis.ledger.lifecycle`)
use, apart from the reserve flow itself. :mod:`deminimis.ledger.reservations` re-exports them,
so they import from there as before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from deminimis.ledger import audit
from deminimis.ledger.db import MAX_ID, Ledger, utcnow
from deminimis.ledger.errors import NotFound
from deminimis.ledger.records import ReservationRecord, reservation_record
from deminimis.ledger.schema import reservations


def expire_due(conn: sa.Connection, now: dt.datetime) -> list[int]:
    """Mark pending reservations past their expiry as ``expired`` (audited); their ids."""
    due = conn.execute(
        sa.select(reservations.c.id, reservations.c.orgnr, reservations.c.expires_at).where(
            reservations.c.status == "pending", reservations.c.expires_at <= now
        )
    ).all()
    for rid, orgnr, expires_at in due:
        conn.execute(
            sa.update(reservations)
            .where(reservations.c.id == rid)
            .values(status="expired", closed_at=expires_at)
        )
        audit.record(
            conn,
            at=now,
            actor="system",
            action="expire",
            outcome="accepted",
            orgnr=orgnr,
            reservation_id=rid,
            payload={"expires_at": expires_at.isoformat()},
        )
    return [rid for rid, _, _ in due]


def id_in_range(conn: sa.Connection, row_id: int) -> bool:
    """An id the database's ``Integer`` can hold (larger ones are no row, and must not reach SQL)."""
    return 1 <= row_id <= MAX_ID.get(conn.dialect.name, 2**31 - 1)


def get_row(conn: sa.Connection, reservation_id: int) -> sa.Row[Any]:
    if not id_in_range(conn, reservation_id):
        raise NotFound(f"reservation {reservation_id} not found (not a valid id)")
    row = conn.execute(sa.select(reservations).where(reservations.c.id == reservation_id)).first()
    if row is None:
        raise NotFound(f"reservation {reservation_id} not found")
    return row


def get_reservation(
    ledger: Ledger, reservation_id: int, *, now: dt.datetime | None = None
) -> ReservationRecord:
    """One reservation (``NotFound`` when there is none with that id)."""
    with ledger.read() as conn:
        return reservation_record(get_row(conn, reservation_id), now or utcnow())


__all__ = ["expire_due", "get_reservation", "get_row", "id_in_range"]
