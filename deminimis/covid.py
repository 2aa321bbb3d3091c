"""Covid-19 Temporary Framework 3.1: the municipal scheme's cap per undertaking.

A grant under scheme ``covid_tf_3_1`` can go to the compensation scheme (ESA decision
031/21/COL) only on a date the scheme was open; all TF 3.1 aid the undertaking received
since the framework began, plus the new aid, must stay within the scheme cap of that date
(``rules/covid_tf.toml``). TF aid never uses de minimis headroom, nor the reverse.
"""

from __future__ import annotations

import polars as pl

from deminimis.rules import CovidFile


def covid_caps(apps: pl.LazyFrame, pairs: pl.LazyFrame, covid: CovidFile) -> pl.LazyFrame:
    """Add ``cap_id``, ``cap_cents`` (null when the scheme is closed) and ``tf_prior_cents``."""
    caps = pl.DataFrame(
        [
            {"cap_id": c.id, "cap_from": c.valid_from, "cap_to": c.valid_to, "cap_cents": c.cap_eur * 100}
            for c in covid.scheme
        ]
    ).lazy()
    cap_hit = (
        apps.filter(pl.col("scheme") == "covid_tf_3_1")
        .select("idx", "grant_date")
        .join(caps, how="cross")
        .filter(pl.col("grant_date").is_between("cap_from", "cap_to"))
        .select("idx", "cap_id", "cap_cents")
    )
    tf_prior = (
        pairs.filter(pl.col("tf")).group_by("idx").agg(pl.col("eur_cents").sum().alias("tf_prior_cents"))
    )
    return (
        apps.join(cap_hit, on="idx", how="left")
        .join(tf_prior, on="idx", how="left")
        .with_columns(tf_prior_cents=pl.col("tf_prior_cents").fill_null(0))
    )


__all__ = ["covid_caps"]
