"""Recent results and batch runs of this server process, kept by a random id.

Why in memory and a temp dir: a result page, its language toggle, its letter download and its
Reserve button all refer to the same check without sending the figures back and forth, and a
batch's workbook is fetched after the run. ``deminimis serve`` is one process; after a restart
the ids are gone and the page says so. Old entries are dropped beyond :data:`KEEP`.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deminimis.models import Decision, RowError

KEEP = 500


def new_id() -> str:
    return secrets.token_urlsafe(12)


@dataclass
class CheckEntry:
    """One single check: what was typed, the prior aid used, the decision, a reservation."""

    form: dict[str, Any]
    rows: list[dict[str, Any]]
    """Prior-aid records (contract columns, with the ``file`` and ``row`` they were read from)."""
    decision: Decision
    reservation: dict[str, Any] | None = None


@dataclass
class BatchJob:
    """One batch run: its files, its progress and, when done, its outcome."""

    directory: Path
    names: dict[str, str]
    status: str = "running"
    done: int = 0
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    message: str = ""

    @property
    def xlsx(self) -> Path:
        return self.directory / "decisions.xlsx"


class Store:
    """Thread-safe, bounded maps id -> :class:`CheckEntry` and id -> :class:`BatchJob`."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._lock = threading.Lock()
        self.checks: OrderedDict[str, CheckEntry] = OrderedDict()
        self.jobs: OrderedDict[str, BatchJob] = OrderedDict()

    def add_check(self, entry: CheckEntry) -> str:
        key = new_id()
        with self._lock:
            self.checks[key] = entry
            while len(self.checks) > KEEP:
                self.checks.popitem(last=False)
        return key

    @property
    def root(self) -> Path:
        """This server's temporary directory, made on first use (a check needs none)."""
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="deminimis-web-"))
        return self._root

    def new_job(self) -> tuple[str, Path]:
        key = new_id()
        directory = self.root / key
        directory.mkdir()
        with self._lock:
            while len(self.jobs) >= KEEP:
                _, old = self.jobs.popitem(last=False)
                shutil.rmtree(old.directory, ignore_errors=True)
        return key, directory

    def add_job(self, key: str, job: BatchJob) -> None:
        with self._lock:
            self.jobs[key] = job

    def close(self) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)


__all__ = ["KEEP", "BatchJob", "CheckEntry", "Store", "new_id"]
