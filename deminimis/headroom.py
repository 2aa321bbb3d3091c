"""The headroom calendar: when earlier aid leaves the window, and the room each date gives.

Why: when a grant does not fit, the officer's next question is *when* it would. For every
application whose new aid exceeds its de minimis headroom, each date on which some of the
aid counted today leaves the window (:func:`deminimis.windows.leaves_window_expr`) gets
the headroom a grant on that date would have: ceiling − the aid counted today that is
still inside that date's window, the smallest over the entry's ceiling tests. The list
stops at the first date on which the new aid fits, and at the end of the regime that
decided the application (its rules entry's ``valid_to``): a later regulation has its own
ceiling and window.

It counts only the aid known today: aid granted later, and employer-tax advantage of years
not yet declared, would lower it. ``max_cur_cents`` converts the room at the grant date's
rate (an estimate: the rate of the later date is not known).
"""

from __future__ import annotations

import polars as pl

from deminimis.money import from_eur_cents_floor_expr
from deminimis.rules import EMPLOYER_TAX
from deminimis.windows import leaves_window_expr

STEP = pl.Struct(
    {"date": pl.Date, "headroom_cents": pl.Int64, "freed_cents": pl.Int64, "max_cur_cents": pl.Int64}
)
"""One calendar entry; rendered as ``{"date", "headroom_eur", "freed_eur", "max_grant"}``."""

_WINDOW = ["window_kind", "window_years", "fiscal_year_start", "valid_to"]


def headroom_calendar(
    apps: pl.DataFrame, pairs: pl.DataFrame, et_pairs: pl.DataFrame, lim_bases: pl.DataFrame
) -> pl.DataFrame:
    """``idx``, ``headroom_calendar`` (list of :data:`STEP`) for the applications that do not fit.

    ``apps`` are the decided applications (binding ``headroom_cents``, ``limits`` per ceiling
    test, ``new_cents``, ``route``); ``pairs``/``et_pairs`` the application × award and
    application × employer-tax pairs; ``lim_bases`` which bases each ceiling test counts.
    """
    short = apps.filter(
        pl.col("route").is_in(["gber", "covid_tf"])
        & pl.col("limit_id").is_not_null()
        & (pl.col("new_cents") > pl.col("headroom_cents"))
    )
    if short.is_empty():
        return pl.DataFrame(schema={"idx": pl.UInt32, "headroom_calendar": pl.List(STEP)})

    # Aid counted today, per ceiling test, with the last day it is dated (award date, period end).
    aid = pl.concat(
        [
            pairs.filter(pl.col("counted")).select("idx", "basis", "eur_cents", last="granted_on"),
            et_pairs.filter(pl.col("counted")).select(
                "idx", pl.lit(EMPLOYER_TAX).alias("basis"), "eur_cents", last="year_end"
            ),
        ]
    )
    tests = short.select("idx", "entry_id", "limits").explode("limits").unnest("limits")
    freed = (
        aid.join(short.select("idx", *_WINDOW), on="idx")
        .join(tests.select("idx", "entry_id", "limit_id"), on="idx")
        .join(lim_bases, on=["entry_id", "limit_id", "basis"])
        .with_columns(leaves=leaves_window_expr("last", *_WINDOW[:3]))
        .filter(pl.col("leaves") <= pl.col("valid_to"))
        .group_by("idx", "limit_id", "leaves")
        .agg(pl.col("eur_cents").sum())
    )

    # Room of every test on every date (today's headroom + what has left), the smallest binds.
    room = (
        freed.select("idx", "leaves")
        .unique()
        .join(tests.select("idx", "limit_id", "headroom_cents"), on="idx")
        .join(freed, on=["idx", "limit_id", "leaves"], how="left")
        .sort("idx", "limit_id", "leaves")
        .with_columns(
            room=pl.col("headroom_cents") + pl.col("eur_cents").fill_null(0).cum_sum().over("idx", "limit_id")
        )
        .group_by("idx", "leaves")
        .agg(pl.col("room").min())
    )
    steps = (
        room.join(short.select("idx", "new_cents", "app_rate_micro", today="headroom_cents"), on="idx")
        .sort("idx", "leaves")
        .with_columns(
            freed_cents=pl.col("room") - pl.col("room").shift(1).over("idx").fill_null(pl.col("today")),
            fits_before=(pl.col("room") >= pl.col("new_cents")).cum_sum().over("idx")
            - (pl.col("room") >= pl.col("new_cents")),
        )
        .filter(pl.col("fits_before") == 0)  # up to and including the first date the new aid fits
    )
    return steps.group_by("idx", maintain_order=True).agg(
        headroom_calendar=pl.struct(
            date="leaves",
            headroom_cents="room",
            freed_cents="freed_cents",
            max_cur_cents=from_eur_cents_floor_expr(
                pl.max_horizontal("room", pl.lit(0)), pl.col("app_rate_micro")
            ),
        ).cast(STEP)
    )


__all__ = ["STEP", "headroom_calendar"]
