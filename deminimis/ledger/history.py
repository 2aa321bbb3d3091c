"""Reading the ledger: an orgnr's history, and the ledger's prior aid as an awards file.

Why ``export`` writes the contract's awards columns: the file can be handed to anyone running
``deminimis check --awards`` (or another tool) and gives the same prior aid the ledger uses,
live reservations included.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from deminimis import orgnr as orgnr_mod
from deminimis.ledger.db import Ledger, utcnow
from deminimis.ledger.prior import ledger_awards
from deminimis.ledger.records import History, audit_event, award_record, reservation_record
from deminimis.ledger.schema import audit_log, awards, reservations
from deminimis.render import fmt


def history(ledger: Ledger, orgnr: str, *, now: dt.datetime | None = None) -> History:
    """Awards, reservations and audit events of ``orgnr`` (also reservations of an undertaking
    it was a member of); ``InvalidOrgNr`` for a malformed number."""
    number = orgnr_mod.validate(orgnr)
    now = now or utcnow()
    with ledger.read() as conn:
        aw = conn.execute(
            sa.select(awards).where(awards.c.orgnr == number).order_by(awards.c.granted_on, awards.c.id)
        )
        res_query = sa.select(reservations).where(
            (reservations.c.orgnr == number) | sa.cast(reservations.c.members, sa.String).contains(number)
        )
        res = [r for r in conn.execute(res_query.order_by(reservations.c.id)) if number in r.members]
        ids = [r.id for r in res]
        ev = conn.execute(
            sa.select(audit_log)
            .where((audit_log.c.orgnr == number) | audit_log.c.reservation_id.in_(ids))
            .order_by(audit_log.c.id)
        )
        return History(
            orgnr=number,
            awards=[award_record(r) for r in aw],
            reservations=[reservation_record(r, now) for r in res],
            events=[audit_event(r) for r in ev],
        )


def export_awards(ledger: Ledger, path: str | Path, *, now: dt.datetime | None = None) -> int:
    """Write the ledger's prior aid (awards + live reservations) as an awards CSV; row count."""
    with ledger.read() as conn:
        rows = ledger_awards(conn, None, now=now or utcnow())
    out = rows.select(
        "orgnr",
        pl.col("granted_on").dt.to_string("%Y-%m-%d"),
        amount=fmt.money(pl.col("amount_cents")),
        currency="currency",
        basis="basis",
        grantor="grantor",
        reference="reference",
        country="country",
        instrument="instrument",
        nominal_amount=fmt.money(pl.col("nominal_cents")),
    )
    out.write_csv(Path(path))
    return out.height


__all__ = ["export_awards", "history"]
