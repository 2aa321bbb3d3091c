"""The join tables the pipeline derives from the rules, built once per rules object.

Why: the rules are frozen (``Rules`` is an immutable model loaded once per process or server),
yet every check rebuilt the regime table in Python and re-derived its limits, bases and sector
ceilings: about a dozen polars steps per check that depend on nothing of the case.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from deminimis.rule_cache import per_rules
from deminimis.rules import Rules


@dataclass(frozen=True)
class RuleTables:
    entries: pl.DataFrame
    """One row per (scheme, regime entry): validity, regime and window."""
    limits: pl.DataFrame
    """One row per (entry, ceiling test): ``limit_order``, ``limit_counts``, ``ceiling_cents``."""
    limit_bases: pl.DataFrame
    """``entry_id, limit_id, basis``: which bases each ceiling test sums."""
    dm_bases: pl.DataFrame
    """``entry_id, basis, dm``: the bases that count as de minimis aid under the entry."""
    sector_ceilings: pl.DataFrame
    """``entry_id, limit_id, sector, sector_ceiling_cents``: a sector's own ceiling."""
    sectors: pl.DataFrame
    """``sector, prefix, treatment``: the sector of a NACE prefix."""
    gge: pl.DataFrame
    """One row per GGE rules entry (:meth:`deminimis.rules.gge_model.GgeFile.frame`)."""


def rule_tables(rules: Rules) -> RuleTables:
    """The tables of ``rules``, computed on first use (:func:`deminimis.rule_cache.per_rules`)."""
    return per_rules(_tables, rules)


def _tables(rules: Rules) -> RuleTables:
    reg = rules.regime_frame()
    entries = reg.filter(pl.col("limit_order") == 0).select(
        "scheme", "entry_id", "valid_from", "valid_to", "in_force", "regime", "window_kind", "window_years"
    )
    lim = reg.filter(pl.col("limit_id").is_not_null()).unique(["entry_id", "limit_id"], maintain_order=True)
    lim_bases = lim.select("entry_id", "limit_id", pl.col("limit_counts").alias("basis")).explode("basis")
    dm_bases = lim_bases.select("entry_id", "basis").unique().with_columns(dm=pl.lit(True))
    sector_ceilings = (
        lim.select("entry_id", "limit_id", "sector_ceilings")
        .explode("sector_ceilings")
        .drop_nulls("sector_ceilings")
        .unnest("sector_ceilings")
        .rename({"cents": "sector_ceiling_cents"})
    )
    sectors, gge = rules.sector_frame(), rules.gge.frame()
    return RuleTables(entries, lim, lim_bases, dm_bases, sector_ceilings, sectors, gge)


__all__ = ["RuleTables", "rule_tables"]
