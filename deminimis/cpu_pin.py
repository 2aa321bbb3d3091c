"""Each server worker on one CPU: where its threads run.

Why: a check is about seventy small polars queries, and with one polars thread per worker
(:mod:`deminimis.threads`) every query still hands its work from the request's thread to
polars' pool thread and back. When the two threads sit on different CPUs, each hand-over wakes
an idle CPU, which on a virtual machine costs 50–100 µs: a filter over three rows took 103 µs
that way and 18 µs with both threads on one CPU, a left join 450 µs against 39 µs. Measured on
a real ``deminimis serve`` (2 vCPUs, 500 sequential ``/v1/check`` requests over loopback),
pinning took the p50 from 52.4 to 36.4 ms and the p99 from 61.8–65.4 to 40.0–42.2 ms
(bench/README.md, session 10). A worker's parallelism is its processes, so nothing is lost
by keeping each on one CPU; ``--workers N`` spreads the workers one per CPU.

The one-application commands (``deminimis check``, ``ledger reserve``) run the same tiny
queries, so they pin themselves too while their input files are small (:func:`pin_small_run`):
a fixtures ``check`` took 0.388 s unpinned and 0.312 s pinned, against 0.18 s for ``import
polars``. With large side files the CPUs are worth more to polars' readers than the hand-over
costs, so those runs are left alone.

Linux only (``os.sched_setaffinity``); elsewhere nothing is pinned and ``serve`` says so.
``DEMINIMIS_PIN_CPU=0`` in the environment keeps a command from pinning itself. This module
imports no polars.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from deminimis.threads import ENV as THREADS_ENV

ENV = "DEMINIMIS_PIN_CPU"
"""``1``: set by ``deminimis serve --workers N`` for its worker processes, each pins itself;
``0``: set by a user, no command pins itself."""
SMALL_INPUT_BYTES = 32 * 1024 * 1024
"""A one-application command pins itself when its input files add up to no more than this."""


def wanted(requested: bool | None, threads: str) -> bool:
    """``--pin-cpu`` / ``--no-pin-cpu``; unsaid: pin when each worker runs one polars thread
    (with more, the worker's own threads want the CPUs) and ``$DEMINIMIS_PIN_CPU`` is not 0.

    >>> wanted(None, "1"), wanted(None, "per core"), wanted(False, "1"), wanted(True, "4")
    (True, False, False, True)
    """
    if requested is None:
        return threads == "1" and os.environ.get(ENV) != "0"
    return requested


def pin(position: int | None = None) -> int | None:
    """Run this process, every thread it has and every thread it will start, on one CPU.

    ``position``: which of the CPUs it may use (modulo their count); default the CPU it runs
    on now. Returns the CPU, or None where nothing can be pinned (not Linux, or one CPU only).
    """
    getter, setter = getattr(os, "sched_getaffinity", None), getattr(os, "sched_setaffinity", None)
    if getter is None or setter is None:
        return None
    allowed = sorted(getter(0))
    if len(allowed) < 2:
        return None
    cpu = allowed[position % len(allowed)] if position is not None else _current(allowed)
    _allow(setter, {cpu})
    return cpu


def pin_small_run(values: Iterable[object]) -> int | None:
    """Pin a one-application command to the CPU it runs on when the files among ``values``
    (its options; directories count with the files in them) add up to at most
    :data:`SMALL_INPUT_BYTES`, unless ``$DEMINIMIS_PIN_CPU`` is 0 or polars is told to run more
    than one thread (``$POLARS_MAX_THREADS``). Call it before polars is imported: the pool then
    has the one thread the process may use."""
    if os.environ.get(ENV) == "0" or os.environ.get(THREADS_ENV, "1").strip() not in ("", "1"):
        return None
    total = 0
    for value in values:
        if isinstance(value, Path):
            total += _bytes(value)
            if total > SMALL_INPUT_BYTES:
                return None
    return pin()


def _bytes(path: Path) -> int:
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return path.stat().st_size
    except OSError:  # the command says what is wrong with it
        return 0


def unpin(cpus: set[int]) -> None:
    """Let this process and its threads run on ``cpus`` again (what ``sched_getaffinity`` gave)."""
    setter = getattr(os, "sched_setaffinity", None)
    if setter is not None:
        _allow(setter, cpus)


def _allow(setter: Callable[[int, set[int]], None], cpus: set[int]) -> None:
    """Every thread of this process on ``cpus`` (affinity is per thread on Linux)."""
    for task in _tasks():
        try:
            setter(task, cpus)
        except OSError:  # a thread that ended meanwhile
            continue


def sibling_position() -> int:
    """This process's place, by process id, among its parent's children: uvicorn starts a
    server's workers one after another, so the k-th worker takes the k-th CPU. Unknown
    (no ``/proc``): the process id, which spreads workers as well as chance does."""
    me, parent = os.getpid(), os.getppid()
    try:
        children = sorted(int(p) for p in Path(f"/proc/{parent}/task/{parent}/children").read_text().split())
    except (OSError, ValueError):
        return me
    return children.index(me) if me in children else me


def _current(allowed: list[int]) -> int:
    """The CPU this process last ran on (``/proc/self/stat``, field 39), if it may use it."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        cpu = int(fields[36])  # fields after the name start at field 3
    except (OSError, ValueError, IndexError):
        return allowed[0]
    return cpu if cpu in allowed else allowed[0]


def _tasks() -> list[int]:
    """The thread ids of this process; 0 (the calling thread) when ``/proc`` cannot be read."""
    try:
        return [int(t) for t in os.listdir("/proc/self/task")]
    except (OSError, ValueError):
        return [0]


__all__ = ["ENV", "SMALL_INPUT_BYTES", "pin", "pin_small_run", "sibling_position", "unpin", "wanted"]
