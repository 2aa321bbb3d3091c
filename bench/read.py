"""The read+validate phase of ``deminimis batch`` against the polars read floor (issue 18).

    python bench/read.py [--size S|M|L] [--repeat 3]

On one generated dataset (``bench/generate.py``; made when missing) it times, in this
process, min of ``--repeat``:

- the floor: ``polars.read_csv`` of the five inputs, every cell as text;
- read+validate: ``deminimis.api.check_batch`` up to the engine, i.e. everything before
  ``deminimis.case.run_batch`` (reading, header search, ignored rows, every field rule, the
  errors table, firm facts), stopped there; the rules and rate table are loaded once before;
- the same split by step (each table's reading and typing, the undertaking members).

Both wall time and CPU time of the process (all threads) are printed: the machine is shared,
so the wall time follows the load and the CPU time much less.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import generate  # noqa: E402

STEPS = {
    "api": ["read_report"],
    "case": ["awards_table", "links_table", "read_all", "_members", "firm_facts", "register_evidence"],
    "tables": ["canonical_applications", "canonical_firms"],
    "employer_tax": ["canonical_rows"],
}


class _Stop(Exception):
    """Raised where the engine would start."""


def _timed(spent: collections.Counter, name: str, func):
    def inner(*args, **kwargs):
        start = time.process_time()
        try:
            return func(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - start

    return inner


def _best(runs: list[tuple[float, float]]) -> str:
    return f"wall {min(w for w, _ in runs):6.2f} s   CPU {min(c for _, c in runs):6.2f} s"


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--size", choices=list(generate.SIZES), default="L")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    paths = generate.generate_size(args.size, generate.DEFAULT_OUT, args.seed)

    import polars as pl

    from deminimis import api, case, employer_tax
    from deminimis.sources import tables

    floor = []
    for _ in range(args.repeat):
        w, c = time.perf_counter(), time.process_time()
        for p in paths.values():
            pl.read_csv(p, infer_schema=False)
        floor.append((time.perf_counter() - w, time.process_time() - c))

    spent: collections.Counter = collections.Counter()
    for module, names in zip((api, case, tables, employer_tax), STEPS.values(), strict=True):
        for name in names:
            setattr(module, name, _timed(spent, name, getattr(module, name)))
    ctx = case.Context.load()
    case.Context.load = classmethod(lambda cls, *a, **k: ctx)  # type: ignore[method-assign]
    case.run_batch = lambda *a, **k: (_ for _ in ()).throw(_Stop())  # type: ignore[assignment]
    runs, steps = [], []
    for _ in range(args.repeat):
        spent.clear()
        w, c = time.perf_counter(), time.process_time()
        with contextlib.suppress(_Stop):
            api.check_batch(
                paths["applications"],
                awards=paths["awards"],
                links=paths["links"],
                firms=paths["firms"],
                employer_tax=paths["employer_tax"],
            )
        runs.append((time.perf_counter() - w, time.process_time() - c))
        steps.append(dict(spent))
    mb = sum(p.stat().st_size for p in paths.values()) / 1e6
    print(f"== size {args.size}: five inputs, {mb:.1f} MB; min of {args.repeat}")
    print(f"floor (polars read_csv)   {_best(floor)}")
    print(f"read+validate             {_best(runs)}")
    quickest = steps[min(range(len(runs)), key=lambda i: runs[i][1])]
    for name, cpu in sorted(quickest.items(), key=lambda kv: -kv[1]):
        print(f"    {name:24s} CPU {cpu:6.2f} s")


if __name__ == "__main__":
    main()
