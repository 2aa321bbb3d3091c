"""Text tables -> typed tables with their errors: prior awards.

Valid rows are typed; the errors table names file, row and field (and the orgnr when it is
valid) of every problem of the others. A small table of plain cells (the usual declaration
of a few awards) is typed by one query with the plain readings of its fields; any other
table by the field rules (:mod:`deminimis.sources.table_fields`), which give the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from deminimis import gge_input
from deminimis.plan import READERS
from deminimis.sources.table_basis import BASIS_COLUMNS, basis_readings, with_basis
from deminimis.sources.table_dates import date_fast, plain_date, with_date
from deminimis.sources.table_errors import errors_of, errors_plan
from deminimis.sources.table_fields import (
    amount_fast,
    orgnr_fast,
    orgnr_problems,
    plain_amount,
    plain_currencies,
    plain_orgnr,
    with_amount,
    with_currency,
)
from deminimis.sources.table_plain import all_plain, plain_or_general


def _with_country(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``_country`` (ISO alpha-2, NO when blank) and ``p_country``, once per distinct text."""
    country = pl.col("country").fill_null("").str.strip_chars().str.to_uppercase().replace("", "NO")
    problem = pl.when(~country.str.contains(r"^[A-Z]{2}$")).then(
        pl.format("country '{}' is not an ISO 3166 alpha-2 code (e.g. NO, SE, DK)", pl.col("country"))
    )
    return plain_or_general(
        frame,
        pl.col("country").is_null(),
        {"_country": pl.lit("NO"), "p_country": pl.lit(None, pl.Utf8)},
        lambda values: values.with_columns(_country=country, p_country=problem),
        "country",
    )


def _award_errors(frame: pl.DataFrame, problems: dict[str, str]) -> pl.DataFrame:
    """The errors of the award rows, each with the row's orgnr when that is valid."""
    errors = errors_of(frame, problems)
    orgnrs = (
        frame.lazy()
        .filter(pl.col("row").is_in(errors.get_column("row").implode()) & pl.col("_orgnr_problem").is_null())
        .select("file", "row", pl.col("_orgnr").alias("orgnr"))
        .collect(engine=READERS)
    )
    return errors.join(orgnrs, on=["file", "row"], how="left", maintain_order="left")


_AWARD_PROBLEMS = {
    "orgnr": "_orgnr_problem",
    "amount": "p_amount",
    "currency": "p_currency",
    "granted_on": "p_date",
    "basis": "_basis_problem",
    "country": "p_country",
    "instrument": "p_g_instrument",
    "nominal_amount": "p_g_nominal_amount",
}
_AWARD_BAD = pl.any_horizontal(pl.col(list(_AWARD_PROBLEMS.values())).is_not_null())
_AWARD_TYPED = [
    "file",
    "row",
    pl.col("_orgnr").alias("orgnr"),
    pl.col("_granted_on").alias("granted_on"),
    pl.col("_amount_cents").alias("amount_cents"),
    pl.col("_currency").alias("currency"),
    pl.col("_basis").alias("basis"),
    "grantor",
    "reference",
    pl.when(pl.col("_basis_nearest").is_not_null()).then(pl.col("basis")).alias("basis_text"),
    pl.col("_basis_nearest").alias("basis_nearest"),
    pl.col("_country").alias("country"),
    *gge_input.AWARD_TYPED,
]
_AWARD_BLANK = ("country", *gge_input.AWARD_COLUMNS)


def _blank(value: str | None) -> bool:
    return value is None or value == ""


def plain_tests(currencies: list[str], date: str) -> dict[str, Callable[[Any], bool]]:
    """The plain-cell tests a small table of grants shares: orgnr, amount, ``date``, currency."""
    codes = plain_currencies(tuple(currencies))
    return {
        "orgnr": plain_orgnr,
        "amount": plain_amount,
        date: plain_date,
        "currency": lambda v: v in codes or (v is None and "NOK" in currencies),
    }


def plain_columns(date: str, problem: str, out: str, note: str | None = None) -> dict[str, pl.Expr]:
    """Their plain readings, in the columns the field rules write."""
    return {
        **orgnr_fast(),
        **amount_fast(
            "amount", problem="p_amount", cents="_amount_cents", written="_amount_cur", note="_amount_note"
        ),
        **date_fast(date, problem, out, note=note),
        "_currency": pl.col("currency").fill_null("NOK"),  # none written: NOK (the rules' default)
        "p_currency": pl.lit(None, pl.Utf8),
    }


def _plain_awards(raw: pl.DataFrame, currencies: list[str]) -> pl.LazyFrame | None:
    """A small awards table whose every cell is plain (nine-digit orgnr, ``1234.50``,
    ``YYYY-MM-DD``, a currency code or none, no country and no aid form) with the fields by
    their plain readings, as a lazy plan; None for any other table (the general rules)."""
    tests = {**plain_tests(currencies, "granted_on"), **dict.fromkeys(_AWARD_BLANK, _blank)}
    if not all_plain(raw, tests):
        return None
    return raw.lazy().with_columns(
        **plain_columns("granted_on", "p_date", "_granted_on"),
        _country=pl.lit("NO"),
        p_country=pl.lit(None, pl.Utf8),
        **gge_input.AWARD_BLANK,
    )


def _small_awards(
    plain: pl.LazyFrame, raw: pl.DataFrame, aliases: dict[str, str], unrecognised: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`canonical_awards` of a plain small table (:func:`_plain_awards`): the basis
    read in Python (row by row: a table of a few rows), then one query; the basis is the
    only field that can hold a problem, so without one there is no error to look for."""
    values = raw.get_column("basis").to_list()
    distinct = list(dict.fromkeys(values))
    read = dict(zip(distinct, basis_readings(distinct, aliases, unrecognised), strict=True))
    columns = [pl.Series(n, [read[v][i] for v in values], pl.Utf8) for i, n in enumerate(BASIS_COLUMNS)]
    frame = plain.with_columns(columns)
    if all(r[1] is None for r in read.values()):
        where = {"file": raw.schema["file"], "row": raw.schema["row"]}
        none = pl.DataFrame(schema={**where, "field": pl.Utf8, "message": pl.Utf8, "orgnr": pl.Utf8})
        return frame.select(_AWARD_TYPED).collect(engine=READERS), none
    typed = frame.filter(~_AWARD_BAD).select(_AWARD_TYPED)
    orgnrs = frame.select("file", "row", pl.col("_orgnr").alias("orgnr"))  # every orgnr is valid
    errors = errors_plan(frame, _AWARD_PROBLEMS).join(
        orgnrs, on=["file", "row"], how="left", maintain_order="left"
    )
    typed, errors = pl.collect_all([typed, errors], engine=READERS)
    return typed, errors


def canonical_awards(
    raw: pl.DataFrame, currencies: list[str], aliases: dict[str, str], unrecognised: str = "count"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Valid award rows, typed; and the errors of the others (with their orgnr when valid).

    ``basis`` is read from free text (:func:`with_basis`): text naming no known basis is
    counted as de minimis (``basis_text``/``basis_nearest`` kept for the decision's warning),
    or read as ``other`` with ``unrecognised="exclude"``; a missing basis is an error.
    A small table of plain cells is read by one query (:func:`_plain_awards`): the same values.
    """
    if "country" not in raw.columns:
        raw = raw.with_columns(country=pl.lit(None, pl.Utf8))
    if (plain := _plain_awards(raw, currencies)) is not None:
        return _small_awards(plain, raw, aliases, unrecognised)
    frame = with_amount(
        with_basis(orgnr_problems(raw), aliases, unrecognised=unrecognised),
        "amount",
        "p_amount",
        "_amount_cents",
        written="_amount_cur",
        note="_amount_note",
    )
    frame = with_date(frame, "granted_on", "p_date", "_granted_on")
    frame = _with_country(with_currency(frame, currencies, "_amount_cur"))
    frame, gge_problems = gge_input.award_terms(frame)
    problems = {**_AWARD_PROBLEMS, **gge_problems}
    bad = pl.any_horizontal(pl.col(list(problems.values())).is_not_null())
    typed = frame.lazy().filter(~bad).select(_AWARD_TYPED).collect(engine=READERS)
    return typed, _award_errors(frame, problems)


__all__ = ["canonical_awards"]
