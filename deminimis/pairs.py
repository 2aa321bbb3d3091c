"""Application × prior award pairs of the same single undertaking, and why each one counts.

``why`` is the one reason shown for a pair (``in_window``, ``before_window``,
``after_grant_date``, ``other_state``, ``eu_central``, ``no_regime``, a register status,
``covid_tf``, ``basis_other``, ``not_de_minimis``); ``counted`` is whether it is summed.
"""

from __future__ import annotations

import functools

import polars as pl

from deminimis.events import copies_in_force
from deminimis.plan import steps
from deminimis.rule_tables import RuleTables
from deminimis.rules import CovidFile

HOME_STATE = "NO"
"""The granting state whose aid is summed (the ceiling is per Member State, 2831 Art 3(2))."""
EU_CENTRAL = "eu_central"
"""EU funds managed centrally by the Commission: not State aid, shown and not summed (recital 14)."""
summed = pl.col("not_summed").is_null()
"""Awards that count when in the window (a register row with another status is shown only)."""


@functools.cache
def _why() -> pl.Expr:
    return (
        pl.when(pl.col("granted_on") > pl.col("grant_date"))
        .then(pl.lit("after_grant_date"))
        .when(~pl.col("own_state"))
        .then(pl.lit("other_state"))
        .when(pl.col("basis") == EU_CENTRAL)
        .then(pl.lit("eu_central"))
        .when(~pl.col("in_force").fill_null(False))
        .then(pl.lit("no_regime"))
        .when(~summed)
        .then(pl.col("not_summed"))
        .when(pl.col("dm") & pl.col("in_window"))
        .then(pl.lit("in_window"))
        .when(pl.col("dm"))
        .then(pl.lit("before_window"))
        .when(pl.col("tf"))
        .then(pl.lit("covid_tf"))
        .when(pl.col("basis") == "other")
        .then(pl.lit("basis_other"))
        .otherwise(pl.lit("not_de_minimis"))
    )


def pairs_of(
    apps: pl.DataFrame, member: pl.DataFrame, aw_all: pl.DataFrame, tables: RuleTables, covid: CovidFile
) -> pl.DataFrame:
    """Every decidable application × every award held by a member of its undertaking.

    In a cumulative batch (``batch_rank`` on both sides) an application of the batch counts only
    for the ones ranked after it. Copies passed on by events are kept only while in force
    (:func:`deminimis.events.copies_in_force`, applied last: it only drops rows)."""
    ranked = "batch_rank" in aw_all.columns and "batch_rank" in apps.columns
    lf = (
        apps.lazy()
        .filter(~pl.col("has_error"))
        .select(
            "idx", "grant_date", "window_from", "entry_id", "in_force", *(["batch_rank"] if ranked else [])
        )
        .join(member.lazy().rename({"orgnr": "holder"}), on="idx")
        .join(
            aw_all.lazy().rename({"fx_status": "aw_fx_status", "batch_rank": "aw_batch_rank"}, strict=False),
            on="holder",
        )
    )
    if ranked:
        rank = pl.col("aw_batch_rank")
        lf = lf.filter(rank.is_null() | (rank < pl.col("batch_rank"))).drop("batch_rank", "aw_batch_rank")
    lf = lf.join(tables.dm_bases.lazy(), on=["entry_id", "basis"], how="left").with_columns(
        in_window=pl.col("granted_on").is_between("window_from", "grant_date").fill_null(False),
        dm=pl.col("dm").fill_null(False),
        # the ceiling is per Member State (Art 3(2)): aid granted by another state is shown, not summed
        own_state=pl.col("country").fill_null(HOME_STATE) == HOME_STATE,
    )
    lf = lf.with_columns(
        in_window=pl.col("in_window") & pl.col("own_state"),
        tf=pl.col("own_state")
        & pl.col("basis").is_in(covid.counts)
        & summed
        & pl.col("granted_on").is_between(pl.lit(covid.counts_from), "grant_date"),
    )
    lf = lf.with_columns(counted=pl.col("dm") & pl.col("in_window") & summed, why=_why())
    return copies_in_force(lf.collect(**steps()), member)


__all__ = ["EU_CENTRAL", "HOME_STATE", "pairs_of", "summed"]
