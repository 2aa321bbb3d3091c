"""Ceiling tests: every limit of each application's regime entry, and the binding one.

A test sums the prior aid of the bases it counts (``limit_counts``) plus, where it counts
employer tax, the zone Ia advantage of the window; the sector's own ceiling replaces the
general one where the entry gives one. The binding test is the one with the smallest headroom
(then the entry's order); ``limits`` keeps them all, in the entry's order.
"""

from __future__ import annotations

import polars as pl

from deminimis.pairs import summed
from deminimis.plan import steps
from deminimis.rule_tables import RuleTables
from deminimis.rules import EMPLOYER_TAX


def _employer_tax_sums(
    apps: pl.LazyFrame, et_pairs: pl.DataFrame, et_missing: pl.DataFrame, missing_rule: str
) -> pl.LazyFrame:
    """``apps`` with the employer-tax advantage counted (NOK, EUR) and the members without rows."""
    et_sum = (
        et_pairs.lazy()
        .filter(pl.col("counted"))
        .group_by("idx")
        .agg(et_nok_cents=pl.col("advantage_cents").sum(), et_eur_cents=pl.col("eur_cents").sum())
    )
    missing = (
        apps.select("idx", "members", "grant_date", "window_from")
        .explode("members")
        .join(et_missing.lazy().rename({"orgnr": "members"}), on="members")
        .filter(pl.col("year").is_between(pl.col("window_from").dt.year(), pl.col("grant_date").dt.year()))
        .group_by("idx")
        .agg(et_missing=pl.col("members").unique().sort())
    )
    return (
        apps.join(et_sum, on="idx", how="left")
        .join(missing, on="idx", how="left")
        .with_columns(
            pl.col("et_nok_cents", "et_eur_cents").fill_null(0),
            et_assumed=pl.lit(missing_rule == "assume-max"),
        )
    )


def limits_of(
    apps: pl.DataFrame,
    pairs: pl.DataFrame,
    et_pairs: pl.DataFrame,
    et_missing: pl.DataFrame,
    tables: RuleTables,
    missing_rule: str,
) -> pl.DataFrame:
    """``apps`` with the employer-tax sums, the binding test (``limit_id``, ``ceiling_cents``,
    ``prior_cents``, ``et_cents``, ``headroom_cents``) and ``limits`` (every test)."""
    sums = (
        pairs.lazy()
        .filter(pl.col("in_window") & summed)
        .join(tables.limit_bases.lazy(), on=["entry_id", "basis"])
        .group_by("idx", "limit_id")
        .agg(pl.col("eur_cents").sum().alias("prior_cents"))
    )
    lf = _employer_tax_sums(apps.lazy(), et_pairs, et_missing, missing_rule)
    tests = (
        lf.filter(pl.col("in_force").fill_null(False) & ~pl.col("has_error"))
        .select("idx", "entry_id", "sector", "et_eur_cents")
        .join(
            tables.limits.lazy().select(
                "entry_id", "limit_id", "limit_order", "limit_counts", "ceiling_cents"
            ),
            on="entry_id",
        )
        .join(tables.sector_ceilings.lazy(), on=["entry_id", "limit_id", "sector"], how="left")
        .join(sums, on=["idx", "limit_id"], how="left")
        .with_columns(
            ceiling_cents=pl.coalesce("sector_ceiling_cents", "ceiling_cents"),
            prior_cents=pl.col("prior_cents").fill_null(0),
            et_cents=pl.col("et_eur_cents") * pl.col("limit_counts").list.contains(EMPLOYER_TAX),
        )
        .with_columns(headroom_cents=pl.col("ceiling_cents") - pl.col("prior_cents") - pl.col("et_cents"))
    )
    binding = (
        tests.sort("idx", "headroom_cents", "limit_order")
        .group_by("idx", maintain_order=True)
        .agg(
            pl.col("limit_id", "ceiling_cents", "prior_cents", "et_cents", "headroom_cents").first(),
            pl.struct("limit_id", "ceiling_cents", "prior_cents", "headroom_cents")
            .sort_by("limit_order")
            .alias("limits"),
        )
    )
    return lf.join(binding, on="idx", how="left").collect(**steps())


__all__ = ["limits_of"]
