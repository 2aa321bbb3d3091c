"""Date cells: ``YYYY-MM-DD``, ``DD.MM.YYYY``, ``DD/MM/YYYY``, a two-digit year, a
spreadsheet date-time; what each was read as, and why an unusable one is refused.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from deminimis.sources.table_plain import SMALL, plain_or_general

DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2199, 12, 31))
"""Dates outside these bounds are refused as not real (contract dates are grant dates)."""
_DATE_PLAIN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATE_PLAIN_RE = re.compile(_DATE_PLAIN[1:-1])
_DATE_ISO = r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$"
_DATE_NB = r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}$"
_DATE_SLASH = r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$"
_DATE_SHORT = r"^[0-9]{1,2}[./][0-9]{1,2}[./][0-9]{2}$"
_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?$"


def _short_year(text: pl.Expr) -> pl.Expr:
    """``15.03.24`` -> the nearest date on or before today with that day, month and year ending."""
    parts = text.str.replace_all("/", ".", literal=True).str.split_exact(".", 2)
    day_month = pl.concat_str(
        parts.struct.field("field_0"), pl.lit("."), parts.struct.field("field_1"), pl.lit(".")
    )
    today = dt.date.today()
    yy = parts.struct.field("field_2").cast(pl.Int32, strict=False)  # "//": null, not an error

    def in_century(start: int) -> pl.Expr:
        return pl.concat_str(day_month, (start + yy).cast(pl.Utf8)).str.to_date("%d.%m.%Y", strict=False)

    this = in_century(today.year // 100 * 100)
    return pl.when(this <= pl.lit(today)).then(this).otherwise(in_century(today.year // 100 * 100 - 100))


def _date_rules(col: str, text: pl.Expr, read: pl.Expr) -> dict[str, pl.Expr]:
    """The date rules, once: from the column as written, the cleaned ``text`` and the ``read``
    date. Stages are arguments so that :func:`date_columns` computes each once (inlined, each
    is repeated in every branch, about 10 ms a call even on one row)."""
    raw = pl.col(col)
    # Year 0000 or 9999 is a typing error, not a date (and Python's date cannot hold year 0).
    date = pl.when(read.is_between(pl.lit(DATE_RANGE[0]), pl.lit(DATE_RANGE[1]))).then(read)
    shown = date.dt.to_string("%d.%m.%Y")
    return {
        "date": date,
        "note": pl.when(text.str.contains(_DATE_SHORT) & date.is_not_null())
        .then(pl.format(f"{col} '{{}}' read as {{}} (two-digit year: the nearest past date)", text, shown))
        .when(text.str.contains(_DATE_SLASH) & date.is_not_null())
        .then(pl.format(f"{col} '{{}}' read as day/month/year, {{}}", text, shown)),
        "problem": pl.when(raw.is_null() | (raw == ""))
        .then(pl.lit(f"{col} is missing"))
        .when(date.is_null())
        .then(pl.format(f"{col} '{{}}' is not a real date (use YYYY-MM-DD or DD.MM.YYYY)", raw)),
    }


def _date_text(col: str) -> pl.Expr:
    text = pl.col(col).str.strip_chars()
    return pl.when(text.str.contains(_DATETIME)).then(text.str.slice(0, 10)).otherwise(text)


def _date_read(text: pl.Expr) -> pl.Expr:
    return pl.coalesce(
        pl.when(text.str.contains(_DATE_ISO)).then(text.str.to_date("%Y-%m-%d", strict=False)),
        pl.when(text.str.contains(_DATE_NB)).then(text.str.to_date("%d.%m.%Y", strict=False)),
        pl.when(text.str.contains(_DATE_SLASH)).then(text.str.to_date("%d/%m/%Y", strict=False)),
        pl.when(text.str.contains(_DATE_SHORT)).then(_short_year(text)),
    )


def _inline_date_rules(col: str) -> dict[str, pl.Expr]:
    text = _date_text(col)
    return _date_rules(col, text, _date_read(text))


def date_columns(frame: pl.DataFrame, col: str, **out: str) -> pl.DataFrame:
    """``frame`` with the date rules of text column ``col`` as columns, each stage computed
    once; ``out`` maps a rule (``date``, ``problem``, ``note``) to its column's name. The fast
    form of :func:`date_expr`, :func:`date_problem` and :func:`date_note` (same results)."""
    stages = frame.with_columns(_d_text=_date_text(col))
    stages = stages.with_columns(_d_read=_date_read(pl.col("_d_text")))
    rules = _date_rules(col, pl.col("_d_text"), pl.col("_d_read"))
    return stages.with_columns(**{name: rules[rule] for rule, name in out.items()}).drop("_d_text", "_d_read")


def date_expr(col: str) -> pl.Expr:
    """Text -> Date: ``YYYY-MM-DD``, ``DD.MM.YYYY`` (``D.M.YYYY`` too), ``DD/MM/YYYY``, a
    two-digit year ``DD.MM.YY`` (the nearest past date) or a spreadsheet date-time
    (``2021-05-17 00:00:00``); null otherwise. ASCII digits only."""
    return _inline_date_rules(col)["date"]


def date_note(col: str) -> pl.Expr:
    """How a date outside ``YYYY-MM-DD`` / ``DD.MM.YYYY`` was read (null for those)."""
    return _inline_date_rules(col)["note"]


def date_problem(col: str) -> pl.Expr:
    """Why a date text is unusable (null when it is fine)."""
    return _inline_date_rules(col)["problem"]


def plain_date(value: str | None) -> bool:
    """A real ``YYYY-MM-DD`` inside :data:`DATE_RANGE`: :func:`date_fast` reads it."""
    if value is None or _DATE_PLAIN_RE.fullmatch(value) is None:
        return False
    try:
        return DATE_RANGE[0] <= dt.date.fromisoformat(value) <= DATE_RANGE[1]
    except ValueError:
        return False


def date_fast(col: str, problem: str, date: str, note: str | None = None) -> dict[str, pl.Expr]:
    """The columns of :func:`with_date` for a plain date (:func:`plain_date`) or none."""
    iso = pl.col(col).str.to_date("%Y-%m-%d", strict=False)
    missing = pl.when(pl.col(col).is_null()).then(pl.lit(f"{col} is missing"))
    return {problem: missing, date: iso, **({note: pl.lit(None, pl.Utf8)} if note else {})}


def with_date(
    frame: pl.DataFrame, col: str, problem: str, date: str, note: str | None = None
) -> pl.DataFrame:
    """Add ``problem`` (:func:`date_problem`) and ``date`` (:func:`date_expr`) for ``col``
    (and ``note``, :func:`date_note`), by the rules once per distinct text (a national file
    has a few thousand dates in a million rows); in a small table a plain ``YYYY-MM-DD`` or
    none is read by cheap expressions (the rules cost about a millisecond, even on one row)."""
    rules = {"problem": problem, "date": date, **({"note": note} if note else {})}
    if frame.height > SMALL:  # a few thousand distinct dates: the rules once per distinct text
        distinct = date_columns(frame.select(pl.col(col)).unique(), col, **rules)
        return frame.join(distinct, on=col, how="left", nulls_equal=True, maintain_order="left")
    fast = date_fast(col, problem, date, note)
    in_range = fast[date].is_between(pl.lit(DATE_RANGE[0]), pl.lit(DATE_RANGE[1]))
    return plain_or_general(  # a plain YYYY-MM-DD in range is its own reading, with no note
        frame,
        pl.col(col).is_null() | (pl.col(col).str.contains(_DATE_PLAIN) & in_range),
        fast,
        lambda values: date_columns(values, col, **rules),
        col,
    )
