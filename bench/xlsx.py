"""20,000 decisions to XLSX (issue 17): the time of ``render.tables.write`` alone.

Run: ``python bench/xlsx.py [--rows 20000] [--seed 7]``. Generates (seeded) applications and
awards with bench/generate.py, decides them once, then times writing the .xlsx (median of
``--repeat`` runs) and, for comparison, the .csv and .jsonl of the same decisions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402

from deminimis.api import check_batch  # noqa: E402
from deminimis.render.tables import write  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        paths = generate.generate(
            out, applications=args.rows, awards=args.rows * 5, employer_tax=args.rows // 5, seed=args.seed
        )
        side = {k: paths[k] for k in ("awards", "links", "firms", "employer_tax")}
        decisions = check_batch(paths["applications"], **side).decisions
        print(f"{len(decisions):,} decisions")
        for suffix in (".xlsx", ".csv", ".jsonl"):
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                write(decisions, out / f"d{suffix}")
                times.append(time.perf_counter() - start)
            size = (out / f"d{suffix}").stat().st_size / 1e6
            print(f"write {suffix:6} median {statistics.median(times):6.2f} s  ({size:.1f} MB)")


if __name__ == "__main__":
    main()
