"""Deciding grants with the ledger's prior aid: the one engine, with the ledger as a source.

Why one place: ``reserve``, the re-check at ``grant``, the HTTP ``check``/``batch``, the web page
and ``check(..., ledger=…)`` all decide the same way: :func:`deminimis.case.decide` with the
ledger as an award source (:func:`deminimis.ledger.prior.ledger_source`: one query for the
undertaking's members) read in the caller's transaction, plus whatever prior aid comes with
the request (a declaration file, an upload, body rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from deminimis import gge_input
from deminimis.api import application_record, ignored_errors
from deminimis.case import BatchResult, Context, Tables, decide
from deminimis.ledger.db import Ledger, utcnow
from deminimis.ledger.prior import ledger_source, parse_date
from deminimis.sources.inputs import TableInput, read_input, read_report, several

APPLICATION_KEYS = (
    "orgnr",
    "amount",
    "grant_date",
    "currency",
    "scheme",
    "nace",
    "application_id",
    "fiscal_year_start",
    "in_difficulty_2019",
    *gge_input.APPLICATION_COLUMNS,
)


def _awards(awards: Tables, awards_file: Any, awards_rows: Any) -> list[TableInput]:
    """Every prior-aid table given: ``awards`` (any form), a file, and rows (records)."""
    return [*several(awards), *several(awards_file), *([awards_rows] if awards_rows else [])]


def decide_in(
    conn: sa.Connection | None,
    applications: Any,
    *,
    now: dt.datetime,
    as_of: Any = None,
    exclude_reservation: int | None = None,
    ctx: Context | None = None,
    rules_dir: Any = None,
    rates_file: Any = None,
    awards: Tables = None,
    **options: Any,
) -> BatchResult:
    """:func:`decide` with the ledger read through ``conn`` (None: no ledger)."""
    sources = []
    if conn is not None:
        day = parse_date(as_of) if as_of is not None else None
        sources.append(ledger_source(conn, now=now, as_of=day, exclude_reservation=exclude_reservation))
    ctx = ctx or Context.load(rules_dir, rates_file)
    return decide(applications, ctx, awards=awards, sources=sources, **options)


def _reading(ledger: Ledger | str | Path | None) -> AbstractContextManager[sa.Connection | None]:
    if ledger is None:
        return nullcontext(None)
    if isinstance(ledger, Ledger):
        return ledger.read()
    from deminimis.ledger import open_ledger

    opened = open_ledger(ledger)

    class _Own(AbstractContextManager):
        def __enter__(self) -> sa.Connection:
            self._ctx = opened.read()
            return self._ctx.__enter__()

        def __exit__(self, *exc: object) -> None:
            self._ctx.__exit__(*exc)
            opened.close()

    return _Own()


def decide_with_ledger(
    ledger: Ledger | str | Path | None, applications: Any, *, now: dt.datetime | None = None, **options: Any
) -> BatchResult:
    """Decide against the ledger's prior aid (read-only, one transaction)."""
    with _reading(ledger) as conn:
        return decide_in(conn, applications, now=now or utcnow(), **options)


def _one(check: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """(the applications table of one grant, the other keywords)."""
    row = application_record(**{k: check.pop(k) for k in APPLICATION_KEYS if k in check})
    return read_input([row], "applications", label="check options"), {"as_of": row["grant_date"], **check}


def decide_one(
    conn: sa.Connection | None,
    *,
    now: dt.datetime,
    awards: Tables = None,
    awards_file: Any = None,
    awards_rows: Any = None,
    **check: Any,
) -> BatchResult:
    """One grant (keywords as :func:`deminimis.api.check_one`) against the ledger read through ``conn``.

    Live reservations dated after the grant date count at the grant date (they hold headroom).
    """
    apps, rest = _one(dict(check))
    return decide_in(conn, apps, now=now, awards=_awards(awards, awards_file, awards_rows), **rest)


def check_with_ledger(
    ledger: Ledger | None,
    *,
    now: dt.datetime | None = None,
    awards: Tables = None,
    awards_file: Any = None,
    awards_rows: Sequence[dict] | None = None,
    **check: Any,
) -> BatchResult:
    """Decide one grant (read-only) against the ledger's prior aid; keywords as :func:`check_one`."""
    with _reading(ledger) as conn:
        return decide_one(conn, now=now or utcnow(), awards=awards, awards_file=awards_file,
                          awards_rows=awards_rows, **check)  # fmt: skip


def batch_with_ledger(
    ledger: Ledger | None,
    applications: TableInput,
    *,
    now: dt.datetime | None = None,
    awards: Tables = None,
    awards_file: Any = None,
    awards_rows: Sequence[dict] | None = None,
    sheet: str | None = None,
    **check: Any,
) -> BatchResult:
    """Decide every application against the ledger's prior aid (read-only).

    Live reservations count at their planned grant date here; ``check``/``reserve`` hold them
    from any earlier date.
    """
    apps, ignored = read_report(applications, "applications", sheet=sheet)
    result = decide_with_ledger(
        ledger, apps, now=now, awards=_awards(awards, awards_file, awards_rows), **check
    )
    result.ignored = ignored_errors(ignored)
    return result


__all__ = ["batch_with_ledger", "check_with_ledger", "decide_in", "decide_one", "decide_with_ledger"]
