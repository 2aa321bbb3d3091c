"""20,000 decisions to XLSX (issue 17): the time of ``render.tables.write`` alone.

Run: ``python bench/xlsx.py [--rows 20000] [--seed 7]``. Generates (seeded) applications and
awards with bench/generate.py, decides them once, then times writing the .xlsx (median of
``--repeat`` runs) and, for comparison, the .csv and .jsonl of the same decisions. Each line
gives the wall time and the CPU time of the process (all threads: on a busy machine the wall
time grows with the load, the CPU time much less), and for .xlsx the time of building the
sheets' frames (flattening, the decisions' JSON) apart from writing them.
"""

from __future__ import annotations

import argparse
import os
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
from deminimis.render import tables  # noqa: E402
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
        print(f"{len(decisions):,} decisions; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        start = time.perf_counter()
        frames = [
            tables.flat_rows(decisions),
            tables.counted_rows(decisions),
            tables.decision_texts(decisions),
        ]
        print(f"frames of the sheets (flat, counted, JSON): {time.perf_counter() - start:.2f} s", end="")
        print(f" ({sum(f.estimated_size() for f in frames) / 1e6:.0f} MB)")
        for suffix in (".xlsx", ".csv", ".jsonl"):
            times, cpu = [], []
            for _ in range(args.repeat):
                start, start_cpu = time.perf_counter(), time.process_time()
                write(decisions, out / f"d{suffix}")
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            size = (out / f"d{suffix}").stat().st_size / 1e6
            print(
                f"write {suffix:6} median {statistics.median(times):6.2f} s wall, "
                f"{statistics.median(cpu):6.2f} s CPU  ({size:.1f} MB)"
            )


if __name__ == "__main__":
    main()
