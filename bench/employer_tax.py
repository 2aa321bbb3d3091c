"""Time spent in the employer-tax steps of one small ``check`` (issue 15, speed).

Runs the README's case (974760673, EUR 150,000 on 2021-05-17 with the fixtures) ``--repeat``
times after a warm-up and prints the median milliseconds of the whole check and of
``employer_tax_window.window_pairs``, ``employer_tax_window.other_aid_nok``,
``employer_tax.canonical_rows`` and ``employer_tax.advantages`` (wrapped with a timer where the
pipeline looks them up).

    python bench/employer_tax.py --repeat 30
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from pathlib import Path

import deminimis
from deminimis import cumulation, employer_tax, employer_tax_window

ROOT = Path(deminimis.__file__).resolve().parents[1]
FIX = ROOT / "fixtures"
TIMES: dict[str, list[float]] = defaultdict(list)


def _timed(module, name: str, label: str) -> None:
    inner = getattr(module, name)

    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            TIMES[label].append((time.perf_counter() - t0) * 1000)

    setattr(module, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    _timed(cumulation, "window_pairs", "window_pairs")
    _timed(employer_tax_window, "other_aid_nok", "other_aid_nok")
    _timed(employer_tax, "advantages", "advantages")
    _timed(employer_tax, "canonical_rows", "canonical_rows")
    options = dict(
        orgnr="974760673",
        amount="150000",
        currency="EUR",
        grant_date="2021-05-17",
        awards=FIX / "awards.csv",
        firms=FIX / "firms.csv",
        links=FIX / "links.csv",
        employer_tax=FIX / "employer_tax.csv",
    )
    deminimis.check(**options)  # warm-up: rules, rates, caches
    TIMES.clear()
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        deminimis.check(**options)
        TIMES["check (whole)"].append((time.perf_counter() - t0) * 1000)
    for label, values in TIMES.items():
        print(f"{label:32s} median {statistics.median(values):7.2f} ms  (n={len(values)})")


if __name__ == "__main__":
    main()
