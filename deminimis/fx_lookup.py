"""Exchange rates joined to a table: the ECB reference rate of each row's currency on its date.

Why its own module: :mod:`deminimis.fx` reads, checks and updates the rate history; this is the
lookup every decision runs (an as-of join per table, on the distinct currency-date pairs).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import polars as pl

from deminimis.money import RATE_SCALE
from deminimis.plan import options

MAX_RATE_AGE_DAYS = 7  # an older fixing counts as stale (ECB gaps are at most 5 days)


@dataclass
class _Index:
    """A rate table as :func:`attach_rates` joins it: each currency's rows (prefixed, sorted
    by date) made on first use, and each currency's first and last fixing."""

    rates: pl.DataFrame
    span: pl.DataFrame
    known: frozenset[str]
    parts: dict[str | None, pl.DataFrame]

    def part(self, code: str | None) -> pl.DataFrame:
        """``code``'s rows (``None``: none, the table's empty shape, for a run needing no rate)."""
        if code not in self.parts:
            rows = self.rates.filter(pl.col("currency") == code) if code else self.rates.clear()
            self.parts[code] = _prefixed(rows).sort("__fx_key")
        return self.parts[code]


_INDEXED: dict[int, _Index] = {}


def _prefixed(rates: pl.DataFrame) -> pl.DataFrame:
    keys = (pl.col("currency").alias("__fx_cur"), pl.col("rate_date").alias("__fx_key"))
    return rates.rename({"source": "rate_source"}).select(pl.all().name.prefix("__fx_"), *keys)


def indexed(rates: pl.DataFrame) -> _Index:
    """The index of ``rates``, once per table, not on every lookup (sorting and hashing some
    220,000 rates was most of the cost of a single check; a check needs one or two of forty
    currencies, so their rows are picked out when first asked for)."""
    hit = _INDEXED.get(id(rates))
    if hit is not None and hit.rates is rates:
        return hit
    span = (
        rates.group_by("currency")
        .agg(__fx_first=pl.col("rate_date").min(), __fx_last=pl.col("rate_date").max())
        .rename({"currency": "__fx_cur"})
    )
    if len(_INDEXED) >= 8:  # a few tables per process (shipped, user, a test's own): bounded
        _INDEXED.clear()
    known = frozenset(span.get_column("__fx_cur").to_list())
    _INDEXED[id(rates)] = index = _Index(rates, span, known, {})  # holding ``rates`` keeps its id unique
    return index


def _rates_for(rates: pl.DataFrame, currencies: list[str]) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The indexed rates and spans of just ``currencies``."""
    index = indexed(rates)
    chosen = [index.part(c) for c in currencies if c in index.known] or [index.part(None)]
    right = chosen[0] if len(chosen) == 1 else pl.concat(chosen)
    return right.lazy(), index.span.lazy()


def attach_rates(
    lf: pl.LazyFrame, rates: pl.DataFrame, *, currency: str, on: str, prefix: str = ""
) -> pl.LazyFrame:
    """Add ``{prefix}rate_date, rate, rate_micro, rate_source, fx_status``; keep rows and order.

    ``fx_status``: ``missing_date`` (null date, any currency), ``eur`` (rate 1 on the date),
    ``unknown_currency`` / ``before_first`` (rate columns null), ``stale`` (after the last
    fixing, which is used, or a fixing over ``MAX_RATE_AGE_DAYS`` old), else ``ok``.
    """
    cur, key = "__fx_cur", "__fx_key"
    keys, status, cols, keep = _rate_exprs(currency, on, prefix)
    left = lf.with_columns(*keys)
    # The currencies asked for, read first: the rate table is joined only for those.
    wanted = left.select(pl.col(cur).unique()).collect(**options()).get_column(cur).drop_nulls().to_list()
    right, span = _rates_for(rates, wanted)
    # The as-of join runs on the distinct (currency, date) pairs (a few thousand in a million
    # awards), joined back in the rows' order: no sort of the wide frame.
    looked = (
        left.select(cur, key)
        .unique()
        .sort(key)
        .join_asof(right, on=key, by=cur, strategy="backward", check_sortedness=False)
        .join(span, on=cur, how="left", validate="m:1")
    )
    joined = left.join(looked, on=[cur, key], how="left", validate="m:1", maintain_order="left")
    return joined.with_columns(status).with_columns(cols).select(*keep)


@functools.cache
def _rate_exprs(
    currency: str, on: str, prefix: str
) -> tuple[list[pl.Expr], pl.Expr, list[pl.Expr], list[pl.Expr]]:
    """The expressions of :func:`attach_rates` for these column names, built once (they depend
    on nothing else, and a check asks for them a few times)."""
    cur, key, d = "__fx_cur", "__fx_key", pl.col("__fx_date")
    keys = [
        pl.col(currency).cast(pl.Utf8).str.strip_chars().str.to_uppercase().alias(cur),
        pl.col(on).cast(pl.Date).alias("__fx_date"),
        pl.col(on).cast(pl.Date).fill_null(date(1, 1, 1)).alias(key),
    ]
    too_old = (d - pl.col("__fx_rate_date")).dt.total_days() > MAX_RATE_AGE_DAYS
    status = (
        pl.when(d.is_null()).then(pl.lit("missing_date"))
        .when(pl.col(cur) == "EUR").then(pl.lit("eur"))
        .when(pl.col("__fx_last").is_null()).then(pl.lit("unknown_currency"))
        .when(d < pl.col("__fx_first")).then(pl.lit("before_first"))
        .when((d > pl.col("__fx_last")) | too_old).then(pl.lit("stale"))
        .otherwise(pl.lit("ok"))
    )  # fmt: skip
    st, has = pl.col(f"{prefix}fx_status"), pl.col(f"{prefix}fx_status").is_in(["ok", "stale"])
    eur = {"rate_date": d, "rate": pl.lit("1"), "rate_micro": pl.lit(RATE_SCALE, pl.Int64)}
    eur["rate_source"] = pl.lit("EUR")
    cols = [
        pl.when(st == "eur").then(v).when(has).then(pl.col(f"__fx_{k}")).alias(prefix + k)
        for k, v in eur.items()
    ]
    return keys, status.alias(f"{prefix}fx_status"), cols, [pl.exclude("^__fx_.*$", f"{prefix}fx_status"), st]


__all__ = ["MAX_RATE_AGE_DAYS", "attach_rates", "indexed"]
