"""Write Norway's public holidays 2000–2060 to deminimis/rules/public_holidays_no.csv (run from
the repository root).

    python scripts/make_holidays.py

Why a table: the registration due date (Reg. 2023/2831 Art 6(2), 20 working days) needs the
holidays on every decision, and importing the ``holidays`` package (every country's calendar)
cost about 0.1 s of each `deminimis check`. The table is the package's own list
(``holidays.NO``, without its "every Sunday" entries), so it is the same law as data;
tests/test_registration_holidays.py fails when the installed package disagrees with it, and
years outside the table are still asked of the package.
"""

from __future__ import annotations

import csv
from pathlib import Path

import holidays

OUT = Path(__file__).resolve().parents[1] / "deminimis" / "rules" / "public_holidays_no.csv"
YEARS = range(2000, 2061)


def rows() -> list[dict[str, str]]:
    days = holidays.country_holidays("NO", years=YEARS, include_sundays=False, language="en_US")
    source = f"holidays {holidays.__version__} (holidays.NO, include_sundays=False)"
    return [{"date": d.isoformat(), "name": days[d], "source": source} for d in sorted(days)]


def main() -> None:
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["date", "name", "source"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows())
    print(f"wrote {OUT} ({YEARS.start}–{YEARS.stop - 1})")


if __name__ == "__main__":
    main()
