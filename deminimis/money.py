"""Exact money: integer cents everywhere, one rounding rule.

Amounts live in frames as ``Int64`` cents (øre for NOK, cent for EUR). Exchange
rates are ECB reference rates (units of currency per EUR) held as ``Int64``
millionths (``rate_micro``), which is exact for every published rate.

**The one rounding rule** (contract §4): an amount is converted to EUR per award,
``eur = amount / rate``, rounded half-up to the cent; totals are sums of the rounded
figures. The reverse direction (the largest grant in the application's currency that
still fits) is rounded *down* to the cent, so that converting it back never exceeds
the EUR headroom.

>>> parse_cents("1 234 567,89")
123456789
>>> parse_cents("kr 1 234 567")
123456700
>>> format_cents(-5)
'-0.05'
>>> parse_cents("1.234.567,89"), parse_cents("€ 10 000"), parse_cents("10 000 EUR")
(123456789, 1000000, 1000000)
>>> parse_cents("12,345")
Traceback (most recent call last):
...
ValueError: amount '12,345' has more than two decimals
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

RATE_SCALE = 10**6
"""Rates are stored as integer millionths of a currency unit per EUR."""

_AMOUNT_RE = r"^([0-9]+)(?:\.([0-9]{1,2}))?$"
"""The normalised amount: ASCII digits only (``\\d`` would take every Unicode digit)."""
_CURRENCY_WORD = r"(kr\.?|nok|€|eur|euro|sek|dkk|usd|gbp|chf|isk|pln)"
_WRITTEN = {"kr": "NOK", "kr.": "NOK", "nok": "NOK", "€": "EUR", "eur": "EUR", "euro": "EUR"}
_DOTTED = r"^[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]{1,2})?$"
"""``100.000``, ``1.234.567,89``: dots as thousands separators (Norwegian habit)."""
_COMMAS = r"^[0-9]{1,3}(?:,[0-9]{3}){2,}(?:\.[0-9]{1,2})?$|^[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]{1,2}$"
"""``1,234,567`` or ``1,234.50``: commas as thousands (one group and no decimals is ambiguous)."""


def _lowered(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Utf8).str.strip_chars().str.to_lowercase()


def _number_of_low(low: pl.Expr) -> pl.Expr:
    """The lowered amount with its currency word, ``,-`` and spaces removed (separators still in)."""
    s = low.str.replace(rf"^{_CURRENCY_WORD}\s*", "")
    s = s.str.replace(r"\s*,[-–]+$", "").str.replace(rf"\s*{_CURRENCY_WORD}$", "")
    return s.str.replace(r"\s*,[-–]+$", "").str.replace_all(r"[\s\u00a0\u202f']", "")


def _clean_of_number(num: pl.Expr) -> pl.Expr:
    """The number text as ``digits[.dd]`` when it has one of the accepted spellings, else as written."""
    return (
        pl.when(num.str.contains(_DOTTED))
        .then(num.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .when(num.str.contains(_COMMAS))
        .then(num.str.replace_all(",", "", literal=True))
        .otherwise(num.str.replace(",", ".", literal=True))
    )


def _amount_rules(text: pl.Expr, low: pl.Expr, num: pl.Expr, s: pl.Expr) -> dict[str, pl.Expr]:
    """The amount rules, once: from the text as written, lowered (``low``), without currency
    words and spaces (``num``) and normalised to ``digits[.dd]`` (``s``).

    The stages are arguments so that :func:`amount_columns` can pass columns computed once;
    inlined (the ``*_expr`` functions) each stage is repeated in every branch that uses it,
    which costs about 10 ms per call even on one row (the regular expressions are compiled
    for every copy)."""
    units = s.str.extract(_AMOUNT_RE, 1)
    frac = s.str.extract(_AMOUNT_RE, 2).fill_null("").str.pad_end(2, "0")
    ok = units.is_not_null() & (units.str.len_chars() <= 15)
    cents = units.cast(pl.Int64, strict=False) * 100 + frac.cast(pl.Int64, strict=False)
    word = pl.coalesce(
        low.str.extract(rf"^{_CURRENCY_WORD}\s*[0-9]", 1),
        low.str.extract(rf"[0-9.,\-–]\s*{_CURRENCY_WORD}$", 1),
    )
    two = low.str.extract(rf"^{_CURRENCY_WORD}", 1).is_not_null() & low.str.contains(
        rf"[0-9]\s*{_CURRENCY_WORD}$"
    )
    return {
        "cents": pl.when(ok).then(cents),
        "written": word.replace_strict(_WRITTEN, default=word.str.to_uppercase(), return_dtype=pl.Utf8),
        "note": pl.when(num.str.contains(_DOTTED))
        .then(pl.format("amount '{}' read with dots as thousands separators", text))
        .when(num.str.contains(_COMMAS))
        .then(pl.format("amount '{}' read with commas as thousands separators", text)),
        "problem": pl.when(text.is_null() | (s == ""))
        .then(pl.lit("amount is missing"))
        .when(s.str.contains(r"[\d&&[^0-9]]"))
        .then(pl.format("amount '{}' has digits other than 0-9", text))
        .when(two)
        .then(pl.format("amount '{}' names a currency twice", text))
        .when(s.str.starts_with("-"))
        .then(pl.format("amount '{}' is negative; aid amounts must be 0 or more", text))
        .when(s.str.contains(r"^[0-9]+\.[0-9]{3,}$"))
        .then(pl.format("amount '{}' has more than two decimals", text))
        .when(~s.str.contains(_AMOUNT_RE))
        .then(pl.format("amount '{}' is not a number (use 1234567.89 or 1 234 567,89)", text))
        .when(units.str.len_chars() > 15)
        .then(pl.format("amount '{}' is too large", text)),
    }


def _inline_rules(expr: pl.Expr) -> dict[str, pl.Expr]:
    low = _lowered(expr)
    num = _number_of_low(low)
    return _amount_rules(expr, low, num, _clean_of_number(num))


def amount_columns(frame: pl.DataFrame, col: str, **out: str) -> pl.DataFrame:
    """``frame`` with the amount rules of text column ``col`` added as columns, each stage
    computed once: ``out`` maps a rule (``cents``, ``problem``, ``note``, ``written``) to the
    name of its column. The fast form of the ``*_expr`` functions (same rules, same results).

    >>> f = amount_columns(pl.DataFrame({"a": ["kr 1.234,50", "x"]}), "a", cents="c", problem="p")
    >>> f.get_column("c").to_list(), f.get_column("p").to_list()[1]
    ([123450, None], "amount 'x' is not a number (use 1234567.89 or 1 234 567,89)")
    """
    stages = frame.with_columns(_m_low=_lowered(pl.col(col)))
    stages = stages.with_columns(_m_num=_number_of_low(pl.col("_m_low")))
    stages = stages.with_columns(_m_s=_clean_of_number(pl.col("_m_num")))
    rules = _amount_rules(pl.col(col), pl.col("_m_low"), pl.col("_m_num"), pl.col("_m_s"))
    return stages.with_columns(**{name: rules[rule] for rule, name in out.items()}).drop(
        "_m_low", "_m_num", "_m_s"
    )


def amount_currency_expr(expr: pl.Expr) -> pl.Expr:
    """The currency written in the amount (``EUR 250000``, ``10 000 kr``, ``€ 10``), upper-case
    ISO code; null when none is written."""
    return _inline_rules(expr)["written"]


def amount_note_expr(expr: pl.Expr) -> pl.Expr:
    """How an amount outside the plain forms was read (null for a plain one): listed by
    ``validate`` and warned in the decision."""
    return _inline_rules(expr)["note"]


def cents_expr(expr: pl.Expr) -> pl.Expr:
    """Parse an amount column to Int64 cents; null where the text is not a valid amount."""
    return _inline_rules(expr)["cents"]


def amount_problem_expr(expr: pl.Expr) -> pl.Expr:
    """Explain why an amount text is unusable (null when it is fine)."""
    return _inline_rules(expr)["problem"]


def parse_cents(text: str) -> int:
    """Parse one amount text to cents, raising ``ValueError`` with the reason."""
    row = amount_columns(pl.DataFrame({"a": [text]}), "a", cents="c", problem="p").row(0)[1:]
    if row[1] is not None or row[0] is None:
        raise ValueError(row[1] or f"amount '{text}' is not a number")
    return int(row[0])


def format_cents(cents: int) -> str:
    """Cents to the contract's two-decimal string (``"200000.00"``)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{part:02d}"


def contract_cents(text: str) -> int:
    """The contract's two-decimal money string (``"200000.00"``) back to cents: the inverse of
    :func:`format_cents`. Raises ``decimal.InvalidOperation`` for text that is not a number."""
    return int(Decimal(text).scaleb(2).to_integral_value())


def format_cents_human(cents: int, lang: str = "en") -> str:
    """Cents for people: ``1 234 567,89`` (nb) or ``1,234,567.89`` (en)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    grouped = f"{whole:,}"
    if lang == "nb":
        grouped = grouped.replace(",", "\u00a0")
        return f"{sign}{grouped},{part:02d}"
    return f"{sign}{grouped}.{part:02d}"


def rate_to_micro(rate: str | Decimal) -> int:
    """A published rate text to exact integer millionths; more than 6 decimals is refused."""
    value = Decimal(str(rate)) * RATE_SCALE
    if value != value.to_integral_value():
        raise ValueError(f"rate {rate} has more than six decimals")
    return int(value)


def micro_to_rate(micro: int) -> str:
    """Integer millionths back to the shortest exact decimal text (``10312000`` -> ``'10.312'``)."""
    text = format(Decimal(micro) / RATE_SCALE, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def to_eur_cents_expr(amount_cents: pl.Expr, rate_micro: pl.Expr) -> pl.Expr:
    """EUR cents = amount / rate, half-up to the cent, exact (Int128 intermediate)."""
    num = amount_cents.cast(pl.Int128) * (2 * RATE_SCALE) + rate_micro.cast(pl.Int128)
    return (num // (2 * rate_micro.cast(pl.Int128))).cast(pl.Int64)


def from_eur_cents_floor_expr(eur_cents: pl.Expr, rate_micro: pl.Expr) -> pl.Expr:
    """Currency cents = EUR × rate, rounded down to the cent (never above the EUR figure)."""
    return (eur_cents.cast(pl.Int128) * rate_micro.cast(pl.Int128) // RATE_SCALE).cast(pl.Int64)


def to_eur_cents(amount_cents: int, rate_micro: int) -> int:
    """Scalar twin of :func:`to_eur_cents_expr` (same integer formula).

    >>> to_eur_cents(1_000_000_00, 10_312_000)  # NOK 1,000,000 at 10.312
    9697440
    """
    return (amount_cents * 2 * RATE_SCALE + rate_micro) // (2 * rate_micro)


def from_eur_cents_floor(eur_cents: int, rate_micro: int) -> int:
    """Scalar twin of :func:`from_eur_cents_floor_expr`.

    >>> from_eur_cents_floor(80_000_00, 11_500_000)  # EXT-22: EUR 80,000 at 11.50
    92000000
    """
    return eur_cents * rate_micro // RATE_SCALE


__all__ = [
    "RATE_SCALE",
    "amount_columns",
    "amount_currency_expr",
    "amount_note_expr",
    "amount_problem_expr",
    "cents_expr",
    "contract_cents",
    "format_cents",
    "format_cents_human",
    "from_eur_cents_floor",
    "from_eur_cents_floor_expr",
    "micro_to_rate",
    "parse_cents",
    "rate_to_micro",
    "to_eur_cents",
    "to_eur_cents_expr",
]
