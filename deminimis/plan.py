"""Which polars engine runs the engine's lazy plans.

Polars 2 runs ``collect()`` on its streaming engine by default. For the small frames of one
check that engine's start-up costs more than the queries (a check took 146 ms of CPU with it
and 111 ms on the in-memory engine), so small runs use the in-memory engine. Larger runs (more
than :data:`SMALL` applications) stay on the default: on the 100,000-application benchmark the
in-memory engine of polars 2.1 failed (``ShapeError: filter predicate length``) on the
concatenated findings plan, which the streaming engine runs correctly. The choice is per run
(a context variable), so concurrent checks of a server and the caller's own polars
configuration are not affected.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import polars as pl

READERS = "in-memory"
"""The engine of the input readers' few lazy plans, whatever the size: the one their eager steps
run on (polars' streaming default costs more to start than a small table's query; the readers'
plans read the 100,000-application benchmark correctly on it)."""
STEPS = "in-memory"
"""The engine of the pipeline's short chains (a few joins and columns each, collected once):
the one polars runs eager steps on, which is what these chains were, at every size."""
SMALL = 100
"""Up to this many applications a run collects on the in-memory engine."""
_ENGINE: ContextVar[str] = ContextVar("deminimis_engine", default="auto")


def engine() -> str:
    """The ``engine=`` of every ``collect`` on a decision path: this run's choice."""
    return _ENGINE.get()


_SMALL_FLAGS = pl.QueryOptFlags.none()
_ALL_FLAGS = pl.QueryOptFlags()


def optimizations() -> pl.QueryOptFlags:
    """The ``optimizations=`` of the engine's collects: none in a small run, all in a large one.

    Why: on the few rows of a check polars spends more time optimising a plan than running it.
    Session 6 kept projection and predicate pushdown and shared-subplan elimination (a check
    was about 10 % faster with the rest off); with those off too a warm ``/v1/check`` went from
    45.7 to 41.3 ms (one polars thread, medians of six rounds of 30, session 8); shared
    subplans alone, or with either pushdown, cost 44.5–45.1 ms. The results are the same
    either way: the test suite's small cases run this way, large runs keep every optimisation.
    """
    return _SMALL_FLAGS if _ENGINE.get() == "in-memory" else _ALL_FLAGS


def options() -> dict[str, Any]:
    """``collect(**options())``: this run's engine and optimizations."""
    return {"engine": engine(), "optimizations": optimizations()}


def steps() -> dict[str, Any]:
    """``collect(**steps())``: a short chain of the pipeline (:data:`STEPS`), this run's
    optimizations."""
    return {"engine": STEPS, "optimizations": optimizations()}


@contextmanager
def sized(applications: int) -> Iterator[None]:
    """Collect on the in-memory engine inside this block when the run is small."""
    token = _ENGINE.set("in-memory" if applications <= SMALL else "auto")
    try:
        yield
    finally:
        _ENGINE.reset(token)
