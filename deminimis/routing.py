"""Routing: where a grant goes (contract §4 "Routing").

In this order:

1. ``error`` — the row (or a prior-aid row of its undertaking) could not be read;
2. ``manual_review`` — primary agriculture or fishery/aquaculture NACE (Art 1(1)),
   a grant date with no de minimis regulation in force (the 2024 gap) or outside the
   rules data; export-linked aid or aid tied to domestic goods (Art 1(1)(e)-(f)); a loan or
   guarantee whose GGE cannot be set (``gge_review``, :mod:`deminimis.gge`);
   then ``gber`` for a capital injection above the ceiling (not transparent, Art 4(4));
3. ``de_minimis`` — counted total + new aid ≤ ceiling for every ceiling test
   (exactly at the ceiling passes; one cent over fails: Art 3(7), all or nothing);
4. ``covid_tf`` — scheme ``covid_tf_3_1``, the municipal scheme open on the grant date,
   the undertaking's TF 3.1 total within the scheme cap, and no declaration of
   difficulty on 31.12.2019;
5. ``gber`` — otherwise: the officer must find a GBER article (or notify, or refuse).
"""

from __future__ import annotations

import functools

import polars as pl


@functools.cache
def route_expr() -> pl.Expr:
    """The route column, from the pipeline's columns."""
    fits = pl.col("new_cents") <= pl.col("headroom_cents")
    covid_ok = (
        (pl.col("scheme") == "covid_tf_3_1")
        & pl.col("cap_cents").is_not_null()
        & (pl.col("tf_prior_cents") + pl.col("new_cents") <= pl.col("cap_cents"))
        & ~pl.col("in_difficulty_2019").fill_null(False)
    )
    return (
        pl.when(pl.col("has_error"))
        .then(pl.lit("error"))
        .when(pl.col("treatment") == "manual_review")
        .then(pl.lit("manual_review"))
        .when(~pl.col("in_force").fill_null(False))
        .then(pl.lit("manual_review"))
        .when(pl.col("gge_review").is_not_null())
        .then(pl.lit("manual_review"))
        .when(pl.col("gge_block").is_not_null())
        .then(pl.lit("gber"))
        .when(fits)
        .then(pl.lit("de_minimis"))
        .when(covid_ok)
        .then(pl.lit("covid_tf"))
        .otherwise(pl.lit("gber"))
    )


__all__ = ["route_expr"]
