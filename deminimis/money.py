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


def _number_text(expr: pl.Expr) -> pl.Expr:
    """The amount with its currency word, ``,-`` and spaces removed (separators still in)."""
    s = _lowered(expr).str.replace(rf"^{_CURRENCY_WORD}\s*", "")
    s = s.str.replace(r"\s*,[-–]+$", "").str.replace(rf"\s*{_CURRENCY_WORD}$", "")
    return s.str.replace(r"\s*,[-–]+$", "").str.replace_all(r"[\s\u00a0\u202f']", "")


def _clean_amount_expr(expr: pl.Expr) -> pl.Expr:
    """The amount as ``digits[.dd]`` when it has one of the accepted spellings, else as written."""
    s = _number_text(expr)
    return (
        pl.when(s.str.contains(_DOTTED))
        .then(s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .when(s.str.contains(_COMMAS))
        .then(s.str.replace_all(",", "", literal=True))
        .otherwise(s.str.replace(",", ".", literal=True))
    )


def amount_currency_expr(expr: pl.Expr) -> pl.Expr:
    """The currency written in the amount (``EUR 250000``, ``10 000 kr``, ``€ 10``), upper-case
    ISO code; null when none is written."""
    s = _lowered(expr)
    word = pl.coalesce(
        s.str.extract(rf"^{_CURRENCY_WORD}\s*[0-9]", 1),
        s.str.extract(rf"[0-9.,\-–]\s*{_CURRENCY_WORD}$", 1),
    )
    return word.replace_strict(_WRITTEN, default=word.str.to_uppercase(), return_dtype=pl.Utf8)


def amount_note_expr(expr: pl.Expr) -> pl.Expr:
    """How an amount outside the plain forms was read (null for a plain one): listed by
    ``validate`` and warned in the decision."""
    s = _number_text(expr)
    return (
        pl.when(s.str.contains(_DOTTED))
        .then(pl.format("amount '{}' read with dots as thousands separators", expr))
        .when(s.str.contains(_COMMAS))
        .then(pl.format("amount '{}' read with commas as thousands separators", expr))
    )


def cents_expr(expr: pl.Expr) -> pl.Expr:
    """Parse an amount column to Int64 cents; null where the text is not a valid amount."""
    s = _clean_amount_expr(expr)
    units = s.str.extract(_AMOUNT_RE, 1)
    frac = s.str.extract(_AMOUNT_RE, 2).fill_null("").str.pad_end(2, "0")
    ok = units.is_not_null() & (units.str.len_chars() <= 15)
    return pl.when(ok).then(units.cast(pl.Int64, strict=False) * 100 + frac.cast(pl.Int64, strict=False))


def amount_problem_expr(expr: pl.Expr) -> pl.Expr:
    """Explain why an amount text is unusable (null when it is fine)."""
    s = _clean_amount_expr(expr)
    low = _lowered(expr)
    two = low.str.extract(rf"^{_CURRENCY_WORD}", 1).is_not_null() & low.str.contains(
        rf"[0-9]\s*{_CURRENCY_WORD}$"
    )
    return (
        pl.when(expr.is_null() | (s == ""))
        .then(pl.lit("amount is missing"))
        .when(s.str.contains(r"[\d&&[^0-9]]"))
        .then(pl.format("amount '{}' has digits other than 0-9", expr))
        .when(two)
        .then(pl.format("amount '{}' names a currency twice", expr))
        .when(s.str.starts_with("-"))
        .then(pl.format("amount '{}' is negative; aid amounts must be 0 or more", expr))
        .when(s.str.contains(r"^[0-9]+\.[0-9]{3,}$"))
        .then(pl.format("amount '{}' has more than two decimals", expr))
        .when(~s.str.contains(_AMOUNT_RE))
        .then(pl.format("amount '{}' is not a number (use 1234567.89 or 1 234 567,89)", expr))
        .when(s.str.extract(_AMOUNT_RE, 1).str.len_chars() > 15)
        .then(pl.format("amount '{}' is too large", expr))
    )


def parse_cents(text: str) -> int:
    """Parse one amount text to cents, raising ``ValueError`` with the reason."""
    frame = pl.DataFrame({"a": [text]})
    row = frame.select(c=cents_expr(pl.col("a")), p=amount_problem_expr(pl.col("a"))).row(0)
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
