"""Field rules of the text tables: orgnr (MOD11), amounts, currencies, NACE codes, and the
errors table they give.

Each rule is a *problem* expression (null when the cell is fine), so a bad cell marks its
row instead of stopping the file; :func:`~deminimis.sources.table_errors.errors_of` lists them
as (file, row, field, message).
"""

from __future__ import annotations

import functools
import re

import polars as pl

from deminimis.money import amount_columns
from deminimis.sources.table_dates import with_date
from deminimis.sources.table_errors import ERRORS_SCHEMA, errors_of, errors_plan  # noqa: F401 - the names before
from deminimis.sources.table_plain import SMALL, per_distinct, plain_or_general

_ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2, 1)


@functools.cache
def _group_sums() -> list[pl.Series]:
    """The MOD11 weighted digit sum of each three-digit group (000-999) of a nine-digit number
    (built on first use: 3,000 Python steps that ``import`` need not pay)."""
    return [
        pl.Series([sum(int(d) * w for d, w in zip(f"{i:03d}", ws, strict=True)) for i in range(1000)])
        for ws in (_ORGNR_WEIGHTS[0:3], _ORGNR_WEIGHTS[3:6], _ORGNR_WEIGHTS[6:9])
    ]


def _orgnr_rules(values: pl.DataFrame, column: str) -> pl.DataFrame:
    """The general orgnr rules on distinct ``values``: the same messages as
    :func:`deminimis.orgnr.problem` (python-stdnum only for the rare non-ASCII value)."""
    value = pl.col(column)
    spaced = value.str.replace_all(r"\s", " ")
    compact = spaced.str.replace_all(" ", "", literal=True)
    digits = [compact.str.slice(i, 1).cast(pl.Int64, strict=False) for i in range(9)]
    total = pl.sum_horizontal(d * w for d, w in zip(digits, _ORGNR_WEIGHTS, strict=True))
    problem = (
        pl.when(value.is_null() | (value.str.strip_chars() == ""))
        .then(pl.lit("orgnr is missing"))
        .when(~compact.str.contains(r"^[0-9]{9}$"))
        .then(pl.format("orgnr '{}' must be 9 digits", spaced))
        .when(total % 11 != 0)
        .then(pl.format("orgnr '{}' has a wrong check digit (MOD11)", spaced))
    )
    checked = values.with_columns(
        _orgnr_problem=problem,
        _orgnr=pl.when(value != "").then(compact.str.strip_chars()),
    )
    odd = checked.filter(pl.col(column).str.contains(r"[^\x00-\x7f]"))  # stdnum folds e.g. fullwidth digits
    if odd.height:
        from deminimis import orgnr  # python-stdnum: only for the rare non-ASCII value

        spaced_odd = [re.sub(r"\s", " ", v) for v in odd.get_column(column).to_list()]
        fixed = odd.with_columns(
            _orgnr_problem=pl.Series([orgnr.problem(v) for v in spaced_odd], dtype=pl.Utf8),
            _orgnr=pl.Series([orgnr.compact(v) for v in spaced_odd], dtype=pl.Utf8),
        )
        checked = checked.update(fixed, on=column, include_nulls=True)
    return checked


def orgnr_fast(column: str = "orgnr") -> dict[str, pl.Expr]:
    """The columns of :func:`orgnr_problems` for a plain orgnr (:func:`plain_orgnr`)."""
    return {"_orgnr_problem": pl.lit(None, pl.Utf8), "_orgnr": pl.col(column).cast(pl.Utf8)}


def plain_orgnr(value: str | None) -> bool:
    """Nine ASCII digits with a right MOD11 check digit (the fast rule of :func:`orgnr_problems`)."""
    if value is None or len(value) != 9 or not (value.isascii() and value.isdigit()):
        return False
    return sum(int(d) * w for d, w in zip(value, _ORGNR_WEIGHTS, strict=True)) % 11 == 0


def orgnr_problems(frame: pl.DataFrame, column: str = "orgnr") -> pl.DataFrame:
    """Add ``_orgnr_problem`` (null when valid) and ``_orgnr`` (compact) to ``frame``.

    A valid plain nine-digit number is checked by integer arithmetic (MOD11 from a table of
    the weighted sums of each three-digit group); every other value (spaces, a wrong check
    digit, missing, non-ASCII) goes through :func:`_orgnr_rules` once per distinct value.
    Spaces (also no-break spaces) inside the number are allowed.
    """
    value = pl.col(column).cast(pl.Utf8)
    fast = orgnr_fast(column)
    if frame.height <= SMALL:  # in Python: the expressions cost more than a few values
        ok = [plain_orgnr(v) for v in frame.get_column(column).cast(pl.Utf8).to_list()]
        if all(ok):
            return frame.with_columns(**fast)
        plain = pl.lit(pl.Series(ok, dtype=pl.Boolean))
    else:
        nine = value.str.contains(r"^[0-9]{9}$").fill_null(False)
        n = frame.select(pl.when(nine).then(value.cast(pl.Int64, strict=False)).otherwise(0)).to_series()
        groups = (n // 1_000_000, n // 1_000 % 1_000, n % 1_000)
        total = sum(table.gather(g) for table, g in zip(_group_sums(), groups, strict=True))
        plain = nine & pl.lit(total % 11 == 0)
    return plain_or_general(
        frame,
        plain,
        fast,
        lambda values: _orgnr_rules(values.select(pl.col(column).cast(pl.Utf8)), column),
        column,
    )


_PLAIN_AMOUNT = r"^[0-9]{1,15}(?:\.[0-9]{1,2})?$"
_PLAIN_AMOUNT_RE = re.compile(_PLAIN_AMOUNT[1:-1])


def plain_amount(value: str | None) -> bool:
    """The amount is plain (``1234567.89``): :func:`amount_fast` reads it."""
    return value is not None and _PLAIN_AMOUNT_RE.fullmatch(value) is not None


def amount_fast(col: str, **names: str | None) -> dict[str, pl.Expr]:
    """The columns of :func:`with_amount` (``names``: its keywords) for a plain amount."""
    fast = {name: pl.lit(None, pl.Utf8) for rule, name in names.items() if name and rule != "cents"}
    fast[names["cents"]] = pl.col(col).cast(pl.Decimal(17, 2), strict=False).to_physical().cast(pl.Int64)  # type: ignore[index]
    return fast


def with_amount(
    frame: pl.DataFrame,
    col: str,
    problem: str,
    cents: str,
    written: str | None = None,
    note: str | None = None,
) -> pl.DataFrame:
    """Add ``problem`` (:func:`amount_problem_expr`) and ``cents`` (:func:`cents_expr`) for ``col``;
    with ``written`` the currency written in the amount, with ``note`` how a fuzzy one was read.

    Same results, faster at national scale: a plain ``1234567.89`` is read as a decimal, not
    run through the dozen regular expressions of the general rules; the other spellings go
    through them once per distinct value.
    """
    names = {"problem": problem, "written": written, "note": note, "cents": cents}
    names = {rule: name for rule, name in names.items() if name}
    return plain_or_general(
        frame,
        pl.col(col).str.contains(_PLAIN_AMOUNT),
        amount_fast(col, **names),
        lambda values: amount_columns(values, col, **names),
        col,
    )


CURRENCY_WORDS = {
    "KR": "NOK",
    "KR.": "NOK",
    "KRONER": "NOK",
    "NORSKE KRONER": "NOK",
    "€": "EUR",
    "EURO": "EUR",
}
"""Currency column spellings people use for an ISO code."""


def _currency_exprs(known: list[str], written: str | None = None) -> tuple[pl.Expr, pl.Expr]:
    """(currency, problem): the currency column, else the currency written in the amount
    (``written``), else NOK; a currency in the amount that differs from the column is an error,
    never overridden silently."""
    col = pl.col("currency").fill_null("").str.strip_chars().str.to_uppercase().replace(CURRENCY_WORDS)
    in_amount = pl.col(written) if written else pl.lit(None, pl.Utf8)
    cur = pl.when(col != "").then(col).otherwise(pl.coalesce(in_amount, pl.lit("NOK")))
    problem = (
        pl.when((col != "") & in_amount.is_not_null() & (in_amount != col))
        .then(
            pl.format(
                "amount '{}' is written in {} but the currency column says '{}'; correct one of them",
                pl.col("amount"),
                in_amount,
                pl.col("currency"),
            )
        )
        .when(~cur.is_in(known))
        .then(
            pl.format(
                "unknown currency '{}' (use an ISO 4217 code with an ECB rate, e.g. NOK, EUR, SEK)",
                pl.coalesce(pl.col("currency").replace("", None), in_amount),
            )
        )
    )
    return cur, problem


@functools.lru_cache(maxsize=16)
def plain_currencies(known: tuple[str, ...]) -> frozenset[str]:
    """The codes of ``known`` a currency cell may hold to be taken as it is."""
    return frozenset(c for c in known if c == c.strip().upper() and c and c not in CURRENCY_WORDS)


CURRENCY_FAST = {"_currency": pl.col("currency"), "p_currency": pl.lit(None, pl.Utf8)}
"""The columns of :func:`with_currency` for a plain code (:func:`plain_currencies`)."""


def with_currency(frame: pl.DataFrame, known: list[str], written: str | None = None) -> pl.DataFrame:
    """Add ``_currency`` and ``p_currency`` (:func:`_currency_exprs`): a known code written as
    such with no currency in the amount is taken as it is, the other rows go through the rules."""
    codes = pl.Series(sorted(plain_currencies(tuple(known))), dtype=pl.Utf8)
    plain = pl.col("currency").is_in(codes.implode())
    if written:
        plain = plain & pl.col(written).is_null()

    def general(rows: pl.DataFrame) -> pl.DataFrame:
        cur, problem = _currency_exprs(known, written)
        return rows.with_columns(_currency=cur, p_currency=problem)

    return plain_or_general(
        frame,
        plain,
        CURRENCY_FAST,
        general,
        ["currency", *([written] if written else []), "amount"],
    )


def _readings(cur: pl.Expr, date_col: str) -> dict[str, pl.Expr]:
    """The typed columns saying how a fuzzy spelling was read (null when it was plain)."""
    from_amount = (pl.col("currency").fill_null("") == "") & pl.col("_amount_cur").is_not_null()
    return {
        "amount_text": pl.when(pl.col("_amount_note").is_not_null() | from_amount).then(pl.col("amount")),
        "amount_read": pl.when(pl.col("_amount_note").str.contains("dots"))
        .then(pl.lit("dots"))
        .when(pl.col("_amount_note").is_not_null())
        .then(pl.lit("commas")),
        "currency_read": pl.when(from_amount & (cur != "NOK")).then(cur),
        "date_text": pl.when(pl.col("_date_note").is_not_null()).then(pl.col(date_col)),
        "date_read": pl.when(pl.col("_date_note").str.contains("two-digit"))
        .then(pl.lit("short_year"))
        .when(pl.col("_date_note").is_not_null())
        .then(pl.lit("slash")),
    }


def reading_notes(raw: pl.DataFrame, date_col: str) -> pl.DataFrame:
    """``file, row, field, message``: every amount, currency or date read from a spelling
    outside the contract's plain forms (``validate`` lists them as warnings)."""
    frame = with_date(
        with_amount(raw, "amount", "_p", "_c", written="_amount_cur", note="_amount_note"),
        date_col,
        "_pd",
        "_d",
        note="_date_note",
    )
    from_amount = pl.when(
        (pl.col("currency").fill_null("") == "")
        & pl.col("_amount_cur").is_not_null()
        & (pl.col("_amount_cur") != "NOK")
    ).then(pl.format("currency {} taken from the amount '{}'", pl.col("_amount_cur"), pl.col("amount")))
    return errors_of(
        frame.with_columns(_cur_note=from_amount),
        {"amount": "_amount_note", "currency": "_cur_note", date_col: "_date_note"},
    )


def _nace_expr(expr: pl.Expr) -> pl.Expr:
    """``03211`` / ``03.211`` -> ``03.211`` (SN2007 notation)."""
    s = expr.str.replace_all(r"\s", "")
    return (
        pl.when(s.str.contains(r"^\d{3,}$"))
        .then(s.str.slice(0, 2) + "." + s.str.slice(2))
        .otherwise(s)
        .replace("", None)
    )


def _nace_problem(col: str) -> pl.Expr:
    return pl.when(~_nace_expr(pl.col(col)).str.contains(r"^\d{2}(?:\.\d{1,3})?$")).then(
        pl.format("nace '{}' is not a NACE code (SN2007, e.g. 56.101 or 56101)", pl.col(col))
    )


_PLAIN_NACE = re.compile(r"[0-9]{2}(?:\.[0-9]{1,3})?")


def plain_nace(value: str | None) -> bool:
    """No code, or a code as SN2007 writes it (``56.101``): :func:`with_nace` keeps it as it is."""
    return value is None or _PLAIN_NACE.fullmatch(value) is not None


def with_nace(frame: pl.DataFrame, col: str = "nace") -> pl.DataFrame:
    """Add ``_nace`` (:func:`_nace_expr`) and ``p_nace`` (:func:`_nace_problem`) of ``col``, once
    per distinct code (a national file has a few hundred codes in a million rows)."""
    return per_distinct(
        frame, col, lambda v: v.with_columns(_nace=_nace_expr(pl.col(col)), p_nace=_nace_problem(col))
    )
