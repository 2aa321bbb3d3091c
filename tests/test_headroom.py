"""The headroom calendar's date arithmetic: the inverse of the window (contract §4 "Windows")."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from deminimis.windows import leaves_window_expr, window_from_expr


@pytest.mark.parametrize(
    ("kind", "fiscal_year_start"),
    [("three_fiscal_years", "01-01"), ("three_fiscal_years", "07-01"), ("rolling_three_years", "01-01")],
)
def test_aid_leaves_on_the_first_date_whose_window_starts_after_it(kind: str, fiscal_year_start: str) -> None:
    days = pl.date_range(dt.date(2022, 1, 1), dt.date(2026, 12, 31), eager=True)  # 2024 and 2028 leap years
    frame = pl.DataFrame({"last": days}).with_columns(
        kind=pl.lit(kind), years=pl.lit(3), fys=pl.lit(fiscal_year_start)
    )
    frame = frame.with_columns(leaves=leaves_window_expr("last", "kind", "years", "fys"))
    frame = frame.with_columns(before=pl.col("leaves").dt.offset_by("-1d")).with_columns(
        from_then=window_from_expr("leaves", "kind", "years", "fys"),
        from_day_before=window_from_expr("before", "kind", "years", "fys"),
    )
    assert frame["leaves"].null_count() == 0
    assert (frame["from_then"] > frame["last"]).all()  # gone on that date
    assert (frame["from_day_before"] <= frame["last"]).all()  # still counted the day before


@pytest.mark.parametrize(
    ("last", "kind", "leaves"),
    [
        (dt.date(2019, 6, 12), "three_fiscal_years", dt.date(2022, 1, 1)),
        (dt.date(2022, 3, 10), "rolling_three_years", dt.date(2025, 3, 11)),
        (dt.date(2024, 2, 29), "rolling_three_years", dt.date(2027, 3, 1)),
        # 2028-02-29's window starts on 2025-02-28 (29 February -> 28 February), so the aid stays a day more.
        (dt.date(2025, 2, 28), "rolling_three_years", dt.date(2028, 3, 1)),
    ],
)
def test_leave_dates_by_hand(last: dt.date, kind: str, leaves: dt.date) -> None:
    frame = pl.DataFrame({"last": [last], "kind": [kind], "years": [3], "fys": ["01-01"]})
    assert frame.select(leaves_window_expr("last", "kind", "years", "fys")).item() == leaves
