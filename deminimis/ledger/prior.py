"""Prior aid from the ledger: one SQL query for the applicants' single undertakings.

Why a query, not the whole ledger: a check needs the awards of a few orgnrs in a few years;
reading a million-award ledger for each one made a reservation take seconds. The source
(:func:`ledger_source`, an award source of :func:`deminimis.case.decide`) returns typed award
rows of the undertaking's members (``since`` can bound the date; :func:`deminimis.case.decide`
asks for every date, so that a single check and a batch list the same awards), with their
provenance set here:

- every ledger award (imported or granted), at its own grant date; an imported one names the
  file and row it came from, a granted one ``ledger:awards`` and its id;
- every *live* reservation (pending, not expired) as ``de_minimis`` aid (``de_minimis_sgei``
  for scheme ``sgei``), named ``ledger:reservations`` and its id. A reservation *holds* its
  amount: it counts at its planned grant date, or at the date being checked when that is
  earlier (``as_of``), so that a grant dated before a reservation cannot use the headroom the
  reservation holds.

Every row has ``origin`` ``ledger``: an award also in the applicant's declaration is counted
once (:mod:`deminimis.counted_once`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from deminimis.ledger.schema import awards, reservations
from deminimis.sources import schemas, tables

LEDGER_AWARDS = "ledger:awards"
LEDGER_RESERVATIONS = "ledger:reservations"
LEDGER = "ledger"
CHUNK = 900
"""orgnrs per ``IN (…)`` (well under every database's limit on bound parameters)."""
PathLike = str | Path
TERMS = {"country": pl.Utf8, "instrument": pl.Utf8, "nominal_cents": pl.Int64}
"""Award columns beyond the typed table's (null: a Norwegian grant, as for a file without them)."""


def parse_date(text: str | dt.date | None) -> dt.date | None:
    """A grant date as the engine reads it (``YYYY-MM-DD`` or ``DD.MM.YYYY``), else None.

    >>> parse_date("17.05.2021"), parse_date("2021-02-30")
    (datetime.date(2021, 5, 17), None)
    """
    if text is None or isinstance(text, dt.date):
        return text
    return _parsed(str(text), dt.date.today())


@functools.lru_cache(maxsize=256)
def _parsed(text: str, today: dt.date) -> dt.date | None:
    """One text read by the engine's rules; kept per day (a two-digit year reads as the nearest
    past date, so the answer can change with ``today``)."""
    frame = pl.DataFrame({"d": [text]}, schema={"d": pl.Utf8})
    return tables.date_columns(frame, "d", date="_date").get_column("_date").item()


def _chunks(orgnrs: list[str] | None) -> list[list[str] | None]:
    """``IN`` lists of at most :data:`CHUNK` orgnrs (None: every orgnr, for the export)."""
    if orgnrs is None:
        return [None]
    return [orgnrs[i : i + CHUNK] for i in range(0, len(orgnrs), CHUNK)]


def _award_rows(conn: sa.Connection, orgnrs: list[str] | None, since: dt.date | None) -> list[dict]:
    rows: list[dict] = []
    for part in _chunks(orgnrs):
        query = sa.select(awards)
        if part is not None:
            query = query.where(awards.c.orgnr.in_(part))
        if since is not None:
            query = query.where(awards.c.granted_on >= since)
        for a in conn.execute(query.order_by(awards.c.granted_on, awards.c.id)).mappings():
            imported = a["source"] == "import"
            rows.append(
                {
                    "file": a["source_file"] if imported else LEDGER_AWARDS,
                    "row": a["source_row"] if imported else a["id"],
                    "orgnr": a["orgnr"],
                    "granted_on": a["granted_on"],
                    "amount_cents": a["amount_cents"],
                    "currency": a["currency"],
                    "basis": a["basis"],
                    "grantor": a["grantor"],
                    "reference": a["reference"],
                    "country": a["country"],
                    "instrument": a["instrument"],
                    "nominal_cents": a["nominal_cents"],
                }
            )
    return rows


def _reservation_rows(
    conn: sa.Connection,
    orgnrs: list[str] | None,
    *,
    now: dt.datetime,
    as_of: dt.date | None,
    exclude_reservation: int | None,
) -> list[dict]:
    rows: list[dict] = []
    for part in _chunks(orgnrs):
        live = sa.select(reservations).where(
            reservations.c.status == "pending", reservations.c.expires_at > now
        )
        if part is not None:
            live = live.where(reservations.c.orgnr.in_(part))
        if exclude_reservation is not None:
            live = live.where(reservations.c.id != exclude_reservation)
        for r in conn.execute(live.order_by(reservations.c.grant_date, reservations.c.id)).mappings():
            rows.append(
                {
                    "file": LEDGER_RESERVATIONS,
                    "row": r["id"],
                    "orgnr": r["orgnr"],
                    "granted_on": min(r["grant_date"], as_of) if as_of else r["grant_date"],
                    "amount_cents": r["amount_cents"],
                    "currency": r["currency"],
                    "basis": r["basis"],
                    "grantor": r["grantor"],
                    "reference": r["reference"] or f"reservation {r['id']}",
                }
            )
    return rows


def ledger_awards(
    conn: sa.Connection,
    orgnrs: list[str] | None,
    since: dt.date | None = None,
    *,
    now: dt.datetime,
    as_of: dt.date | None = None,
    exclude_reservation: int | None = None,
) -> pl.DataFrame:
    """The ledger's awards and live reservations of ``orgnrs`` (typed awards, provenance set;
    ``orgnrs`` None: the whole ledger, only for ``ledger export``).

    Awards granted before ``since`` are left out (no window reaches them); awards dated after
    the grant date are kept (the decision warns about them).
    """
    rows = _award_rows(conn, orgnrs, since)
    rows += _reservation_rows(conn, orgnrs, now=now, as_of=as_of, exclude_reservation=exclude_reservation)
    typed = {k: v for k, v in schemas.TYPED["awards"].items() if k not in ("origin", "source")}
    frame = pl.DataFrame(rows, schema=typed | TERMS, strict=False).with_columns(
        pl.col("country").fill_null("NO"), pl.col("instrument").fill_null("grant")
    )  # the defaults of a file row that leaves them blank (tables.canonical_awards)
    return frame.with_columns(origin=pl.lit(LEDGER), source=pl.lit("awards"))


def ledger_source(
    conn: sa.Connection,
    *,
    now: dt.datetime,
    as_of: dt.date | None = None,
    exclude_reservation: int | None = None,
) -> Callable[[list[str], dt.date | None], pl.DataFrame]:
    """An award source (:data:`deminimis.case.AwardSource`) reading through ``conn``."""

    def source(orgnrs: list[str], since: dt.date | None) -> pl.DataFrame:
        return ledger_awards(
            conn, orgnrs, since, now=now, as_of=as_of, exclude_reservation=exclude_reservation
        )

    source.kind = LEDGER  # type: ignore[attr-defined]  # the decision's ``sources`` lists it
    return source


__all__ = ["LEDGER", "LEDGER_AWARDS", "LEDGER_RESERVATIONS", "ledger_awards", "ledger_source", "parse_date"]
