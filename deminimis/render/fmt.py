"""Polars expressions that format like :mod:`deminimis.money` and the message templates.

The columnar renderer (:mod:`deminimis.render.columnar`) formats every value with these;
each matches a Python twin exactly (``format_cents``, ``format_cents_human``, the nb date
and decimal comma, ``str.format`` of ``None``), so the decisions read the same as before.

>>> import polars as pl
>>> nb, en = human(pl.lit(123456789), "nb").alias("b"), human(pl.lit(-100), "en").alias("c")
>>> pl.select(money(pl.lit(-5)).alias("a"), nb, en).row(0)
('-0.05', '1\\xa0234\\xa0567,89', '-1.00')

Each equals its Python twin, groups of three and signs included:

>>> from deminimis.money import format_cents, format_cents_human
>>> cents = [0, 5, -5, 99, 100, -1000, 99999, 100000, -123456, 99999999, -10**17 - 1, 2**63 - 1]
>>> frame = pl.DataFrame({"c": cents})
>>> c = pl.col("c")
>>> texts = frame.select(money(c), human(c, "nb").alias("nb"), human(c, "en").alias("en"))
>>> texts.rows() == [(format_cents(n), *(format_cents_human(n, lang) for lang in LANGS)) for n in cents]
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Union

import polars as pl

Value = Union[pl.Expr, str, Callable[[str], pl.Expr]]  # noqa: UP007 - a runtime alias
"""A placeholder's value: one expression, a literal, or one expression per language."""
LANGS = ("nb", "en")


CENT = pl.lit("0.01").cast(pl.Decimal(38, 2))
"""One cent: integer cents times this is the exact decimal amount (scale 2). From text: a
``Decimal`` literal would make polars import numpy, 60 ms of every start-up."""


def money(cents: pl.Expr) -> pl.Expr:
    """Cents to the contract's two-decimal string; null stays null (``format_cents``). An exact
    decimal's text: three nodes, where sign, whole and part took twenty (a polars plan costs
    per node, and the document has a dozen amounts)."""
    return (cents.cast(pl.Int64) * CENT).cast(pl.Utf8)


def human(cents: pl.Expr, lang: str) -> pl.Expr:
    """``1 234 567,89`` (nb, no-break spaces) or ``1,234,567.89`` (en); null counts as 0.

    The groups of three are marked on the reversed decimal text (``98.7654321-`` ->
    ``98.765,432,1-``), where the two decimals never make a group: eight nodes, a third of
    the plan of whole and part formatted apart (a polars plan costs per node)."""
    sep = "\u00a0" if lang == "nb" else ","
    reversed_text = money(cents.fill_null(0)).str.reverse()
    grouped = reversed_text.str.replace_all(r"(\d{3})", "${1}" + sep).str.replace(f"{sep}(-?)$", "${1}")
    if lang == "nb":
        grouped = grouped.str.replace(".", ",", literal=True)
    return grouped.str.reverse()


def amount(cents: pl.Expr, currency: pl.Expr, lang: str) -> pl.Expr:
    """An amount with its currency as a vedtak writes it: ``kr 1 234 567,89`` and
    ``EUR 1 234,56`` (nb), ``NOK 1,234,567.89`` (en)."""
    code = currency.fill_null("NOK")
    if lang == "nb":
        code = pl.when(code == "NOK").then(pl.lit("kr")).otherwise(code)
    return pl.concat_str(code, pl.lit(" "), human(cents, lang))


def iso(day: pl.Expr) -> pl.Expr:
    """A date as ``YYYY-MM-DD`` (null stays null)."""
    return day.dt.to_string("%Y-%m-%d")


def day(value: pl.Expr, lang: str) -> pl.Expr:
    """A date for people: ``17.05.2021`` (nb) or ISO (en); empty when there is none."""
    return value.dt.to_string("%d.%m.%Y" if lang == "nb" else "%Y-%m-%d").fill_null("")


def rate(text: pl.Expr, lang: str) -> pl.Expr:
    """A rate as published, decimal comma in nb (empty when missing; ``None`` in en, as before)."""
    if lang == "nb":
        return text.fill_null("").str.replace_all(".", ",", literal=True)
    return text.fill_null("None")


def text(value: pl.Expr) -> pl.Expr:
    """A value as ``str.format`` shows it (``None`` for a missing one)."""
    return value.cast(pl.Utf8).fill_null("None")


class Text:
    """A placeholder's value that is text and never null, one expression per language:
    :func:`fill` takes it as it is (without :func:`text`'s cast and ``None``, two nodes of
    every placeholder's plan)."""

    __slots__ = ("by_lang",)

    def __init__(self, by_lang: Callable[[str], pl.Expr]) -> None:
        self.by_lang = by_lang

    def __call__(self, lang: str) -> pl.Expr:
        return self.by_lang(lang)


_FIELD = re.compile(r"\{(\w+)\}")


def fill(template: str, values: dict[str, Value], lang: str) -> pl.Expr:
    """``template.format(**values)`` as one ``concat_str``; every placeholder must have a value."""
    pieces: list[pl.Expr] = []
    pos = 0
    for m in _FIELD.finditer(template):
        if m.start() > pos:
            pieces.append(pl.lit(template[pos : m.start()]))
        v = values[m.group(1)]
        if isinstance(v, Text):
            pieces.append(v(lang))
            pos = m.end()
            continue
        if callable(v) and not isinstance(v, pl.Expr):
            v = v(lang)
        pieces.append(text(v) if isinstance(v, pl.Expr) else pl.lit(v))
        pos = m.end()
    if pos < len(template):
        pieces.append(pl.lit(template[pos:]))
    return pl.concat_str(pieces) if pieces else pl.lit("")


__all__ = ["LANGS", "Text", "Value", "amount", "day", "fill", "human", "iso", "money", "rate", "text"]
