"""Idempotency keys: a retried reservation request gets the reservation its first attempt made.

Why: a portal whose ``POST /v1/reservations`` timed out cannot know whether the reservation
was made; it retries with the same ``Idempotency-Key`` header. The same key with the same
request returns the first reservation (nothing new is held); the same key with another
request is refused (:class:`~deminimis.ledger.errors.Conflict`, HTTP 409). Keys are kept in
the ledger (table ``idempotency_keys``) and read under the write lock of :func:`reserve`, so
two concurrent retries cannot both reserve. Only accepted reservations store their key: a
refused request held nothing, and its retry is simply checked again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import sqlalchemy as sa

from deminimis.ledger.errors import Conflict
from deminimis.ledger.schema import idempotency_keys


def fingerprint(request: Any) -> str:
    """A stable digest of a request (JSON with sorted keys; other values as text).

    >>> fingerprint({"b": 1, "a": "x"}) == fingerprint({"a": "x", "b": 1})
    True
    """
    text = json.dumps(request, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def earlier_reservation(conn: sa.Connection, key: str, digest: str) -> int | None:
    """The reservation id the key was first used for (None: a new key); Conflict when the key
    came with another request."""
    row = conn.execute(
        sa.select(idempotency_keys.c.fingerprint, idempotency_keys.c.reservation_id).where(
            idempotency_keys.c.key == key
        )
    ).first()
    if row is None:
        return None
    if row.fingerprint != digest:
        raise Conflict(
            f"Idempotency-Key {key!r} was used for another request (reservation {row.reservation_id}); "
            "use a new key for a new request"
        )
    return int(row.reservation_id)


def remember(conn: sa.Connection, key: str, digest: str, reservation_id: int, now: dt.datetime) -> None:
    conn.execute(
        sa.insert(idempotency_keys).values(
            key=key, fingerprint=digest, reservation_id=reservation_id, created_at=now
        )
    )


__all__ = ["earlier_reservation", "fingerprint", "remember"]
