"""Prior awards as the pipeline uses them: EUR at their own date, the undertaking, each once.

Why apart from :mod:`deminimis.cumulation`: every award source (a file, the ledger, a request,
an earlier application of the batch) arrives here as one typed table; converting, keying and
counting an award held twice once (:mod:`deminimis.counted_once`) is one step of its own.
"""

from __future__ import annotations

import polars as pl

from deminimis import fx
from deminimis.counted_once import merge_sources
from deminimis.money import to_eur_cents_expr
from deminimis.plan import options
from deminimis.sources import schemas

ERROR_COLUMNS = ("file", "row", "field", "message", "orgnr")


def fx_errors(frame: pl.DataFrame, date_field: str, keep: list[str]) -> pl.DataFrame:
    """Rows whose date is before the currency's first published rate."""
    return frame.filter(pl.col("fx_status") == "before_first").select(
        *keep,
        pl.lit(date_field).alias("field"),
        pl.format(
            "no ECB reference rate for {} on or before {} (the series starts later)",
            pl.col("currency"),
            pl.col(date_field).cast(pl.Utf8),
        ).alias("message"),
    )


def with_origin(awards: pl.DataFrame) -> pl.DataFrame:
    """``origin`` (which input holds the row: default its file) and ``source`` (default ``awards``)."""
    if awards.is_empty() and "orgnr" not in awards.columns:
        return schemas.empty("awards")
    if "origin" not in awards.columns:
        awards = awards.with_columns(origin=pl.col("file"))
    if "source" not in awards.columns:
        awards = awards.with_columns(source=pl.lit("awards"))
    return awards


def prior_awards(
    awards: pl.DataFrame, award_errors: pl.DataFrame, rates: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(awards with ``aw_idx``, rate, ``eur_cents``, ``sources``, ``near`` and ``duplicate``;
    the award errors with those before the first ECB rate). The single undertaking of each
    application is joined later, by member (:func:`deminimis.undertaking.perimeters`)."""
    aw = with_origin(awards).with_row_index("aw_idx")
    aw = (
        fx.attach_rates(aw.lazy(), rates, currency="currency", on="granted_on")
        .with_columns(eur_cents=to_eur_cents_expr(pl.col("amount_cents"), pl.col("rate_micro")))
        .collect(**options())
    )
    aw = merge_sources(aw).with_columns(
        duplicate=pl.struct("orgnr", "granted_on", "amount_cents", "currency", "reference").is_duplicated(),
    )
    errors = pl.concat(
        [
            award_errors.select(ERROR_COLUMNS),
            fx_errors(aw, "granted_on", ["file", "row", "orgnr"]).select(ERROR_COLUMNS),
        ]
    )
    return aw.filter(pl.col("fx_status") != "before_first"), errors


__all__ = ["fx_errors", "prior_awards", "with_origin"]
