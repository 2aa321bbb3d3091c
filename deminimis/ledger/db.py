"""Connecting to the ledger, and the one way to write to it.

Why a write lock *before* reading: ``reserve`` reads the undertaking's prior aid, runs the
check and inserts a reservation. If two processes read before either writes, both pass and
together exceed the ceiling. So every writer first takes the ledger's write lock:

- **SQLite** (default, a file): ``BEGIN IMMEDIATE`` takes the database's write lock when the
  transaction starts; a second writer waits (busy timeout) until the first commits. pysqlite's
  own transaction handling is switched off so that SQLAlchemy's ``begin`` emits it
  (the recipe in SQLAlchemy's SQLite dialect docs).
- **PostgreSQL** (``postgresql+psycopg://…``): ``SELECT … FOR UPDATE`` on the ``locks`` row in
  a READ COMMITTED transaction; the reads that follow see every reservation committed before
  the lock was granted. (Not run in this project's CI; see README "Ledger on PostgreSQL".)

Readers never take the lock. A SQLite file runs in WAL mode, so that a long read (a batch
checked against the ledger) never blocks a writer's commit (a reservation, the page's
results) and every ``serve`` worker reads while another writes.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from deminimis.ledger.errors import Busy, NotInitialised

DEFAULT_FILE = "deminimis-ledger.sqlite"
ENV_URL = "DEMINIMIS_LEDGER_URL"
LOCK_NAME = "ledger"
BUSY_TIMEOUT_S = float(os.environ.get("DEMINIMIS_LEDGER_BUSY_TIMEOUT", "") or 60.0)
"""How long a SQLite writer waits for another writer's lock before :class:`Busy` ("try again")."""
MAX_ID = {"sqlite": 2**63 - 1, "postgresql": 2**31 - 1}
"""Largest row id the schema's ``Integer`` ids hold per database (SQLite int64, PostgreSQL int4)."""
_BUSY_WORDS = ("database is locked", "database table is locked", "lock timeout", "could not obtain lock")


def resolve_url(url: str | os.PathLike[str] | None = None) -> str:
    """A SQLAlchemy URL from ``url``, ``$DEMINIMIS_LEDGER_URL`` or the default file.

    A plain path (no ``scheme://``) is a SQLite file.

    >>> resolve_url("sqlite:///x.sqlite"), resolve_url("/tmp/l.sqlite")
    ('sqlite:///x.sqlite', 'sqlite:////tmp/l.sqlite')
    """
    text = str(url or os.environ.get(ENV_URL) or DEFAULT_FILE)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    memory = url.database in (None, "", ":memory:")
    engine = sa.create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        poolclass=StaticPool if memory else None,
    )

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" below emits BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if not memory:  # readers keep reading while a writer commits (a long batch, another worker)
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``; SQLite gets explicit ``BEGIN`` handling and a busy timeout."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return sa.create_engine(parsed, pool_pre_ping=True)


@contextmanager
def _busy() -> Iterator[None]:
    """A lock wait that ran out -> :class:`Busy` ("ledger busy, try again"), not a traceback."""
    try:
        yield
    except sa.exc.OperationalError as exc:
        if any(w in str(exc.orig).lower() for w in _BUSY_WORDS):
            raise Busy("ledger busy (another write holds it), try again in a few seconds") from exc
        raise


class Ledger:
    """An engine plus the ledger's transaction rules (see the module docstring)."""

    def __init__(self, url: str | os.PathLike[str] | None = None, *, must_exist: bool = True):
        self.url = resolve_url(url)
        parsed = sa.make_url(self.url)
        self.backend = parsed.get_backend_name()
        path = parsed.database
        local = self.backend == "sqlite" and path not in (None, "", ":memory:")
        if local and must_exist and not Path(str(path)).is_file():
            raise NotInitialised(f"{path}: no ledger here (run `deminimis ledger init --db …`)")
        self.engine = make_engine(self.url)

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages and /v1/health."""
        return sa.make_url(self.url).render_as_string(hide_password=True)

    def valid_id(self, row_id: int) -> bool:
        """Whether ``row_id`` can be a row id of this database (an id beyond int4/int8 is no row)."""
        return 1 <= row_id <= MAX_ID.get(self.backend, 2**31 - 1)

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A read transaction (no lock)."""
        with _busy(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def write(self, *, locked: bool = True) -> Iterator[sa.Connection]:
        """A transaction holding the ledger's write lock; commits on success, rolls back on error
        (:class:`Busy` when another writer holds the lock past the busy timeout)."""
        with _busy(), self.engine.connect() as conn:
            if self.backend == "sqlite":
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            elif self.backend == "postgresql":
                conn = conn.execution_options(isolation_level="READ COMMITTED")
            with conn.begin():
                if locked and self.backend != "sqlite":
                    from deminimis.ledger.schema import locks

                    conn.execute(sa.select(locks.c.name).where(locks.c.name == LOCK_NAME).with_for_update())
                yield conn

    def close(self) -> None:
        self.engine.dispose()


__all__ = [
    "BUSY_TIMEOUT_S",
    "MAX_ID",
    "DEFAULT_FILE",
    "ENV_URL",
    "Ledger",
    "make_engine",
    "resolve_url",
    "utcnow",
]
