"""How many threads polars runs with in a server process.

Why: one check is about seventy small polars queries over a few rows each, and waking polars'
thread pool for each costs more than the pool gains. On the 2-core benchmark machine
``/v1/check`` answered in p50 41.5 ms, p99 58.2 ms with polars' default (one thread per core)
and in p50 32.3 ms, p99 43.5 ms with one thread (bench/README.md, session 8). A server runs
its checks side by side in worker processes (``deminimis serve --workers N``), so each worker
gets one polars thread unless told otherwise. Polars reads the count once, when it is first
imported, so it is set before that (this module imports no polars).
"""

from __future__ import annotations

import os
import sys

from deminimis.errors import InputError

ENV = "POLARS_MAX_THREADS"
"""Polars' own setting: the size of its thread pool, read when polars is imported."""
SERVER_DEFAULT = 1
"""Polars threads per server worker when neither ``--polars-threads`` nor :data:`ENV` says."""


def configure(requested: int | None) -> tuple[str, str | None]:
    """Set the polars threads of this process and of the workers it starts.

    ``requested``: a count, 0 for polars' default (one per core), None for :data:`ENV` if set,
    else :data:`SERVER_DEFAULT`. Returns the count as said on stderr (``"1"``, ``"per core"``)
    and a note when polars is already loaded here with another count (then only new worker
    processes get it).

    >>> import os; saved = os.environ.pop(ENV, None)
    >>> configure(0)[0], ENV in os.environ
    ('per core', False)
    >>> configure(None)[0], os.environ[ENV]
    ('1', '1')
    >>> configure(4)[0]
    '4'
    >>> _ = os.environ.pop(ENV); os.environ.update({ENV: saved} if saved else {})
    """
    if requested is None:
        requested = _from_env()
    if requested:
        os.environ[ENV] = str(requested)
    else:
        os.environ.pop(ENV, None)
    said = str(requested) if requested else "per core"
    polars = sys.modules.get("polars")
    if polars is None:
        return said, None
    loaded = polars.thread_pool_size()
    if not requested or requested == loaded:
        return said, None
    return said, (
        f"polars was loaded before the thread count was set: this process keeps {loaded} "
        f"threads (new worker processes get {said})"
    )


def _from_env() -> int:
    value = os.environ.get(ENV, "").strip()
    if not value:
        return SERVER_DEFAULT
    if not value.isdigit():
        raise InputError(f"${ENV} is {value!r}: give a whole number of threads (0: one per core)")
    return int(value)


__all__ = ["ENV", "SERVER_DEFAULT", "configure"]
