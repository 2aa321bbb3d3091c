"""Text tables -> typed tables with their errors: applications (prior awards:
:mod:`deminimis.sources.table_awards`).

Rows with a problem are kept (applications get ``has_error`` and are decided as
``route: error``); the errors table names file, row and field of every problem.
"""

from __future__ import annotations

import datetime as dt
import functools

import polars as pl

from deminimis import gge_input
from deminimis.plan import READERS
from deminimis.sources.table_awards import (
    canonical_awards,  # noqa: F401 - where it was before
    plain_columns,
    plain_tests,
)
from deminimis.sources.table_dates import with_date
from deminimis.sources.table_errors import errors_plan
from deminimis.sources.table_fields import (
    _readings,
    orgnr_problems,
    plain_nace,
    with_amount,
    with_currency,
    with_nace,
)
from deminimis.sources.table_plain import SMALL, all_plain

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


@functools.lru_cache(maxsize=8)
def _application_rules(schemes: tuple[str, ...]) -> dict[str, pl.Expr]:
    """The rules of the applications' own columns: id, scheme, fiscal year, difficulty."""
    scheme = pl.col("scheme").fill_null("").str.to_lowercase().replace("", "ad_hoc")
    fys = pl.col("fiscal_year_start").fill_null("").replace("", "01-01")
    fys_ok = (
        fys.str.contains(r"^\d{2}-\d{2}$")
        & ("2001-" + fys).str.to_date("%Y-%m-%d", strict=False).is_not_null()
    )
    diff = pl.col("in_difficulty_2019").fill_null("").str.to_lowercase()
    return dict(
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


def _application_fields(frame: pl.DataFrame, currencies: list[str]) -> pl.DataFrame:
    """The field rules of orgnr, amount, grant date, currency and NACE code."""
    frame = with_amount(
        orgnr_problems(frame),
        "amount",
        "p_amount",
        "_amount_cents",
        written="_amount_cur",
        note="_amount_note",
    )
    frame = with_date(frame, "grant_date", "p_grant_date", "_grant_date", note="_date_note")
    return with_nace(with_currency(frame, currencies, "_amount_cur"))


def _plain_applications(raw: pl.DataFrame, currencies: list[str]) -> pl.LazyFrame | None:
    """A small table of plain cells (nine-digit orgnr, ``1234.50``, ``YYYY-MM-DD``, a currency
    code or none, a NACE code as SN2007 writes it or none, no aid form: a grant) with those
    fields by their plain readings; None for any other table (the field rules)."""
    tests = {
        **plain_tests(currencies, "grant_date"),
        "nace": plain_nace,
        **dict.fromkeys(gge_input.APPLICATION_COLUMNS, _blank),
    }
    if not all_plain(raw, tests):
        return None
    return raw.lazy().with_columns(
        **plain_columns("grant_date", "p_grant_date", "_grant_date", note="_date_note"),
        _nace=pl.col("nace"),
        p_nace=pl.lit(None, pl.Utf8),
        **gge_input.TERMS_BLANK,
    )


def _blank(value: str | None) -> bool:
    return value is None or value == ""


_PROBLEMS = {
    "orgnr": "_orgnr_problem",
    "amount": "p_amount",
    "currency": "p_currency",
    "grant_date": "p_grant_date",
    "scheme": "p_scheme",
    "nace": "p_nace",
    "fiscal_year_start": "p_fys",
    "in_difficulty_2019": "p_diff",
    "application_id": "p_dup",
    **gge_input.TERM_PROBLEMS,
}
_TYPED_COLUMNS = [
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
    pl.any_horizontal(pl.col(list(_PROBLEMS.values())).is_not_null()).alias("has_error"),
    *(e.alias(n) for n, e in _readings(pl.col("_currency"), "grant_date").items()),
]


def _canonical_applications(
    raw: pl.DataFrame, currencies: list[str], schemes: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = _plain_applications(raw, currencies)
    if frame is None:
        frame = gge_input.with_terms(_application_fields(raw, currencies))[0].lazy()
    frame = frame.with_columns(**_application_rules(tuple(schemes))).with_columns(
        p_dup=pl.when(~pl.col("application_id").is_first_distinct()).then(  # not the first with this id
            pl.format("application_id '{}' is used by an earlier row", pl.col("application_id"))
        )
    )
    if raw.height > SMALL:  # a large table is checked once, then typed and listed
        frame = frame.collect(engine=READERS).lazy()
    typed, errors = pl.collect_all(
        [frame.select(_TYPED_COLUMNS), errors_plan(frame, _PROBLEMS, raw.height)], engine=READERS
    )
    return typed, errors
