"""The employer-tax table read: typed rows (with zone) and row errors naming file, row, field.

One row per legal entity and year (``month`` empty) or month; ``advantage_nok`` (declared) or
``wage_base_nok`` + ``kommunenummer`` (and ``area`` inside merged kommuner), ``sector``.
"""

from __future__ import annotations

import functools

import polars as pl

from deminimis.aga_zones import EmployerTaxData, zone_frame
from deminimis.money import amount_problem_expr, cents_expr
from deminimis.plan import READERS
from deminimis.sources.table_errors import errors_plan
from deminimis.sources.table_fields import orgnr_problems, plain_amount
from deminimis.sources.table_plain import SMALL, all_plain

PLAIN_AMOUNT = r"^[0-9]{1,15}(?:\.[0-9]{1,2})?$"
"""An amount written as plain digits (1-2 decimals after a dot): read without the general reader."""


def _plain_text(value: str | None) -> bool:
    return value is None or value == "" or plain_amount(value)


def _plain_amounts(raw: pl.DataFrame, columns: tuple[str, ...]) -> bool:
    """Every filled cell of the amount ``columns`` is plain (:data:`PLAIN_AMOUNT`)."""
    if raw.height <= SMALL and all(raw.schema[c] == pl.Utf8 for c in columns):
        return all_plain(raw, dict.fromkeys(columns, _plain_text))
    return raw.select(
        pl.all_horizontal(
            (text.fill_null("") == "") | text.str.contains(PLAIN_AMOUNT)
            for text in (pl.col(c).cast(pl.Utf8) for c in columns)
        ).all()
    ).item()


def _plain_cents(expr: pl.Expr) -> pl.Expr:
    """The cents of a plain amount (the same values as :func:`deminimis.money.cents_expr`, whose
    many spellings cost about 5 ms a column to evaluate on any frame, however small)."""
    expr = expr.cast(pl.Utf8)
    parts = expr.str.split_exact(".", 1)
    frac = parts.struct.field("field_1").fill_null("").str.pad_end(2, "0").cast(pl.Int64)
    return pl.when(expr.fill_null("") != "").then(parts.struct.field("field_0").cast(pl.Int64) * 100 + frac)


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
_HAS_ADV = pl.col("advantage_nok").fill_null("") != ""
_HAS_BASE = pl.col("wage_base_nok").fill_null("") != ""
_PARSED = {
    "year": pl.col("year").str.strip_chars().cast(pl.Int64, strict=False),
    "month_i": pl.col("month").str.strip_chars().cast(pl.Int64, strict=False),
    "sector_id": pl.col("sector").fill_null("").str.strip_chars().str.to_lowercase().replace("", "general"),
    "kommunenummer": pl.col("kommunenummer").str.strip_chars().str.zfill(4),
}
_ORDER = {  # one year given twice, once whole and once by month, would be counted twice
    "p_dup": pl.when(~pl.struct("_orgnr", "year", "month_i").is_first_distinct()).then(
        pl.lit("the same orgnr, year and month appear on an earlier row")
    ),
    "p_mixed": pl.when(
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
}


@functools.lru_cache(maxsize=8)
def _rules(known: tuple[str, ...], plain: bool) -> tuple[dict[str, pl.Expr], list[pl.Expr]]:
    """(the problems of a row, the typed columns): built once per sector list and amount form."""
    cents, amount_problem = (
        (_plain_cents, lambda _: pl.lit(None, pl.Utf8)) if plain else (cents_expr, amount_problem_expr)
    )
    problems = {
        "p_year": pl.when(pl.col("year").is_null())
        .then(pl.format("year '{}' is not a year", pl.col("year")))
        .when(pl.col("zone_problem").str.starts_with("year"))
        .then("zone_problem"),
        "p_month": pl.when(pl.col("month").fill_null("") != "").then(
            pl.when(~pl.col("month_i").is_between(1, 12)).then(pl.format("month '{}' must be 1-12", "month"))
        ),
        "p_source": pl.when(_HAS_ADV & _HAS_BASE)
        .then(pl.lit("give either advantage_nok or wage_base_nok, not both"))
        .when(~_HAS_ADV & ~_HAS_BASE)
        .then(pl.lit("give advantage_nok or wage_base_nok")),
        "p_adv": pl.when(_HAS_ADV).then(amount_problem(pl.col("advantage_nok"))),
        "p_base": pl.when(_HAS_BASE).then(amount_problem(pl.col("wage_base_nok"))),
        "p_knr": pl.when(
            _HAS_BASE
            & pl.col("year").is_not_null()
            & ~pl.col("zone_problem").str.starts_with("year").fill_null(False)
        ).then("zone_problem"),
        "p_sector": pl.when(~pl.col("sector_id").is_in(known)).then(
            pl.format(f"unknown sector '{{}}' (use one of {', '.join(known)})", pl.col("sector"))
        ),
    }
    typed = [
        "file",
        "row",
        pl.col("_orgnr").alias("orgnr"),
        "year",
        pl.col("month_i").alias("month"),
        cents(pl.col("advantage_nok")).alias("advantage_cents"),
        cents(pl.col("wage_base_nok")).alias("base_cents"),
        pl.when(_HAS_BASE).then("kommunenummer").alias("kommunenummer"),
        "area",
        pl.when(_HAS_BASE).then("zone").alias("zone"),
        pl.col("sector_id").alias("sector"),
    ]
    return problems, typed


def canonical_rows(raw: pl.DataFrame, data: EmployerTaxData) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed employer-tax rows (with zone) and their errors (file, row, field, message)."""
    problems, typed = _rules(
        tuple(s.id for s in data.file.sectors), _plain_amounts(raw, ("advantage_nok", "wage_base_nok"))
    )
    f = (  # one lazy query after the zones (each eager step of a tiny frame costs 30-200 us)
        zone_frame(orgnr_problems(raw).with_columns(**_PARSED), data)
        .lazy()
        .with_columns(**problems)
        .with_columns(**_ORDER)
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
    typed_lf, errors = pl.collect_all([f.filter(~_BAD).select(typed), errors_lf], engine=READERS)
    return typed_lf, errors


__all__ = ["PLAIN_AMOUNT", "canonical_rows"]
