"""Results of the page's single checks and its batch runs, kept by a random id.

Why kept at all: a result page, its language toggle, its letter download and its Reserve
button all refer to the same check without sending the figures back and forth, and a batch's
workbook is fetched after the run.

Where: with a ledger, in the ledger database (tables ``web_checks`` and ``web_batches``,
:mod:`deminimis.ledger.schema`), so that every worker of ``deminimis serve --workers N`` sees
them and a restart loses none; the newest :data:`DB_KEEP_CHECKS` checks and
:data:`DB_KEEP_BATCHES` runs are kept. Without a ledger (``--no-ledger``, or
``--optional-ledger`` and none there), in this process's memory (:class:`MemoryStore`, the
newest :data:`KEEP` of each): one process, and a restart forgets them (the page says so).

A batch's uploads wait in a temporary directory of this process while the run lasts; a run
whose process stopped (no progress for :data:`STALE_AFTER`) is shown as failed.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from deminimis.ledger import Ledger
from deminimis.ledger.db import utcnow
from deminimis.ledger.prior import Row
from deminimis.ledger.schema import web_batches, web_checks
from deminimis.models import Decision, RowError

KEEP = 500
DB_KEEP_CHECKS = 10_000
DB_KEEP_BATCHES = 500
STALE_AFTER = dt.timedelta(minutes=10)
STOPPED = "the server stopped during this run; upload the file again"


def new_id() -> str:
    return secrets.token_urlsafe(12)


@dataclass
class CheckEntry:
    """One single check: what was typed, the prior aid used, the decision, a reservation."""

    form: dict[str, Any]
    rows: list[Row]
    decision: Decision
    reservation: dict[str, Any] | None = None


@dataclass
class BatchJob:
    """One batch run: its uploads (while it runs), its progress and, when done, its outcome."""

    directory: Path | None
    names: dict[str, str]
    key: str = ""
    status: str = "running"
    done: int = 0
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    message: str = ""
    workbook: bytes | None = None
    """The decisions workbook (.xlsx) once the run is done."""


class _Uploads:
    """This process's temporary directory for batch uploads, made on first use."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._lock = threading.Lock()

    def new_job(self) -> tuple[str, Path]:
        """A new run id and an empty directory for its uploads."""
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="deminimis-web-"))
        key = new_id()
        directory = self._root / key
        directory.mkdir()
        return key, directory

    def close(self) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)


class MemoryStore(_Uploads):
    """Thread-safe, bounded maps id -> :class:`CheckEntry` and id -> :class:`BatchJob`."""

    def __init__(self) -> None:
        super().__init__()
        self.checks: OrderedDict[str, CheckEntry] = OrderedDict()
        self.jobs: OrderedDict[str, BatchJob] = OrderedDict()

    def add_check(self, entry: CheckEntry) -> str:
        key = new_id()
        self.save_check(key, entry)
        return key

    def save_check(self, key: str, entry: CheckEntry) -> None:
        with self._lock:
            self.checks[key] = entry
            while len(self.checks) > KEEP:
                self.checks.popitem(last=False)

    def get_check(self, key: str) -> CheckEntry | None:
        return self.checks.get(key)

    def save_job(self, job: BatchJob) -> None:
        with self._lock:
            self.jobs[job.key] = job
            while len(self.jobs) > KEEP:
                _, old = self.jobs.popitem(last=False)
                if old.directory is not None:
                    shutil.rmtree(old.directory, ignore_errors=True)

    def get_job(self, key: str) -> BatchJob | None:
        return self.jobs.get(key)


class LedgerStore(_Uploads):
    """The same, in the ledger database (see the module docstring)."""

    def __init__(self, ledger: Ledger) -> None:
        super().__init__()
        self.ledger = ledger

    def add_check(self, entry: CheckEntry) -> str:
        key = new_id()
        now = utcnow()
        with self.ledger.write(locked=False) as conn:
            conn.execute(sa.insert(web_checks).values(id=key, created_at=now, **_check_values(entry)))
            _prune(conn, web_checks, DB_KEEP_CHECKS)
        return key

    def save_check(self, key: str, entry: CheckEntry) -> None:
        with self.ledger.write(locked=False) as conn:
            conn.execute(sa.update(web_checks).where(web_checks.c.id == key).values(_check_values(entry)))

    def get_check(self, key: str) -> CheckEntry | None:
        with self.ledger.read() as conn:
            row = conn.execute(sa.select(web_checks).where(web_checks.c.id == key)).mappings().first()
        if row is None:
            return None
        decision = Decision.model_validate(row["decision"])
        return CheckEntry(row["form"], row["rows"], decision, row["reservation"])

    def save_job(self, job: BatchJob) -> None:
        values = {
            "updated_at": utcnow(),
            "names": job.names,
            "status": job.status,
            "done": job.done,
            "total": job.total,
            "counts": job.counts,
            "errors": [e.model_dump(mode="json") for e in job.errors],
            "message": job.message,
            "workbook": job.workbook,
        }
        with self.ledger.write(locked=False) as conn:
            found = conn.execute(sa.update(web_batches).where(web_batches.c.id == job.key).values(values))
            if not found.rowcount:
                row = {"id": job.key, "created_at": values["updated_at"], **values}
                conn.execute(sa.insert(web_batches).values(row))
                _prune(conn, web_batches, DB_KEEP_BATCHES)

    def get_job(self, key: str) -> BatchJob | None:
        with self.ledger.read() as conn:
            row = conn.execute(sa.select(web_batches).where(web_batches.c.id == key)).mappings().first()
        if row is None:
            return None
        job = BatchJob(
            directory=None,
            names=row["names"],
            key=key,
            status=row["status"],
            done=row["done"],
            total=row["total"],
            counts=row["counts"],
            errors=[RowError(**e) for e in row["errors"]],
            message=row["message"],
            workbook=row["workbook"],
        )
        if job.status == "running" and utcnow() - row["updated_at"] > STALE_AFTER:
            return replace(job, status="failed", message=STOPPED)
        return job


def _check_values(entry: CheckEntry) -> dict[str, Any]:
    return {
        "form": entry.form,
        "rows": entry.rows,
        "decision": entry.decision.model_dump(mode="json"),
        "reservation": entry.reservation,
    }


def _prune(conn: sa.Connection, table: sa.Table, keep: int) -> None:
    """Drop all but the newest ``keep`` rows of ``table``."""
    newest = sa.select(table.c.id).order_by(table.c.created_at.desc()).limit(keep)
    conn.execute(sa.delete(table).where(table.c.id.not_in(newest.scalar_subquery())))


Store = MemoryStore | LedgerStore


def open_store(ledger: Ledger | None) -> Store:
    """The ledger's store when there is a ledger, else this process's memory."""
    return LedgerStore(ledger) if ledger is not None else MemoryStore()


__all__ = [
    "DB_KEEP_BATCHES",
    "DB_KEEP_CHECKS",
    "KEEP",
    "BatchJob",
    "CheckEntry",
    "LedgerStore",
    "MemoryStore",
    "Store",
    "new_id",
    "open_store",
]
