"""The form of the aid as input: the contract §1 columns for loans, guarantees, capital
injections, instalments, fixed sums, intermediaries and exclusions (applications), and
``instrument`` / ``nominal_amount`` of prior awards.

Every cell is text; each column gets a typed value and a *problem* (null when fine), as the
other fields in :mod:`deminimis.sources.tables`, so a bad cell gives that row route ``error``
naming the field. Percentages and terms are held as hundredths (``52,5 %`` -> 5250); amounts
as cents of the application's currency. Through a financial intermediary the grant date is the
last day of the quarter of the signing date (2831 Art 6(5)); the signing date is kept.

>>> parse_payments("2026-03-01:600000; 2027-03-01:400 000,00")
([(datetime.date(2026, 3, 1), 60000000), (datetime.date(2027, 3, 1), 40000000)], None)
>>> parse_payments("2026-03-01=600000")[1]
"payments: '2026-03-01=600000' is not YYYY-MM-DD:amount (items separated by ';')"
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from deminimis.instruments import INSTRUMENT_ALIASES, INSTRUMENTS, NOMINAL_INSTRUMENTS
from deminimis.money import amount_columns, parse_cents

APPLICATION_COLUMNS = (
    "instrument",
    "nominal_amount",
    "term_years",
    "collateral_pct",
    "guarantee_pct",
    "gge",
    "payments",
    "discount_rate_pct",
    "scheme_max_amount",
    "via_intermediary",
    "export_linked",
    "domestic_preference",
    "insolvency_proceedings",
)
FLAGS = ("via_intermediary", "export_linked", "domestic_preference", "insolvency_proceedings")
AWARD_COLUMNS = ("instrument", "nominal_amount")
HEADER_ALIASES = {
    "støtteinstrument": "instrument",
    "virkemiddel": "instrument",
    "nominelt beløp": "nominal_amount",
    "lånebeløp": "nominal_amount",
    "garantibeløp": "nominal_amount",
    "løpetid": "term_years",
    "løpetid år": "term_years",
    "sikkerhet": "collateral_pct",
    "garantiandel": "guarantee_pct",
    "bruttotilskuddsekvivalent": "gge",
    "utbetalinger": "payments",
    "diskonteringsrente": "discount_rate_pct",
    "ordningens maksimumsbeløp": "scheme_max_amount",
    "finansiell mellommann": "via_intermediary",
    "eksportrettet": "export_linked",
    "krav om norske varer": "domestic_preference",
    "insolvensbehandling": "insolvency_proceedings",
}
YES = ("yes", "ja", "y", "j", "true", "1")
NO = ("no", "nei", "n", "false", "0", "")
PAYMENT = pl.Struct({"date": pl.Date, "cents": pl.Int64})
C = pl.col


def _blank(col: str) -> pl.Expr:
    return C(col).is_null() | (C(col).str.strip_chars() == "")


def _instrument(col: str = "instrument") -> pl.Expr:
    word = C(col).fill_null("").str.strip_chars().str.to_lowercase().replace("", "grant")
    return word.replace(INSTRUMENT_ALIASES)


def _instrument_problem(col: str = "instrument") -> pl.Expr:
    return pl.when(~_instrument(col).is_in(INSTRUMENTS)).then(
        pl.format(f"unknown instrument '{{}}' (use one of {', '.join(INSTRUMENTS)})", C(col))
    )


def _with_money(frame: pl.DataFrame, col: str, text: pl.Expr, problem_of) -> pl.DataFrame:
    """Add ``_g_{col}`` (cents) and ``p_g_{col}`` (problem) of an optional amount-like column,
    parsed once per distinct non-blank ``text`` (blank: null, no problem). ``problem_of``
    turns (cents, the amount rules' problem) into the column's own problem."""
    texts = frame.filter(~_blank(col)).select(C(col), text.alias("_g_text")).unique(subset=col)
    if texts.is_empty():  # the usual case: a plain grant leaves the aid-form columns blank
        return frame.with_columns(
            pl.lit(None, pl.Int64).alias(f"_g_{col}"), pl.lit(None, pl.Utf8).alias(f"p_g_{col}")
        )
    parsed = amount_columns(texts, "_g_text", cents=f"_g_{col}", problem="_g_problem")
    parsed = parsed.select(col, f"_g_{col}", problem_of(C(f"_g_{col}"), C("_g_problem")).alias(f"p_g_{col}"))
    return frame.join(parsed, on=col, how="left", maintain_order="left")


def _money(frame: pl.DataFrame, col: str) -> pl.DataFrame:
    """Cents and problem of an optional amount column."""
    return _with_money(frame, col, C(col), lambda _cents, problem: problem.str.replace("^amount", col))


def _hundredths(frame: pl.DataFrame, col: str, what: str, high: int | None) -> pl.DataFrame:
    """A percentage or a term (``5``, ``5,30 %``, ``10 år``) as hundredths."""
    text = C(col).str.replace_all(r"(?i)\s*(%|prosent|år|years?)\s*$", "")
    limit = f" from 0 to {high // 100}" if high is not None else ""

    def problem_of(value: pl.Expr, _problem: pl.Expr) -> pl.Expr:
        bad = value.is_null() | (value < 0) | ((value > high) if high is not None else pl.lit(False))
        message = f"{col} '{{}}' is not {what}{limit} (at most two decimals)"
        return pl.when(bad).then(pl.format(message, C(col)))

    return _with_money(frame, col, text, problem_of)


def _flag(col: str) -> tuple[pl.Expr, pl.Expr]:
    word = C(col).fill_null("").str.strip_chars().str.to_lowercase()
    return word.is_in(YES), pl.when(~word.is_in([*YES, *NO])).then(
        pl.format(f"{col} '{{}}' must be yes/no (ja/nei)", C(col))
    )


def parse_payments(text: str | None) -> tuple[list[tuple[dt.date, int]], str | None]:
    """``YYYY-MM-DD:amount;…`` -> [(date, cents)], or a problem naming the bad item."""
    items = [i.strip() for i in (text or "").split(";") if i.strip()]
    out = []
    for item in items:
        day, sep, amount = item.partition(":")
        try:
            if not sep:
                raise ValueError
            out.append((dt.date.fromisoformat(day.strip()), parse_cents(amount.strip())))
        except ValueError:
            return [], f"payments: '{item}' is not YYYY-MM-DD:amount (items separated by ';')"
    return out, None


def _payments_table(frame: pl.DataFrame) -> pl.DataFrame:
    """``payments`` -> ``_g_payments`` (date, cents) and ``_g_pay_problem``, once per distinct text."""
    values = [v for v in frame.get_column("payments").unique().to_list() if v and v.strip()]
    parsed = [parse_payments(v) for v in values]
    return pl.DataFrame(
        {
            "payments": values,
            "_g_payments": [[{"date": d, "cents": c} for d, c in p[0]] for p in parsed],
            "_g_pay_problem": [p[1] for p in parsed],
        },
        schema={"payments": pl.Utf8, "_g_payments": pl.List(PAYMENT), "_g_pay_problem": pl.Utf8},
    )


def quarter_end(day: pl.Expr) -> pl.Expr:
    """The last day of the quarter holding ``day`` (Art 6(5))."""
    month = ((day.dt.month() - 1) // 3) * 3 + 3
    return pl.date(day.dt.year(), month, 1).dt.month_end()


def as_text(value: object) -> str | None:
    """A Python API value as the contract's cell text (``True`` -> ``yes``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def with_missing(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """Add the optional text columns a source did not have (null)."""
    return frame.with_columns([pl.lit(None, pl.Utf8).alias(c) for c in columns if c not in frame.columns])


def with_terms(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """Typed ``_g_*`` columns and problems of the application's aid form; moves ``_grant_date``
    to the quarter's end for an intermediary (``_g_signing_date`` keeps the date signed).
    Expects ``p_amount``, ``_amount_cents`` and ``_grant_date`` (see ``canonical_applications``)."""
    f = with_missing(frame, APPLICATION_COLUMNS)
    f = f.join(_payments_table(f), on="payments", how="left", nulls_equal=True, maintain_order="left")
    exprs: dict[str, pl.Expr] = {"_g_instrument": _instrument(), "p_g_instrument": _instrument_problem()}
    for col in ("nominal_amount", "gge", "scheme_max_amount"):
        f = _money(f, col)
    for col, what, high in (
        ("term_years", "a term in years", None),
        ("collateral_pct", "a percentage", 10_000),
        ("guarantee_pct", "a percentage", 10_000),
        ("discount_rate_pct", "a percentage", 10_000),
    ):
        f = _hundredths(f, col, what, high)
    for col in FLAGS:
        exprs[f"_g_{col}"], exprs[f"p_g_{col}"] = _flag(col)
    f = f.with_columns(**exprs)
    has_pay = C("_g_payments").list.len().fill_null(0) > 0
    pay_sum = C("_g_payments").list.eval(pl.element().struct.field("cents")).list.sum()
    nominal_form = C("_g_instrument").is_in(NOMINAL_INSTRUMENTS)
    signed = C("_grant_date")
    f = f.with_columns(
        _g_signing_date=pl.when(C("_g_via_intermediary")).then(signed),
        _grant_date=pl.when(C("_g_via_intermediary")).then(quarter_end(signed)).otherwise(signed),
        # A loan, guarantee or injection (or instalments) may leave the amount blank.
        p_amount=pl.when(_blank("amount") & (nominal_form | has_pay)).then(None).otherwise(C("p_amount")),
    )
    f = f.with_columns(
        p_g_term_years=pl.coalesce(
            "p_g_term_years",
            pl.when(C("_g_term_years") == 0).then(
                pl.format("term_years '{}' must be more than 0", C("term_years"))
            ),
        ),
        p_g_payments=pl.coalesce(
            "_g_pay_problem",
            pl.when(has_pay & ~C("_g_instrument").is_in(["grant", "interest_subsidy"])).then(
                pl.lit("payments apply to a grant or an interest subsidy paid in instalments")
            ),
            pl.when(has_pay & C("_amount_cents").is_not_null() & (pay_sum != C("_amount_cents"))).then(
                pl.format("payments add up to {} cents, but amount is {} cents", pay_sum, C("_amount_cents"))
            ),
        ),
        p_g_discount_rate_pct=pl.coalesce(
            "p_g_discount_rate_pct",
            pl.when(has_pay & C("_g_discount_rate_pct").is_null() & _later()).then(
                pl.lit("discount_rate_pct is missing (needed to discount payments after the grant date)")
            ),
        ),
        p_g_scheme_max_amount=pl.coalesce(
            "p_g_scheme_max_amount",
            pl.when((C("_g_instrument") == "grant") & (C("_g_scheme_max_amount") < C("_amount_cents"))).then(
                pl.lit("scheme_max_amount is below the amount (the fixed sum is the scheme's maximum)")
            ),
        ),
    )
    return f, dict(TERM_PROBLEMS)


TERM_PROBLEMS = {c: f"p_g_{c}" for c in APPLICATION_COLUMNS}
"""The problem column of each aid-form column (:func:`with_terms`)."""
TERMS_BLANK = {
    "_g_instrument": pl.lit("grant"),
    **{
        f"_g_{c}": pl.lit(None, pl.Int64)
        for c in APPLICATION_COLUMNS
        if c not in ("instrument", "payments") and c not in FLAGS
    },
    "_g_payments": pl.lit(None, pl.List(PAYMENT)),
    **{f"_g_{c}": pl.lit(False) for c in FLAGS},
    "_g_signing_date": pl.lit(None, pl.Date),
    **{p: pl.lit(None, pl.Utf8) for p in TERM_PROBLEMS.values()},
}
"""The columns of :func:`with_terms` when every aid-form column is blank (a plain grant)."""


def _later() -> pl.Expr:
    """Some payment falls after the grant date (those need discounting)."""
    dates = C("_g_payments").list.eval(pl.element().struct.field("date"))
    return (dates.list.max() > C("_grant_date")).fill_null(False)


TYPED = [
    C("_g_instrument").alias("instrument"),
    C("_g_nominal_amount").alias("nominal_cents"),
    C("_g_term_years").alias("term_hundredths"),
    C("_g_collateral_pct").alias("collateral_hundredths"),
    C("_g_guarantee_pct").alias("guarantee_hundredths"),
    C("_g_gge").alias("gge_cents"),
    C("_g_payments").fill_null(pl.lit([], pl.List(PAYMENT))).alias("payments"),
    C("_g_discount_rate_pct").alias("discount_hundredths"),
    C("_g_scheme_max_amount").alias("scheme_max_cents"),
    C("_g_via_intermediary").alias("via_intermediary"),
    C("_g_export_linked").alias("export_linked"),
    C("_g_domestic_preference").alias("domestic_preference"),
    C("_g_insolvency_proceedings").alias("insolvency_declared"),
    C("_g_signing_date").alias("signing_date"),
]
"""The typed columns :func:`canonical_applications` adds (see the contract §1 applications)."""


def award_terms(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """``_g_instrument``, ``_g_nominal_amount`` and their problems for prior awards."""
    f = with_missing(frame, AWARD_COLUMNS)
    f = _money(f, "nominal_amount")
    f = f.with_columns(_g_instrument=_instrument(), p_g_instrument=_instrument_problem())
    return f, {"instrument": "p_g_instrument", "nominal_amount": "p_g_nominal_amount"}


AWARD_BLANK = {k: TERMS_BLANK[k] for c in AWARD_COLUMNS for k in (f"_g_{c}", f"p_g_{c}")}
"""The columns of :func:`award_terms` when ``instrument`` and ``nominal_amount`` are blank."""
AWARD_TYPED = [C("_g_instrument").alias("instrument"), C("_g_nominal_amount").alias("nominal_cents")]


__all__ = [
    "APPLICATION_COLUMNS",
    "AWARD_COLUMNS",
    "as_text",
    "AWARD_BLANK",
    "AWARD_TYPED",
    "HEADER_ALIASES",
    "INSTRUMENTS",
    "NOMINAL_INSTRUMENTS",
    "TERMS_BLANK",
    "TERM_PROBLEMS",
    "TYPED",
    "award_terms",
    "parse_payments",
    "quarter_end",
    "with_missing",
    "with_terms",
]
