"""The employer-tax table read: typed rows (with zone) and row errors naming file, row, field.

One row per legal entity and year (``month`` empty) or month; ``advantage_nok`` (declared) or
``wage_base_nok`` + ``kommunenummer`` (and ``area`` inside merged kommuner), ``sector``.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from deminimis.aga_zones import EmployerTaxData, zone_frame
from deminimis.money import amount_problem_expr, cents_expr
from deminimis.plan import READERS
from deminimis.sources.table_fields import errors_plan
from deminimis.sources.table_plain import SMALL

PLAIN_AMOUNT = r"^[0-9]{1,15}(?:\.[0-9]{1,2})?$"
"""An amount written as plain digits (1-2 decimals after a dot): read without the general reader."""


def _amount_readers(raw: pl.DataFrame, columns: tuple[str, ...]) -> tuple[Callable, Callable]:
    """``(cents, problem)`` expression makers for the amount columns of ``raw``.

    When every filled cell is plain (:data:`PLAIN_AMOUNT`) the cents are split off directly and
    there is no problem: the same values as :func:`deminimis.money.cents_expr`, whose many
    spellings cost about 5 ms a column to evaluate on any frame, however small.
    """
    plain = raw.select(
        pl.all_horizontal(
            (text.fill_null("") == "") | text.str.contains(PLAIN_AMOUNT)
            for text in (pl.col(c).cast(pl.Utf8) for c in columns)
        ).all()
    ).item()
    if not plain:
        return cents_expr, amount_problem_expr

    def cents(expr: pl.Expr) -> pl.Expr:
        expr = expr.cast(pl.Utf8)
        parts = expr.str.split_exact(".", 1)
        frac = parts.struct.field("field_1").fill_null("").str.pad_end(2, "0").cast(pl.Int64)
        return pl.when(expr.fill_null("") != "").then(
            parts.struct.field("field_0").cast(pl.Int64) * 100 + frac
        )

    return cents, lambda expr: pl.lit(None, pl.Utf8)


_PROBLEMS = {
    "orgnr": "_orgnr_problem",
    "year": "p_year",
    "month": "p_month",
    "advantage_nok": "p_adv",
    "wage_base_nok": "p_base",
    "kommunenummer": "p_knr",
    "sector": "p_sector",
    "advantage_nok/wage_base_nok": "p_source",
    "row": "p_dup",
}
_BAD = pl.any_horizontal(pl.col(list(_PROBLEMS.values())).is_not_null())


def canonical_rows(raw: pl.DataFrame, data: EmployerTaxData) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed employer-tax rows (with zone) and their errors (file, row, field, message)."""
    from deminimis.sources.tables import orgnr_problems

    cents, amount_problem = _amount_readers(raw, ("advantage_nok", "wage_base_nok"))

    sector = pl.col("sector").fill_null("").str.strip_chars().str.to_lowercase().replace("", "general")
    known = [s.id for s in data.file.sectors]
    year = pl.col("year").str.strip_chars().cast(pl.Int64, strict=False)
    month = pl.col("month").str.strip_chars().cast(pl.Int64, strict=False)
    has_adv = pl.col("advantage_nok").fill_null("") != ""
    has_base = pl.col("wage_base_nok").fill_null("") != ""
    f = orgnr_problems(raw).with_columns(
        year=year,
        month_i=month,
        sector_id=sector,
        kommunenummer=pl.col("kommunenummer").str.strip_chars().str.zfill(4),
    )
    # one lazy query from here (each eager step of a tiny frame cost about a millisecond)
    f = (
        zone_frame(f, data)
        .lazy()
        .with_columns(
            p_year=pl.when(pl.col("year").is_null())
            .then(pl.format("year '{}' is not a year", pl.col("year")))
            .when(pl.col("zone_problem").str.starts_with("year"))
            .then("zone_problem"),
            p_month=pl.when(pl.col("month").fill_null("") != "").then(
                pl.when(~pl.col("month_i").is_between(1, 12)).then(
                    pl.format("month '{}' must be 1-12", "month")
                )
            ),
            p_source=pl.when(has_adv & has_base)
            .then(pl.lit("give either advantage_nok or wage_base_nok, not both"))
            .when(~has_adv & ~has_base)
            .then(pl.lit("give advantage_nok or wage_base_nok")),
            p_adv=pl.when(has_adv).then(amount_problem(pl.col("advantage_nok"))),
            p_base=pl.when(has_base).then(amount_problem(pl.col("wage_base_nok"))),
            p_knr=pl.when(
                has_base
                & pl.col("year").is_not_null()
                & ~pl.col("zone_problem").str.starts_with("year").fill_null(False)
            ).then("zone_problem"),
            p_sector=pl.when(~pl.col("sector_id").is_in(known)).then(
                pl.format(f"unknown sector '{{}}' (use one of {', '.join(known)})", pl.col("sector"))
            ),
        )
        .with_columns(
            p_dup=pl.when(~pl.struct("_orgnr", "year", "month_i").is_first_distinct()).then(
                pl.lit("the same orgnr, year and month appear on an earlier row")
            ),
            # one year given twice, once whole and once by month, would be counted twice
            p_mixed=pl.when(
                pl.col("month_i").is_null()
                & pl.col("month_i").is_not_null().any().over("_orgnr", "year")
                & pl.col("year").is_not_null()
            ).then(
                pl.format(
                    "year {} is also given as monthly rows for this orgnr; give the year as one "
                    "yearly row or as monthly rows, not both",
                    pl.col("year"),
                )
            ),
        )
        .with_columns(p_month=pl.coalesce("p_month", "p_mixed"))
    )
    if raw.height > SMALL:  # a large table is checked once, then listed and typed
        f = f.collect(engine=READERS).lazy()
    errors_lf = errors_plan(f, _PROBLEMS, raw.height).join(
        f.filter(pl.col("_orgnr_problem").is_null()).select("file", "row", pl.col("_orgnr").alias("orgnr")),
        on=["file", "row"],
        how="left",
        maintain_order="left",
    )
    typed_lf = f.filter(~_BAD).select(
        "file",
        "row",
        pl.col("_orgnr").alias("orgnr"),
        "year",
        pl.col("month_i").alias("month"),
        cents(pl.col("advantage_nok")).alias("advantage_cents"),
        cents(pl.col("wage_base_nok")).alias("base_cents"),
        pl.when(has_base).then("kommunenummer").alias("kommunenummer"),
        "area",
        pl.when(has_base).then("zone").alias("zone"),
        pl.col("sector_id").alias("sector"),
    )
    typed, errors = pl.collect_all([typed_lf, errors_lf], engine=READERS)
    return typed, errors


__all__ = ["PLAIN_AMOUNT", "canonical_rows"]
