"""Deciding grants with the ledger's prior aid: the engine, fed and relabelled.

Why one place: ``reserve``, the re-check at ``grant``, and the HTTP ``check``/``batch`` all
decide the same way: ledger awards + live reservations (+ prior aid given with the request)
written as one awards file (:mod:`deminimis.ledger.prior`), the ordinary engine
(:func:`deminimis.api.check_one` / :func:`~deminimis.api.check_batch`), and the decision's
``counted`` and ``errors`` pointing back at where each award lives.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from deminimis.api import BatchResult, check_batch, check_one
from deminimis.ledger.db import Ledger, utcnow
from deminimis.ledger.prior import PathLike, PriorAid, Row, parse_date, prior_aid_file


def _relabel(result: BatchResult, prior: PriorAid) -> BatchResult:
    return BatchResult(
        [prior.relabel(d) for d in result.decisions], [prior.relabel_error(e) for e in result.input_errors]
    )


def decide_one(
    conn: sa.Connection | None,
    *,
    now: dt.datetime,
    grant_date: str | dt.date,
    awards_file: PathLike | None = None,
    awards_rows: list[Row] | None = None,
    exclude_reservation: int | None = None,
    **check: Any,
) -> BatchResult:
    """:func:`check_one` with the ledger's prior aid read through ``conn`` (None: no ledger).

    Live reservations dated after ``grant_date`` count at ``grant_date`` (they hold headroom).
    """
    with prior_aid_file(
        conn,
        now=now,
        as_of=parse_date(grant_date),
        extra=awards_file,
        extra_rows=awards_rows,
        exclude_reservation=exclude_reservation,
    ) as prior:
        return _relabel(check_one(grant_date=grant_date, awards=prior.path, **check), prior)


def check_with_ledger(
    ledger: Ledger | None,
    *,
    now: dt.datetime | None = None,
    awards_file: PathLike | None = None,
    awards_rows: list[Row] | None = None,
    **check: Any,
) -> BatchResult:
    """Decide one grant (read-only) against the ledger's prior aid; keywords as :func:`check_one`."""
    now = now or utcnow()
    if ledger is None:
        return decide_one(None, now=now, awards_file=awards_file, awards_rows=awards_rows, **check)
    with ledger.read() as conn:
        return decide_one(conn, now=now, awards_file=awards_file, awards_rows=awards_rows, **check)


def batch_with_ledger(
    ledger: Ledger | None,
    applications: PathLike,
    *,
    now: dt.datetime | None = None,
    awards_file: PathLike | None = None,
    awards_rows: list[Row] | None = None,
    **check: Any,
) -> BatchResult:
    """Decide every row of an applications file against the ledger's prior aid (read-only).

    Live reservations count at their planned grant date here (one prior-aid file serves rows
    with different grant dates); ``check``/``reserve`` hold them from any earlier date.
    """
    now = now or utcnow()

    def run(conn: sa.Connection | None) -> BatchResult:
        with prior_aid_file(conn, now=now, extra=awards_file, extra_rows=awards_rows) as prior:
            return _relabel(check_batch(Path(applications), awards=prior.path, **check), prior)

    if ledger is None:
        return run(None)
    with ledger.read() as conn:
        return run(conn)


__all__ = ["batch_with_ledger", "check_with_ledger", "decide_one"]
