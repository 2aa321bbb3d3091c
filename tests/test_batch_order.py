"""The rank of each application in its undertaking's order within a batch."""

from __future__ import annotations

import datetime as dt

import polars as pl

from deminimis.batch_order import ranks_in_batch

SCHEMA = {"idx": pl.UInt32, "undertaking_key": pl.Utf8, "grant_date": pl.Date, "application_id": pl.Utf8}


def _apps(*rows: tuple[str | None, dt.date | None, str | None]) -> pl.DataFrame:
    return pl.DataFrame([(i, *r) for i, r in enumerate(rows)], schema=SCHEMA, orient="row")


def test_a_single_check_is_first_and_alone_as_in_a_batch_of_others() -> None:
    day = dt.date(2025, 3, 1)
    for app_id in ("A1", None):
        alone = ranks_in_batch(_apps(("912346803", day, app_id)))
        among = ranks_in_batch(_apps(("912346803", day, app_id), ("974760673", day, "B")))
        assert alone.equals(among.filter(pl.col("idx") == 0))
        assert alone.row(0, named=True) == {"idx": 0, "rank": 1, "batch_others": [], "batch_others_n": 0}


def test_an_application_without_a_date_has_no_rank() -> None:
    assert ranks_in_batch(_apps(("912346803", None, "A1"))).is_empty()


def test_two_applications_of_one_undertaking_are_ranked_by_grant_date() -> None:
    may, jan, feb = dt.date(2025, 5, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1)
    ranks = ranks_in_batch(_apps(("u", may, "late"), ("u", jan, "early"), ("v", feb, "x"))).sort("idx")
    assert ranks["rank"].to_list() == [2, 1, 1]
    assert ranks["batch_others"].to_list() == [["early"], ["late"], []]
    assert ranks["batch_others_n"].to_list() == [1, 1, 0]
