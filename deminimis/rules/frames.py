"""The rules as polars tables for the pipeline's joins: one row per (scheme, entry, limit),
and one row per (sector, NACE prefix).

Its own module so :mod:`deminimis.rules` keeps the shape of the files and the loader; the
tables are built from a loaded :class:`~deminimis.rules.Rules` (its ``regime_frame`` and
``sector_frame`` call these) and are not part of the cached object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from deminimis.rules import Rules


def regime_frame(rules: Rules) -> pl.DataFrame:
    """One row per (scheme, entry, limit): the join table of the pipeline."""
    rows = []
    for e in rules.regimes.entries:
        for scheme in e.schemes:
            for order, lim in enumerate(e.limits or [None]):
                rows.append(
                    {
                        "scheme": scheme,
                        "entry_id": e.id,
                        "valid_from": e.valid_from,
                        "valid_to": e.valid_to,
                        "in_force": e.in_force,
                        "regime": e.regime,
                        "window_kind": e.window,
                        "window_years": e.window_years,
                        "limit_order": order,
                        "limit_id": lim.id if lim else None,
                        "limit_counts": lim.counts if lim else [],
                        "ceiling_cents": lim.ceiling_eur * 100 if lim else None,
                        "sector_ceilings": [
                            {"sector": k, "cents": v * 100}
                            for k, v in (lim.sector_ceilings_eur if lim else {}).items()
                        ],
                    }
                )
    return pl.DataFrame(
        rows,
        schema_overrides={
            "sector_ceilings": pl.List(pl.Struct({"sector": pl.Utf8, "cents": pl.Int64})),
            "limit_counts": pl.List(pl.Utf8),
            "regime": pl.Utf8,
            "window_kind": pl.Utf8,
            "window_years": pl.Int64,
            "limit_id": pl.Utf8,
            "ceiling_cents": pl.Int64,
        },
    )


def sector_frame(rules: Rules) -> pl.DataFrame:
    rows = [
        {"sector": s.id, "prefix": p, "treatment": s.treatment}
        for s in rules.sectors.sectors
        for p in s.nace_prefixes
    ]
    return pl.DataFrame(rows, schema={"sector": pl.Utf8, "prefix": pl.Utf8, "treatment": pl.Utf8})


__all__ = ["regime_frame", "sector_frame"]
