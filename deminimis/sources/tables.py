"""Read the contract's input tables (CSV) into canonical polars frames.

Every cell is read as text; each field then gets a *problem* expression (null when
fine). Rows with a problem are not dropped: their problems become an errors table
(file, row, field, message) and the row is marked, so the decision for it says
``route: error`` while every other row is still decided. ``row`` is the spreadsheet
row number (the header is row 1).

A missing file or a file without the required columns raises
:class:`~deminimis.errors.InputError` (CLI exit 2).
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from deminimis import orgnr
from deminimis.errors import InputError
from deminimis.money import amount_problem_expr, cents_expr

HEADER_ALIASES: dict[str, str] = {
    "organisasjonsnummer": "orgnr",
    "org.nr": "orgnr",
    "orgnr.": "orgnr",
    "org_nr": "orgnr",
    "beløp": "amount",
    "belop": "amount",
    "støttebeløp": "amount",
    "tilskuddsbeløp": "amount",
    "valuta": "currency",
    "tildelingsdato": "granted_on",
    "vedtaksdato": "granted_on",
    "dato for tilsagn om støtte": "granted_on",
    "hjemmel": "basis",
    "støttegrunnlag": "basis",
    "grunnlag": "basis",
    "støttegiver": "grantor",
    "referanse": "reference",
    "saksnummer": "reference",
    "kommunenr": "kommunenummer",
    "næringskode": "nace",
    "naeringskode": "nace",
    "søknadsid": "application_id",
    "ordning": "scheme",
    "navn": "name",
}
"""Norwegian (and spelling-variant) headers -> contract names. Matching is case-insensitive."""

REQUIRED = {
    "applications": ("orgnr", "amount", "grant_date"),
    "awards": ("orgnr", "granted_on", "amount", "basis"),
    "links": ("orgnr", "undertaking_id"),
    "firms": ("orgnr",),
    "employer_tax": ("orgnr", "year"),
}
OPTIONAL = {
    "applications": (
        "application_id",
        "currency",
        "scheme",
        "nace",
        "fiscal_year_start",
        "in_difficulty_2019",
    ),
    "awards": ("currency", "grantor", "reference"),
    "links": (),
    "firms": ("name", "nace", "kommunenummer", "status"),
    "employer_tax": ("month", "advantage_nok", "wage_base_nok", "kommunenummer", "area", "sector"),
}
YES = ("yes", "ja", "y", "j", "true", "1")
NO = ("no", "nei", "n", "false", "0", "")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("cp1252 decodes every byte")  # pragma: no cover


def _canonical_header(name: str, kind: str) -> str:
    key = name.strip().lower()
    if kind == "applications" and key in ("tildelingsdato", "vedtaksdato"):
        return "grant_date"
    return HEADER_ALIASES.get(key, key)


def read_table(path: Path | str, kind: str) -> pl.DataFrame:
    """Read one CSV as text columns named by the contract, plus ``file`` and ``row``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found ({kind})")
    text = _decode(path.read_bytes())
    first = text.split("\n", 1)[0]
    separator = ";" if first.count(";") > first.count(",") else ","
    try:
        frame = pl.read_csv(
            io.StringIO(text), separator=separator, infer_schema=False, truncate_ragged_lines=True
        )
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc.__class__.__name__})") from exc
    frame = frame.rename({c: _canonical_header(c, kind) for c in frame.columns})
    if missing := [c for c in REQUIRED[kind] if c not in frame.columns]:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)} for {kind} "
            f"(found: {', '.join(frame.columns) or 'none'})"
        )
    keep = [c for c in (*REQUIRED[kind], *OPTIONAL[kind]) if c in frame.columns]
    frame = frame.select(pl.col(keep).str.strip_chars())
    frame = frame.with_columns(
        [pl.lit(None, pl.Utf8).alias(c) for c in OPTIONAL[kind] if c not in frame.columns]
    )
    blank = pl.all_horizontal(pl.col(keep).is_null() | (pl.col(keep) == ""))
    return frame.with_columns(
        file=pl.lit(str(path)), row=pl.int_range(2, pl.len() + 2, dtype=pl.Int64)
    ).filter(~blank)


def _orgnr_problems(frame: pl.DataFrame, column: str = "orgnr") -> pl.DataFrame:
    """MOD11 check with python-stdnum, once per distinct value, joined back."""
    values = frame.get_column(column).unique().to_list()
    checked = pl.DataFrame(
        {
            column: values,
            "_orgnr_problem": [orgnr.problem(v) for v in values],
            "_orgnr": [orgnr.compact(v) if v else None for v in values],
        },
        schema={column: pl.Utf8, "_orgnr_problem": pl.Utf8, "_orgnr": pl.Utf8},
    )
    return frame.join(checked, on=column, how="left", nulls_equal=True)


def _date_expr(col: str) -> pl.Expr:
    text = pl.col(col)
    return pl.coalesce(text.str.to_date("%Y-%m-%d", strict=False), text.str.to_date("%d.%m.%Y", strict=False))


def _date_problem(col: str) -> pl.Expr:
    return (
        pl.when(pl.col(col).is_null() | (pl.col(col) == ""))
        .then(pl.lit(f"{col} is missing"))
        .when(_date_expr(col).is_null())
        .then(pl.format(f"{col} '{{}}' is not a real date (use YYYY-MM-DD or DD.MM.YYYY)", pl.col(col)))
    )


def _currency_exprs(known: list[str]) -> tuple[pl.Expr, pl.Expr]:
    cur = pl.col("currency").fill_null("").str.to_uppercase().replace("", "NOK")
    problem = pl.when(~cur.is_in(known)).then(
        pl.format(
            "unknown currency '{}' (use an ISO 4217 code with an ECB rate, e.g. NOK, EUR, SEK)",
            pl.col("currency"),
        )
    )
    return cur, problem


def errors_of(frame: pl.DataFrame, problems: dict[str, str]) -> pl.DataFrame:
    """Unpivot the problem columns into the errors table (file, row, field, message)."""
    parts = [
        frame.filter(pl.col(col).is_not_null()).select(
            "file", "row", pl.lit(field).alias("field"), pl.col(col).alias("message")
        )
        for field, col in problems.items()
    ]
    return (
        pl.concat(parts)
        if parts
        else pl.DataFrame(schema={"file": pl.Utf8, "row": pl.Int64, "field": pl.Utf8, "message": pl.Utf8})
    )


def canonical_applications(
    raw: pl.DataFrame, currencies: list[str], schemes: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """All application rows, typed, with ``has_error``; and their errors."""
    cur, cur_problem = _currency_exprs(currencies)
    scheme = pl.col("scheme").fill_null("").str.to_lowercase().replace("", "ad_hoc")
    fys = pl.col("fiscal_year_start").fill_null("").replace("", "01-01")
    fys_ok = (
        fys.str.contains(r"^\d{2}-\d{2}$")
        & ("2001-" + fys).str.to_date("%Y-%m-%d", strict=False).is_not_null()
    )
    diff = pl.col("in_difficulty_2019").fill_null("").str.to_lowercase()
    frame = _orgnr_problems(raw).with_columns(
        application_id=pl.coalesce(pl.col("application_id").replace("", None), pl.col("row").cast(pl.Utf8)),
        p_amount=amount_problem_expr(pl.col("amount")),
        p_currency=cur_problem,
        p_grant_date=_date_problem("grant_date"),
        p_scheme=pl.when(~scheme.is_in(schemes)).then(
            pl.format(f"unknown scheme '{{}}' (use one of {', '.join(schemes)})", pl.col("scheme"))
        ),
        p_fys=pl.when(~fys_ok).then(
            pl.format("fiscal_year_start '{}' must be MM-DD, e.g. 01-01", pl.col("fiscal_year_start"))
        ),
        p_diff=pl.when(~diff.is_in([*YES, *NO])).then(
            pl.format("in_difficulty_2019 '{}' must be yes/no (ja/nei)", pl.col("in_difficulty_2019"))
        ),
    )
    frame = frame.with_columns(
        p_dup=pl.when(
            pl.col("application_id").is_duplicated() & (pl.int_range(pl.len()).over("application_id") > 0)
        ).then(pl.format("application_id '{}' is used by an earlier row", pl.col("application_id")))
    )
    problems = {
        "orgnr": "_orgnr_problem",
        "amount": "p_amount",
        "currency": "p_currency",
        "grant_date": "p_grant_date",
        "scheme": "p_scheme",
        "fiscal_year_start": "p_fys",
        "in_difficulty_2019": "p_diff",
        "application_id": "p_dup",
    }
    errors = errors_of(frame, problems)
    typed = frame.select(
        "file",
        "row",
        "application_id",
        pl.coalesce("_orgnr", "orgnr").alias("orgnr"),
        cents_expr(pl.col("amount")).alias("amount_cents"),
        cur.alias("currency"),
        _date_expr("grant_date").alias("grant_date"),
        scheme.alias("scheme"),
        _nace_expr(pl.col("nace")).alias("nace"),
        fys.alias("fiscal_year_start"),
        pl.when(diff.is_in(YES))
        .then(True)
        .when(diff.is_in(NO) & (diff != ""))
        .then(False)
        .alias("in_difficulty_2019"),
        pl.any_horizontal(pl.col(list(problems.values())).is_not_null()).alias("has_error"),
    )
    return typed, errors


def canonical_awards(
    raw: pl.DataFrame, currencies: list[str], aliases: dict[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Valid award rows, typed; and the errors of the others (with their orgnr when valid)."""
    cur, cur_problem = _currency_exprs(currencies)
    basis = (
        pl.col("basis")
        .fill_null("")
        .str.to_lowercase()
        .str.strip_chars()
        .replace_strict(aliases, default=None)
    )
    frame = _orgnr_problems(raw).with_columns(
        p_amount=amount_problem_expr(pl.col("amount")),
        p_currency=cur_problem,
        p_date=_date_problem("granted_on"),
        p_basis=pl.when(basis.is_null()).then(
            pl.format(
                "unknown basis '{}' (use one of {})",
                pl.col("basis"),
                pl.lit(", ".join(sorted(set(aliases.values())))),
            )
        ),
    )
    problems = {
        "orgnr": "_orgnr_problem",
        "amount": "p_amount",
        "currency": "p_currency",
        "granted_on": "p_date",
        "basis": "p_basis",
    }
    bad = pl.any_horizontal(pl.col(list(problems.values())).is_not_null())
    errors = errors_of(frame, problems).join(
        frame.filter(pl.col("_orgnr_problem").is_null()).select(
            "file", "row", pl.col("_orgnr").alias("orgnr")
        ),
        on=["file", "row"],
        how="left",
    )
    typed = frame.filter(~bad).select(
        "file",
        "row",
        pl.col("_orgnr").alias("orgnr"),
        _date_expr("granted_on").alias("granted_on"),
        cents_expr(pl.col("amount")).alias("amount_cents"),
        cur.alias("currency"),
        basis.alias("basis"),
        "grantor",
        "reference",
    )
    return typed, errors


def canonical_links(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = _orgnr_problems(raw).with_columns(
        p_und=pl.when(pl.col("undertaking_id").fill_null("") == "").then(pl.lit("undertaking_id is missing"))
    )
    errors = errors_of(frame, {"orgnr": "_orgnr_problem", "undertaking_id": "p_und"})
    ok = frame.filter(pl.col("_orgnr_problem").is_null() & pl.col("p_und").is_null())
    return ok.select(pl.col("_orgnr").alias("orgnr"), "undertaking_id").unique(), errors


def canonical_firms(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = _orgnr_problems(raw)
    errors = errors_of(frame, {"orgnr": "_orgnr_problem"})
    ok = (
        frame.filter(pl.col("_orgnr_problem").is_null())
        .select(
            pl.col("_orgnr").alias("orgnr"),
            "name",
            _nace_expr(pl.col("nace")).alias("nace"),
            "kommunenummer",
            "status",
        )
        .unique("orgnr", keep="first")
    )
    return ok, errors


def _nace_expr(expr: pl.Expr) -> pl.Expr:
    """``03211`` / ``03.211`` -> ``03.211`` (SN2007 notation)."""
    s = expr.str.replace_all(r"\s", "")
    return (
        pl.when(s.str.contains(r"^\d{3,}$"))
        .then(s.str.slice(0, 2) + "." + s.str.slice(2))
        .otherwise(s)
        .replace("", None)
    )


__all__ = [
    "HEADER_ALIASES",
    "REQUIRED",
    "canonical_applications",
    "canonical_awards",
    "canonical_firms",
    "canonical_links",
    "errors_of",
    "read_table",
]
