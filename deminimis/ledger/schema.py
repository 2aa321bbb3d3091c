"""The ledger's tables (SQLAlchemy Core), in their latest shape.

Why these tables: a municipality's own grants are prior aid for its next decision, and a
grant being prepared must hold its amount until it is made (a *reservation*), so that two
officers cannot together push one undertaking over the ceiling. Every attempt, accepted or
refused, is kept with its decision JSON in an append-only audit log.

Money is integer cents (``BigInteger``), never float; dates are ``Date``; instants are UTC.
A change to a table here needs a new step in :mod:`deminimis.ledger.migrations`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

STATUSES = ("pending", "granted", "released", "expired")
"""Reservation life cycle: pending -> granted | released | expired."""
AWARD_SOURCES = ("import", "grant")
"""An award came from an imported prior-aid file or from granting a reservation."""


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """A timezone-aware UTC instant on every backend (SQLite keeps no offset: read it as UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("ledger instants must be timezone-aware")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

locks = sa.Table(
    "locks",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    comment="One row per lock; PostgreSQL writers take `SELECT … FOR UPDATE` on it.",
)

reservations = sa.Table(
    "reservations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("orgnr", sa.String(9), nullable=False, index=True),
    sa.Column("members", sa.JSON, nullable=False, comment="the single undertaking (orgnr list)"),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount_eur_cents", sa.BigInteger, nullable=False),
    sa.Column("grant_date", sa.Date, nullable=False),
    sa.Column("scheme", sa.String(40), nullable=False),
    sa.Column("basis", sa.String(40), nullable=False),
    sa.Column("grantor", sa.String(200)),
    sa.Column("reference", sa.String(200)),
    sa.Column("status", sa.String(10), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("options", sa.JSON, nullable=False, comment="check options, to re-check at another date"),
    sa.Column("decision", sa.JSON, nullable=False),
    sa.CheckConstraint("amount_cents >= 0", name="reservation_amount_not_negative"),
    sa.CheckConstraint(f"status IN {STATUSES!r}", name="reservation_status"),
)


def _award_terms() -> list[sa.Column]:
    return [
        sa.Column("country", sa.String(2), comment="the granting state, ISO 3166 alpha-2 (null: NO)"),
        sa.Column("instrument", sa.String(20), comment="grant, loan, guarantee, … (null: grant)"),
        sa.Column("nominal_cents", sa.BigInteger, comment="a loan's or guarantee's nominal amount"),
    ]


AWARD_TERMS = _award_terms()
"""Award columns added in schema version 3: without them a Swedish award or a loan imported
into the ledger was counted as a Norwegian grant (the file said otherwise)."""

awards = sa.Table(
    "awards",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("orgnr", sa.String(9), nullable=False, index=True),
    sa.Column("granted_on", sa.Date, nullable=False),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("basis", sa.String(40), nullable=False),
    sa.Column("grantor", sa.String(200)),
    sa.Column("reference", sa.String(200)),
    sa.Column("source", sa.String(10), nullable=False),
    sa.Column("source_file", sa.String(1000), comment="imported: the file as given"),
    sa.Column("source_row", sa.Integer, comment="imported: its spreadsheet row"),
    sa.Column("reservation_id", sa.Integer, sa.ForeignKey("reservations.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    *AWARD_TERMS,
    sa.CheckConstraint("amount_cents >= 0", name="award_amount_not_negative"),
    sa.CheckConstraint(f"source IN {AWARD_SOURCES!r}", name="award_source"),
)
awards_by_undertaking = sa.Index("awards_orgnr_granted_on", awards.c.orgnr, awards.c.granted_on)
"""Prior aid is read per undertaking member and window, never the whole ledger."""

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True, comment="the client's Idempotency-Key header"),
    sa.Column("fingerprint", sa.String(64), nullable=False, comment="sha256 of the request"),
    sa.Column("reservation_id", sa.Integer, sa.ForeignKey("reservations.id"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    comment="A retried reservation request gets the reservation its first attempt made.",
)

web_checks = sa.Table(
    "web_checks",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False, index=True),
    sa.Column("form", sa.JSON, nullable=False, comment="what the officer typed"),
    sa.Column("rows", sa.JSON, nullable=False, comment="prior aid given with the check"),
    sa.Column("decision", sa.JSON, nullable=False),
    sa.Column("reservation", sa.JSON, comment="the outcome of the page's Reserve"),
    comment="The web page's single checks (deminimis.web.store).",
)

web_batches = sa.Table(
    "web_batches",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False, index=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("names", sa.JSON, nullable=False, comment="uploaded file names by field"),
    sa.Column("status", sa.String(10), nullable=False, comment="running, done or failed"),
    sa.Column("done", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("counts", sa.JSON, nullable=False, comment="decisions per route"),
    sa.Column("errors", sa.JSON, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("workbook", sa.LargeBinary, comment="the decisions .xlsx once done"),
    comment="The web page's batch runs (deminimis.web.store).",
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("orgnr", sa.String(200), index=True),
    sa.Column("application_id", sa.String(200)),
    sa.Column("grant_date", sa.Date),
    sa.Column("route", sa.String(20), nullable=False),
    sa.Column("reservation_id", sa.Integer, sa.ForeignKey("reservations.id")),
    sa.Column("decision", sa.JSON, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(20), nullable=False, comment="reserve, grant, release, expire, import"),
    sa.Column("outcome", sa.String(20), nullable=False, comment="accepted, refused or failed"),
    sa.Column("orgnr", sa.String(200), index=True),
    sa.Column("reservation_id", sa.Integer),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("decision", sa.JSON),
    comment="Append-only: triggers refuse UPDATE and DELETE.",
)

__all__ = [
    "AWARD_SOURCES",
    "STATUSES",
    "UTCDateTime",
    "audit_log",
    "awards",
    "awards_by_undertaking",
    "decisions",
    "idempotency_keys",
    "locks",
    "metadata",
    "reservations",
    "schema_version",
    "web_batches",
    "web_checks",
]
