"""Reserve -> grant -> release: holding de minimis headroom while a grant is prepared.

Why: two officers approving grants to the same undertaking on the same afternoon must never
together push it over the ceiling. ``reserve`` therefore takes the ledger's write lock
(:meth:`Ledger.write`: SQLite ``BEGIN IMMEDIATE``, PostgreSQL ``SELECT … FOR UPDATE``)
*before* it reads the prior aid, runs the ordinary check (:func:`deminimis.api.check_one`)
and, only when the route is ``de_minimis``, stores a pending reservation in the same
transaction. A second ``reserve`` waits for the lock and then sees the first one.

A pending reservation expires ``ttl`` after it was made (default 14 days) and then stops
counting. ``grant`` turns it into an award and ``release`` frees it
(:mod:`deminimis.ledger.lifecycle`). Every attempt, accepted, refused or failed, is appended to the audit
log with the decision JSON.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from deminimis.errors import DeminimisError, InputError
from deminimis.ledger import audit, idempotency
from deminimis.ledger.checking import decide_one
from deminimis.ledger.db import MAX_ID, Ledger, utcnow
from deminimis.ledger.errors import NotFound
from deminimis.ledger.prior import Row
from deminimis.ledger.records import ReservationRecord, reservation_record
from deminimis.ledger.schema import reservations
from deminimis.models import Decision, RowError
from deminimis.money import parse_cents

DEFAULT_TTL = dt.timedelta(days=14)
OPTION_KEYS = ("nace", "fiscal_year_start", "in_difficulty_2019", "application_id")
"""Check options kept with a reservation so that ``grant`` can re-check at another date."""


@dataclass
class ReserveResult:
    """The decision, and the reservation when the grant fits de minimis (else None)."""

    decision: Decision
    reservation: ReservationRecord | None
    input_errors: list[RowError]
    replayed: bool = False
    """The reservation an earlier request with the same ``Idempotency-Key`` made."""

    @property
    def accepted(self) -> bool:
        return self.reservation is not None


def _basis(scheme: str | None) -> str:
    return "de_minimis_sgei" if scheme == "sgei" else "de_minimis"


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


def reserve(
    ledger: Ledger,
    *,
    orgnr: str,
    amount: str | int,
    grant_date: str | dt.date,
    actor: str,
    currency: str = "NOK",
    scheme: str | None = None,
    grantor: str | None = None,
    reference: str | None = None,
    awards_file: str | Path | None = None,
    awards_rows: list[Row] | None = None,
    ttl: dt.timedelta = DEFAULT_TTL,
    now: dt.datetime | None = None,
    context: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
    **options: Any,
) -> ReserveResult:
    """Check a planned grant against the ledger's prior aid and hold it if it fits de minimis.

    ``awards_file`` / ``awards_rows`` add prior aid the ledger does not hold (e.g. the
    applicant's declaration; rows as :data:`deminimis.ledger.prior.Row`);
    ``options`` are :func:`deminimis.api.check_one` keywords (``links``, ``firms``, ``nace``…);
    ``context`` is kept in the audit log with the request (e.g. the HTTP body);
    ``idempotency_key``: a retry with the same key and the same request (``fingerprint``,
    default: a digest of the arguments) returns the first reservation, ``replayed``
    (:mod:`deminimis.ledger.idempotency`).
    """
    now = now or utcnow()
    request = {
        "orgnr": orgnr,
        "amount": str(amount),
        "grant_date": str(grant_date),
        "currency": currency,
        "scheme": scheme,
        "grantor": grantor,
        "reference": reference,
        "awards_file": str(awards_file) if awards_file else None,
        "awards_rows": awards_rows,
        **{k: (str(v) if isinstance(v, Path) else v) for k, v in options.items()},
    } | ({"context": context} if context else {})
    kw = {
        "orgnr": orgnr,
        "amount": amount,
        "grant_date": grant_date,
        "currency": currency,
        "scheme": scheme,
        "awards_file": awards_file,
        "awards_rows": awards_rows,
        "idempotency_key": idempotency_key,
        "fingerprint": fingerprint,
    }
    event = {"at": now, "actor": actor, "action": "reserve", "outcome": "failed", "orgnr": orgnr}
    if problem := audit.attempt_problem(actor, {**request, "idempotency_key": idempotency_key}):
        audit.record_alone(ledger, **event, payload={"request": request, "error": problem})
        raise InputError(problem)
    try:
        return _reserve(ledger, request, now=now, actor=actor, ttl=ttl, options=options, **kw)
    except DeminimisError as exc:
        if not getattr(exc, "audited", False):  # e.g. ledger busy: its own transaction, after rollback
            audit.record_alone(ledger, **event, payload={"request": request, "error": str(exc)})
        raise
    except Exception as exc:
        audit.record_alone(ledger, **event, payload={"request": request, "error": repr(exc)})
        raise


def _reserve(
    ledger: Ledger,
    request: dict[str, Any],
    *,
    now: dt.datetime,
    actor: str,
    ttl: dt.timedelta,
    options: dict[str, Any],
    orgnr: str,
    amount: str | int,
    grant_date: str | dt.date,
    currency: str,
    scheme: str | None,
    awards_file: str | Path | None,
    awards_rows: list[Row] | None,
    idempotency_key: str | None,
    fingerprint: str | None,
) -> ReserveResult:
    failure: DeminimisError | None = None
    record: ReservationRecord | None = None
    digest = fingerprint or idempotency.fingerprint(request)
    with ledger.write() as conn:
        expire_due(conn, now)
        if idempotency_key and (earlier := idempotency.earlier_reservation(conn, idempotency_key, digest)):
            return _replay(conn, earlier, idempotency_key, actor=actor, now=now)
        try:
            result = decide_one(
                conn,
                now=now,
                orgnr=orgnr,
                amount=amount,
                grant_date=grant_date,
                currency=currency,
                scheme=scheme,
                awards_file=awards_file,
                awards_rows=awards_rows,
                **options,
            )
            decision, input_errors = result.decisions[0], result.input_errors
        except DeminimisError as exc:  # unusable input: audited, raised after the commit
            failure = exc
            audit.record(
                conn,
                at=now,
                actor=actor,
                action="reserve",
                outcome="failed",
                orgnr=orgnr,
                payload={"request": request, "error": str(exc)},
            )
        else:
            if decision.route == "de_minimis":
                record = _insert(conn, decision, request, options, now=now, ttl=ttl, actor=actor)
                if idempotency_key:
                    idempotency.remember(conn, idempotency_key, digest, record.id, now)
            rid = record.id if record else None
            audit.record_decision(conn, at=now, actor=actor, decision=decision, reservation_id=rid)
            audit.record(
                conn,
                at=now,
                actor=actor,
                action="reserve",
                outcome="accepted" if record else "refused",
                orgnr=decision.orgnr or orgnr,
                reservation_id=rid,
                payload={"request": request},
                decision=decision,
            )
    if failure is not None:
        failure.audited = True  # type: ignore[attr-defined]
        raise failure
    return ReserveResult(decision, record, input_errors)


def _replay(conn: sa.Connection, rid: int, key: str, *, actor: str, now: dt.datetime) -> ReserveResult:
    """The reservation an earlier request with this idempotency key made (audited, held once)."""
    row = get_row(conn, rid)
    audit.record(
        conn,
        at=now,
        actor=actor,
        action="reserve",
        outcome="replayed",
        orgnr=row.orgnr,
        reservation_id=rid,
        payload={"idempotency_key": key},
    )
    decision = Decision.model_validate(row.decision)
    return ReserveResult(decision, reservation_record(row, now), [], replayed=True)


def _insert(
    conn: sa.Connection,
    decision: Decision,
    request: dict[str, Any],
    options: dict[str, Any],
    *,
    now: dt.datetime,
    ttl: dt.timedelta,
    actor: str,
) -> ReservationRecord:
    assert decision.orgnr and decision.currency and decision.grant_date
    assert decision.new_aid_eur is not None
    held, currency = parse_cents(decision.amount or "0"), decision.currency
    if decision.gge is not None:  # a loan, guarantee, instalments…: hold its GGE (deminimis.gge), in EUR
        held, currency = parse_cents(decision.new_aid_eur), "EUR"
    values = {
        "orgnr": decision.orgnr,
        "members": list(decision.undertaking),
        "amount_cents": held,
        "currency": currency,
        "amount_eur_cents": parse_cents(decision.new_aid_eur),
        "grant_date": dt.date.fromisoformat(decision.grant_date),
        "scheme": decision.scheme or "ad_hoc",
        "basis": _basis(decision.scheme),
        "grantor": request.get("grantor"),
        "reference": request.get("reference"),
        "status": "pending",
        "created_at": now,
        "expires_at": now + ttl,
        "actor": actor,
        "options": {k: options.get(k) for k in OPTION_KEYS} | {"nace": options.get("nace") or decision.nace},
        "decision": decision.to_json_dict(),
    }
    rid = conn.execute(sa.insert(reservations).values(values)).inserted_primary_key[0]
    return reservation_record(get_row(conn, rid), now)


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


__all__ = [
    "DEFAULT_TTL",
    "OPTION_KEYS",
    "ReserveResult",
    "expire_due",
    "get_reservation",
    "get_row",
    "reserve",
]
