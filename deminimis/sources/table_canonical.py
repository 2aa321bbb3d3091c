"""Text tables -> typed tables with their errors: applications (prior awards:
:mod:`deminimis.sources.table_awards`).

Rows with a problem are kept (applications get ``has_error`` and are decided as
``route: error``); the errors table names file, row and field of every problem.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from deminimis import gge_input
from deminimis.sources.table_dates import with_date
from deminimis.sources.table_fields import (
    _readings,
    errors_of,
    orgnr_problems,
    with_amount,
    with_currency,
    with_nace,
)

YES = ("yes", "ja", "y", "j", "true", "1")
NO = ("no", "nei", "n", "false", "0", "")


_SMALL = 4
"""Tables of at most this many rows are typed once per content (:func:`canonical_applications`)."""
_TYPED: dict[tuple, tuple[pl.DataFrame, pl.DataFrame]] = {}


def canonical_applications(
    raw: pl.DataFrame, currencies: list[str], schemes: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """All application rows, typed, with ``has_error``; and their errors.

    A small table is typed once per content: an HTTP check validates its one row for the 422
    and then decides it, and a portal sends the same application again and again (frames are
    immutable, so the cached answer is shared safely; the cache is bounded)."""
    if raw.height > _SMALL:
        return _canonical_applications(raw, currencies, schemes)
    key = (tuple(raw.schema.items()), tuple(raw.rows()), tuple(currencies), tuple(schemes), dt.date.today())
    try:
        hit = _TYPED.get(key)
    except TypeError:  # a cell that is not hashable (not a text table): no cache
        return _canonical_applications(raw, currencies, schemes)
    if hit is None:
        if len(_TYPED) >= 256:
            _TYPED.clear()
        hit = _TYPED[key] = _canonical_applications(raw, currencies, schemes)
    return hit


def _application_fields(frame: pl.DataFrame, currencies: list[str], schemes: list[str]) -> pl.DataFrame:
    """The field rules of the applications table (``_*`` values and ``p_*`` problems)."""
    scheme = pl.col("scheme").fill_null("").str.to_lowercase().replace("", "ad_hoc")
    fys = pl.col("fiscal_year_start").fill_null("").replace("", "01-01")
    fys_ok = (
        fys.str.contains(r"^\d{2}-\d{2}$")
        & ("2001-" + fys).str.to_date("%Y-%m-%d", strict=False).is_not_null()
    )
    diff = pl.col("in_difficulty_2019").fill_null("").str.to_lowercase()
    frame = with_amount(
        orgnr_problems(frame),
        "amount",
        "p_amount",
        "_amount_cents",
        written="_amount_cur",
        note="_amount_note",
    )
    frame = with_date(frame, "grant_date", "p_grant_date", "_grant_date", note="_date_note")
    frame = with_nace(with_currency(frame, currencies, "_amount_cur"))
    return frame.with_columns(
        application_id=pl.coalesce(pl.col("application_id").replace("", None), pl.col("row").cast(pl.Utf8)),
        _scheme=scheme,
        p_scheme=pl.when(~scheme.is_in(schemes)).then(
            pl.format(f"unknown scheme '{{}}' (use one of {', '.join(schemes)})", pl.col("scheme"))
        ),
        _fys=fys,
        p_fys=pl.when(~fys_ok).then(
            pl.format("fiscal_year_start '{}' must be MM-DD, e.g. 01-01", pl.col("fiscal_year_start"))
        ),
        _diff=pl.when(diff.is_in(YES)).then(True).when(diff.is_in(NO) & (diff != "")).then(False),
        p_diff=pl.when(~diff.is_in([*YES, *NO])).then(
            pl.format("in_difficulty_2019 '{}' must be yes/no (ja/nei)", pl.col("in_difficulty_2019"))
        ),
    )


def _canonical_applications(
    raw: pl.DataFrame, currencies: list[str], schemes: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame, gge_problems = gge_input.with_terms(_application_fields(raw, currencies, schemes))
    frame = frame.with_columns(  # not the first row with this id
        p_dup=pl.when(~pl.col("application_id").is_first_distinct()).then(
            pl.format("application_id '{}' is used by an earlier row", pl.col("application_id"))
        )
    )
    problems = {
        "orgnr": "_orgnr_problem",
        "amount": "p_amount",
        "currency": "p_currency",
        "grant_date": "p_grant_date",
        "scheme": "p_scheme",
        "nace": "p_nace",
        "fiscal_year_start": "p_fys",
        "in_difficulty_2019": "p_diff",
        "application_id": "p_dup",
        **gge_problems,
    }
    typed = frame.select(
        "file",
        "row",
        "application_id",
        pl.coalesce("_orgnr", "orgnr").alias("orgnr"),
        pl.col("_amount_cents").alias("amount_cents"),
        pl.col("_currency").alias("currency"),
        pl.col("_grant_date").alias("grant_date"),
        pl.col("_scheme").alias("scheme"),
        pl.col("_nace").alias("nace"),
        pl.col("_fys").alias("fiscal_year_start"),
        pl.col("_diff").alias("in_difficulty_2019"),
        *gge_input.TYPED,
        pl.any_horizontal(pl.col(list(problems.values())).is_not_null()).alias("has_error"),
        **_readings(pl.col("_currency"), "grant_date"),
    )
    return typed, errors_of(frame, problems)
