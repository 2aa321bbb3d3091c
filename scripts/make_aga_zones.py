"""Regenerate deminimis/rules/aga_zones.csv from the research table ../shared/reference/aga_zones.csv.

Adds an `area` column: for rows that cover only the area of a former municipality inside a
merged one ("Only the area of former Finnøy …"), the former municipality name(s), joined by
"|"; empty for the whole municipality or its remaining area. Run from the project root:

    python scripts/make_aga_zones.py ../shared/reference/aga_zones.csv
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "deminimis" / "rules" / "aga_zones.csv"


def area_of(note: str) -> str:
    """'Only the areas of former Gaular (1430), Jølster (1431) …' -> 'Gaular|Jølster|…'."""
    if not note.startswith("Only"):
        return ""
    head = note.split(";")[0]
    names = re.findall(r"former ([A-ZÆØÅ][\wæøå]+)", head) + re.findall(r"([A-ZÆØÅ][\wæøå]+) \(\d{4}", head)
    return "|".join(dict.fromkeys(names))


def main(source: str) -> None:
    data = Path(source).read_bytes()
    rows = list(csv.DictReader(data.decode("utf-8").splitlines()))
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        fh.write(
            "# Employer-tax (arbeidsgiveravgift) zone of every kommunenummer by year, 2019-2026.\n"
            "# source: deminimis research table aga_zones.csv (see employer_tax.md §2 for method and\n"
            "#   confidence: 2024-2026 V via Skatteetaten Kommunekatalog 2026; 2019-2023 D), one source\n"
            "#   URL per row; area = former municipality inside a merged one (empty = whole/rest).\n"
            f"# sha256 of the source table: {hashlib.sha256(data).hexdigest()}\n"
            f"# generated {dt.date.today().isoformat()} by scripts/make_aga_zones.py; do not edit by hand\n"
        )
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(
            [
                "year_from",
                "year_to",
                "kommunenummer",
                "kommunenavn",
                "zone",
                "area",
                "area_note",
                "source_url",
            ]
        )
        for r in rows:
            writer.writerow(
                [
                    r["year_from"],
                    r["year_to"],
                    r["kommunenummer"],
                    r["kommunenavn"],
                    r["zone"],
                    area_of(r["area_note"]),
                    r["area_note"],
                    r["source_url"],
                ]
            )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/aga_zones.csv")
