"""The period over which prior de minimis aid is summed (contract §4 "Windows").

* ``three_fiscal_years`` (Reg. 1407/2013, 360/2012 Art 3(2)): from the first day of the
  fiscal year two years before the one holding the grant date, to the grant date.
  A grant in March 2017 looks back to FY 2015, 2016 and 2017 — not forward (EXT-06).
* ``rolling_three_years`` (Reg. 2023/2831, 2023/2832): from the same day three years
  earlier (29 February -> 28 February) to the grant date.

Both ends are inclusive: aid exactly three years old is counted (the conservative
reading of open question Q4). The number of years comes from the rules data.
"""

from __future__ import annotations

import polars as pl


def window_from_expr(grant_date: str, kind: str, years: str, fiscal_year_start: str) -> pl.Expr:
    """First day of the window, from column names of the grant date, kind, years and MM-DD."""
    g = pl.col(grant_date)
    fy_this = pl.concat_str(g.dt.year().cast(pl.Utf8), pl.lit("-"), pl.col(fiscal_year_start)).str.to_date(
        "%Y-%m-%d", strict=False
    )
    fy_start = pl.when(g >= fy_this).then(fy_this).otherwise(fy_this.dt.offset_by("-1y"))
    n = pl.col(years)
    return (
        pl.when(pl.col(kind) == "three_fiscal_years")
        .then(fy_start.dt.offset_by(pl.format("-{}y", n - 1)))
        .when(pl.col(kind) == "rolling_three_years")
        .then(g.dt.offset_by(pl.format("-{}y", n)))
    )


__all__ = ["window_from_expr"]
