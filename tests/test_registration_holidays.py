"""The shipped table of Norway's public holidays is the ``holidays`` package's own list.

Why: the registration due date (Art 6(2), 20 working days) reads the table instead of importing
the package on every check; this test fails when the installed package (a newer law, a fixed
date) disagrees with the table (regenerate it with ``python scripts/make_holidays.py``).
"""

from __future__ import annotations

import datetime as dt

import holidays

from deminimis import registration


def test_the_shipped_holidays_are_the_packages_list_for_every_year_of_the_table() -> None:
    years = range(2000, 2061)
    package = tuple(sorted(holidays.country_holidays("NO", years=years, include_sundays=False)))
    assert registration.public_holidays(2000, 2060) == package
    assert set(registration._shipped_no()) == set(years)


def test_years_outside_the_table_still_come_from_the_package() -> None:
    later = registration.public_holidays(2070, 2070)
    assert dt.date(2070, 5, 17) in later and dt.date(2070, 12, 25) in later
    assert registration.due_date(dt.date(2026, 12, 18)) == dt.date(2027, 1, 19)  # Christmas and New Year
