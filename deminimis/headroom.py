"""The headroom calendar: when earlier aid leaves the window, and how much room that frees."""

from __future__ import annotations

import polars as pl

STEP = pl.Struct(
    {"date": pl.Date, "headroom_cents": pl.Int64, "freed_cents": pl.Int64, "max_cur_cents": pl.Int64}
)


def headroom_calendar(
    apps: pl.DataFrame, pairs: pl.DataFrame, et_pairs: pl.DataFrame, lim_bases: pl.DataFrame
) -> pl.DataFrame:
    """``idx``, ``headroom_calendar`` (list of :data:`STEP`) for the applications that do not fit."""
    return pl.DataFrame(schema={"idx": pl.UInt32, "headroom_calendar": pl.List(STEP)})
