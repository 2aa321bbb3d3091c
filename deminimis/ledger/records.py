"""What the ledger hands out: awards, reservations, audit events and an orgnr's history.

Why separate models: database rows hold integer cents and typed dates; callers (CLI, HTTP,
Python) get the contract's forms instead, money as two-decimal strings and ISO dates, so the
HTTP API can use these models as its response schemas unchanged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from deminimis.money import format_cents

Status = Literal["pending", "granted", "released", "expired"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AwardRecord(_Out):
    """Prior aid held by the ledger (imported from a file, or a granted reservation)."""

    id: int
    orgnr: str
    granted_on: str
    amount: str
    currency: str
    basis: str
    grantor: str | None
    reference: str | None
    source: Literal["import", "grant"]
    source_file: str | None
    source_row: int | None
    reservation_id: int | None
    created_at: str
    actor: str


class ReservationRecord(_Out):
    """A grant being prepared; while ``pending`` and unexpired it counts as de minimis aid."""

    id: int
    orgnr: str
    undertaking: list[str]
    amount: str
    currency: str
    amount_eur: str
    grant_date: str
    scheme: str
    basis: str
    grantor: str | None
    reference: str | None
    status: Status
    created_at: str
    expires_at: str
    closed_at: str | None
    actor: str


class AuditEvent(_Out):
    """One line of the append-only audit log."""

    id: int
    at: str
    actor: str
    action: str
    outcome: str
    orgnr: str | None
    reservation_id: int | None
    payload: dict[str, Any]
    decision: dict[str, Any] | None


class History(_Out):
    """Everything the ledger knows about one orgnr (also as a member of another's undertaking)."""

    orgnr: str
    awards: list[AwardRecord]
    reservations: list[ReservationRecord]
    events: list[AuditEvent]


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def award_record(row: Any) -> AwardRecord:
    m = row._mapping
    return AwardRecord(
        id=m["id"],
        orgnr=m["orgnr"],
        granted_on=m["granted_on"].isoformat(),
        amount=format_cents(m["amount_cents"]),
        currency=m["currency"],
        basis=m["basis"],
        grantor=m["grantor"],
        reference=m["reference"],
        source=m["source"],
        source_file=m["source_file"],
        source_row=m["source_row"],
        reservation_id=m["reservation_id"],
        created_at=m["created_at"].isoformat(),
        actor=m["actor"],
    )


def reservation_record(row: Any, now: dt.datetime) -> ReservationRecord:
    """A pending reservation past its expiry is reported as ``expired`` even before the sweep."""
    m = row._mapping
    status = m["status"]
    if status == "pending" and m["expires_at"] <= now:
        status = "expired"
    return ReservationRecord(
        id=m["id"],
        orgnr=m["orgnr"],
        undertaking=list(m["members"]),
        amount=format_cents(m["amount_cents"]),
        currency=m["currency"],
        amount_eur=format_cents(m["amount_eur_cents"]),
        grant_date=m["grant_date"].isoformat(),
        scheme=m["scheme"],
        basis=m["basis"],
        grantor=m["grantor"],
        reference=m["reference"],
        status=status,
        created_at=m["created_at"].isoformat(),
        expires_at=m["expires_at"].isoformat(),
        closed_at=_iso(m["closed_at"]),
        actor=m["actor"],
    )


def audit_event(row: Any) -> AuditEvent:
    m = row._mapping
    return AuditEvent(
        id=m["id"],
        at=m["at"].isoformat(),
        actor=m["actor"],
        action=m["action"],
        outcome=m["outcome"],
        orgnr=m["orgnr"],
        reservation_id=m["reservation_id"],
        payload=m["payload"],
        decision=m["decision"],
    )


__all__ = [
    "AuditEvent",
    "AwardRecord",
    "History",
    "ReservationRecord",
    "Status",
    "audit_event",
    "award_record",
    "reservation_record",
]
