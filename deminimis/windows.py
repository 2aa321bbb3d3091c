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


def _fiscal_year_start(day: pl.Expr, fiscal_year_start: str) -> pl.Expr:
    """First day of the fiscal year holding ``day`` (the year starts on the ``MM-DD`` column)."""
    this_year = pl.concat_str(day.dt.year().cast(pl.Utf8), pl.lit("-"), pl.col(fiscal_year_start))
    start = this_year.str.to_date("%Y-%m-%d", strict=False)
    return pl.when(day >= start).then(start).otherwise(start.dt.offset_by("-1y"))


def window_from_expr(grant_date: str, kind: str, years: str, fiscal_year_start: str) -> pl.Expr:
    """First day of the window, from column names of the grant date, kind, years and MM-DD."""
    g = pl.col(grant_date)
    fy_start = _fiscal_year_start(g, fiscal_year_start)
    n = pl.col(years)
    return (
        pl.when(pl.col(kind) == "three_fiscal_years")
        .then(fy_start.dt.offset_by(pl.format("-{}y", n - 1)))
        .when(pl.col(kind) == "rolling_three_years")
        .then(g.dt.offset_by(pl.format("-{}y", n)))
    )


def leaves_window_expr(last_day: str, kind: str, years: str, fiscal_year_start: str) -> pl.Expr:
    """First grant date whose window no longer holds aid dated up to ``last_day``.

    The inverse of :func:`window_from_expr`: three fiscal years -> the first day of the
    fiscal year ``years`` after the aid's own; rolling -> the day after the aid's
    ``years``-th anniversary (a day later when that anniversary lands on 28 February and
    the window of the next day, 29 February, still starts on it).
    """
    e = pl.col(last_day)
    n = pl.col(years)
    fy_start = _fiscal_year_start(e, fiscal_year_start)
    after = e.dt.offset_by(pl.format("{}y", n)).dt.offset_by("1d")
    rolling = (
        pl.when(after.dt.offset_by(pl.format("-{}y", n)) > e).then(after).otherwise(after.dt.offset_by("1d"))
    )
    return (
        pl.when(pl.col(kind) == "three_fiscal_years")
        .then(fy_start.dt.offset_by(pl.format("{}y", n)))
        .when(pl.col(kind) == "rolling_three_years")
        .then(rolling)
    )


__all__ = ["leaves_window_expr", "window_from_expr"]
