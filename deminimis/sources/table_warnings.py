"""Warnings on usable rows: a basis read as ``other`` or ambiguous, duplicates, fuzzy
spellings (the ``validate`` command lists them; the rows are still decided).
"""

from __future__ import annotations

import polars as pl

from deminimis.money import cents_expr
from deminimis.sources.table_basis import with_basis
from deminimis.sources.table_dates import date_expr
from deminimis.sources.table_fields import orgnr_problems, reading_notes


def _duplicates(frame: pl.DataFrame, keys: dict[str, pl.Expr], what: str) -> pl.DataFrame:
    """Rows whose key equals an earlier row's: (file, row, field 'duplicate', message)."""
    names = list(keys)
    f = frame.with_columns(**keys).filter(pl.all_horizontal([pl.col(n).is_not_null() for n in names]))
    f = f.with_columns(
        _first_file=pl.col("file").first().over(names), _first_row=pl.col("row").first().over(names)
    )
    return f.filter(
        (pl.col("file") != pl.col("_first_file")) | (pl.col("row") != pl.col("_first_row"))
    ).select(
        "file",
        "row",
        pl.lit("duplicate").alias("field"),
        pl.format(f"same {what} as {{}}:{{}}; both rows are kept", "_first_file", "_first_row").alias(
            "message"
        ),
    )


def _compact_orgnr() -> pl.Expr:
    return pl.when(pl.col("_orgnr_problem").is_null()).then(pl.col("_orgnr"))


def award_warnings(raw: pl.DataFrame, aliases: dict[str, str], unrecognised: str = "count") -> pl.DataFrame:
    """Warnings on usable award rows (file, row, field, message): basis read as ``other`` or
    ambiguous, and duplicates (same orgnr, date, amount, currency and reference as an earlier
    row, named by its file:row). ``raw`` is :func:`read_table` output (one or more files)."""
    f = with_basis(orgnr_problems(raw), aliases, unrecognised=unrecognised)
    basis = f.filter(pl.col("_basis_warning").is_not_null()).select(
        "file", "row", pl.lit("basis").alias("field"), pl.col("_basis_warning").alias("message")
    )
    dups = _duplicates(
        f,
        {
            "_k_orgnr": _compact_orgnr(),
            "_k_date": date_expr("granted_on"),
            "_k_amount": cents_expr(pl.col("amount")),
            "_k_currency": pl.col("currency").fill_null("").str.to_uppercase().replace("", "NOK"),
            "_k_reference": pl.col("reference").fill_null(""),
        },
        "orgnr, granted_on, amount, currency and reference",
    )
    return pl.concat([basis, dups, reading_notes(raw, "granted_on")]).sort("file", "row", maintain_order=True)


def application_warnings(raw: pl.DataFrame) -> pl.DataFrame:
    """Duplicate applications (same orgnr, grant_date, amount, currency and scheme as an
    earlier row): (file, row, field, message). They are decided; the warning names the first."""
    f = orgnr_problems(raw)
    dups = _duplicates(
        f,
        {
            "_k_orgnr": _compact_orgnr(),
            "_k_date": date_expr("grant_date"),
            "_k_amount": cents_expr(pl.col("amount")),
            "_k_currency": pl.col("currency").fill_null("").str.to_uppercase().replace("", "NOK"),
            "_k_scheme": pl.col("scheme").fill_null("").str.to_lowercase().replace("", "ad_hoc"),
        },
        "orgnr, grant_date, amount, currency and scheme",
    )
    return pl.concat([dups, reading_notes(raw, "grant_date")]).sort("file", "row", maintain_order=True)
