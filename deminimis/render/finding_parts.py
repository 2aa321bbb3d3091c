"""The parts every finding module builds with: the kinds and the long frame's schema,
:class:`Finding` and :func:`finding` that declare a finding, :class:`Plan` that plans the ones
some row has, and the values (:func:`money`, :func:`day`, :func:`plural`, ...) its texts are
filled with.

Why apart: they are the machinery every finding module (reasons, warnings, GGE, links,
events, register, sources) shares, and hold no finding of their own; :mod:`deminimis.render.findings`
keeps the warnings and re-exports all of this, so its import path stays the one to use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from deminimis.plan import options
from deminimis.render import fmt
from deminimis.render.fmt import Value
from deminimis.render.messages import messages

C = pl.col
REASON, WARNING, NOTE = 0, 1, 2
SCHEMA = {
    "idx": pl.UInt32,
    "kind": pl.Int8,
    "order": pl.Int16,
    "sub": pl.Int64,
    "code": pl.Utf8,
    "citation": pl.Utf8,
    "text_nb": pl.Utf8,
    "text_en": pl.Utf8,
}
"""The long frame of findings."""
EVERY = C("idx").is_not_null()
"""The ``when`` of a finding on every row of its frame (``pl.lit(True)`` would also be "some row"
of an empty frame, and plan its texts for nothing)."""


@dataclass(frozen=True)
class Finding:
    """A finding not yet planned: its rows are the frame named ``frame`` (see
    :func:`deminimis.render.decision_frames.frames`) where ``when`` holds; ``make()`` gives the
    expressions of its texts, built on first use and kept (they depend only on the rules and the
    catalogue). :class:`Plan` plans only the findings some row has (texts are the costly part)."""

    frame: str
    when: pl.Expr
    make: Callable[[], tuple[pl.Expr, ...]]


def finding(
    frame: str,
    when: pl.Expr,
    kind: int,
    order: int,
    code: str,
    cite: pl.Expr | str | None = None,
    /,
    sub_: pl.Expr | None = None,
    **values: Value,
) -> Finding:

    @functools.cache
    def make() -> tuple[pl.Expr, ...]:
        msg = messages()[code]
        citation = cite if isinstance(cite, pl.Expr) else pl.lit(cite, pl.Utf8)
        return (
            C("idx"),
            pl.lit(kind, pl.Int8).alias("kind"),
            pl.lit(order, pl.Int16).alias("order"),
            (sub_ if sub_ is not None else pl.lit(0)).cast(pl.Int64).alias("sub"),
            pl.lit(code).alias("code"),
            citation.cast(pl.Utf8).alias("citation"),
            fmt.fill(msg["nb"], values, "nb").alias("text_nb"),
            fmt.fill(msg["en"], values, "en").alias("text_en"),
        )

    return Finding(frame, when, make)  # a null ``when``: no row (filter and any() skip nulls)


class Plan:
    """The findings of one rules object, grouped by the frame they filter, with the query that
    tells which occur (built once per rules: the expressions are immutable)."""

    def __init__(self, found: list[Finding]) -> None:
        self.found = found
        self.probes: dict[str, list[pl.Expr]] = {}
        for i, f in enumerate(found):
            self.probes.setdefault(f.frame, []).append(f.when.any().alias(f"_{i}"))

    def planned(self, frames: dict[str, pl.LazyFrame | None]) -> list[pl.LazyFrame]:
        """The text frames of the findings that occur in ``frames`` (``None``: a frame known to
        be empty); one query for every frame tells which."""
        probes = [
            frames[name].select(exprs) for name, exprs in self.probes.items() if frames[name] is not None
        ]
        present: set[int] = set()
        if probes:
            row = pl.concat(probes, how="horizontal").collect(**options()).row(0, named=True)
            present = {int(k[1:]) for k, v in row.items() if v}
        return [
            frames[f.frame].filter(f.when).select(*f.make())  # type: ignore[union-attr]
            for i, f in enumerate(self.found)
            if i in present
        ]


def money(col: str | pl.Expr) -> Value:
    expr = C(col) if isinstance(col, str) else col
    return fmt.Text(lambda lang: fmt.human(expr, lang))


def amount(cents: str | pl.Expr, currency: str | pl.Expr = "currency") -> Value:
    """``kr 1 234 567,89`` / ``EUR 1 234,56`` (nb), ``NOK 1,234,567.89`` (en)."""
    c = C(cents) if isinstance(cents, str) else cents
    cur = C(currency) if isinstance(currency, str) else currency
    return fmt.Text(lambda lang: fmt.amount(c, cur, lang))


def day(col: str | pl.Expr) -> Value:
    expr = C(col) if isinstance(col, str) else col
    return fmt.Text(lambda lang: fmt.day(expr, lang))


def rate(col: str) -> Value:
    """A published rate (a text column) as :func:`deminimis.render.fmt.rate` shows it."""
    return fmt.Text(lambda lang: fmt.rate(C(col), lang))


def plural(code: str, n: str | pl.Expr) -> Value:
    """``messages.toml [plural]`` ``{code}_one_{lang}`` or ``{code}_many_{lang}`` by the count."""
    count = C(n) if isinstance(n, str) else n
    table = messages()["plural"]
    return fmt.Text(
        lambda lang: (
            pl.when(count == 1)
            .then(fmt.fill(table[f"{code}_one_{lang}"], {"n": count}, lang))
            .otherwise(fmt.fill(table[f"{code}_many_{lang}"], {"n": count}, lang))
        )
    )


def by_lang(prefix: str) -> Value:
    return lambda lang: C(f"{prefix}_{lang}")


def mapped(col: str, table: dict[str, str], default: pl.Expr | None = None) -> Value:
    """``table[f"{value}_{lang}"]`` per language (``default`` when the key is not there)."""

    def pick(lang: str) -> pl.Expr:
        keys = {k[: -len(lang) - 1]: v for k, v in table.items() if k.endswith(f"_{lang}")}
        return C(col).replace_strict(keys, default=default, return_dtype=pl.Utf8)

    return pick


__all__ = [
    "EVERY",
    "NOTE",
    "REASON",
    "SCHEMA",
    "WARNING",
    "Finding",
    "Plan",
    "amount",
    "by_lang",
    "day",
    "finding",
    "mapped",
    "money",
    "plural",
    "rate",
]
