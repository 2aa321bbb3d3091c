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

Reading a reservation row and expiring the ones past due (shared with grant/release) live in
:mod:`deminimis.ledger.reservation_rows`, the audit log's JSON form of request values in
:mod:`deminimis.ledger.request_values`; both are re-exported here.
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
from deminimis.ledger.db import Ledger, utcnow
from deminimis.ledger.records import ReservationRecord, reservation_record
from deminimis.ledger.request_values import jsonable as _jsonable
from deminimis.ledger.reservation_rows import expire_due, get_reservation, get_row, id_in_range
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
    awards: Any = None,
    awards_file: str | Path | None = None,
    awards_rows: list[dict[str, Any]] | None = None,
    ttl: dt.timedelta = DEFAULT_TTL,
    now: dt.datetime | None = None,
    context: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
    **options: Any,
) -> ReserveResult:
    """Check a planned grant against the ledger's prior aid and hold it if it fits de minimis.

    ``awards`` (any form of :mod:`deminimis.sources.inputs`), ``awards_file`` and
    ``awards_rows`` (records) add prior aid the ledger does not hold (e.g. the applicant's
    declaration);
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
        "awards": _jsonable(awards),
        "awards_file": str(awards_file) if awards_file else None,
        "awards_rows": _jsonable(awards_rows),
        **{k: _jsonable(v) for k, v in options.items()},
    } | ({"context": context} if context else {})
    kw = {
        "orgnr": orgnr,
        "amount": amount,
        "grant_date": grant_date,
        "currency": currency,
        "scheme": scheme,
        "awards": awards,
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
    awards: Any,
    awards_file: str | Path | None,
    awards_rows: list[dict[str, Any]] | None,
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
                awards=awards,
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


__all__ = [
    "DEFAULT_TTL",
    "OPTION_KEYS",
    "ReserveResult",
    "expire_due",
    "get_reservation",
    "get_row",
    "id_in_range",
    "reserve",
]
