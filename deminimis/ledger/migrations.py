"""Schema versions of the ledger: a small ordered list of steps and a ``schema_version`` table.

Why not alembic: the ledger has a handful of tables and must upgrade itself on a grantor's
laptop with no extra tool. The rules are alembic's:

- a new ledger gets the latest tables (:mod:`deminimis.ledger.schema`) at once and is stamped
  with every version;
- an older ledger runs the steps above its version, in order, in one transaction;
- a ledger newer than this program is refused (never downgrade silently).

To change a table: edit ``schema.py`` *and* append ``Migration(n + 1, …)`` whose ``upgrade``
alters an existing ledger (``ALTER TABLE …``) to the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from deminimis.ledger.db import LOCK_NAME, Ledger, utcnow
from deminimis.ledger.errors import NotInitialised
from deminimis.ledger.schema import (
    _award_terms,
    audit_log,
    awards_by_undertaking,
    idempotency_keys,
    locks,
    metadata,
    schema_version,
    web_batches,
    web_checks,
)

_SQLITE_APPEND_ONLY = [
    f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
_PG_APPEND_ONLY = [
    "CREATE OR REPLACE FUNCTION deminimis_audit_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION deminimis_audit_append_only()",
]


def _append_only(conn: sa.Connection) -> None:
    """Refuse UPDATE and DELETE on the audit log in the database itself, not only in Python."""
    backend = conn.dialect.name
    for ddl in (
        _SQLITE_APPEND_ONLY if backend == "sqlite" else _PG_APPEND_ONLY if backend == "postgresql" else []
    ):
        conn.exec_driver_sql(ddl)


def _baseline(conn: sa.Connection) -> None:
    metadata.create_all(conn)
    _append_only(conn)
    conn.execute(sa.insert(locks).values(name=LOCK_NAME))


def _v2(conn: sa.Connection) -> None:
    for table in (idempotency_keys, web_checks, web_batches):
        table.create(conn)
    awards_by_undertaking.create(conn)


def _v3(conn: sa.Connection) -> None:
    for column in _award_terms():
        kind = column.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE awards ADD COLUMN {column.name} {kind}")


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    upgrade: Callable[[sa.Connection], None]
    """Bring a ledger at ``version - 1`` to ``version`` (version 1: create everything)."""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "awards, reservations, decisions, append-only audit log", _baseline),
    Migration(2, "idempotency keys, web page results and batch runs, awards index (orgnr, granted_on)", _v2),
    Migration(3, "awards: granting state, instrument and nominal amount", _v3),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: sa.Connection) -> int | None:
    """The ledger's schema version, or None when the database has no ledger."""
    if not sa.inspect(conn).has_table(audit_log.name) or not sa.inspect(conn).has_table("schema_version"):
        return None
    return conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar_one_or_none()


def migrate(db: Ledger) -> tuple[int | None, int]:
    """Create or upgrade the ledger; returns (version before, version after)."""
    with db.write(locked=False) as conn:
        if db.backend == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(20131407)")
        before = current_version(conn)
        if before is not None and before > LATEST:
            raise NotInitialised(
                f"{db.display_url}: ledger schema version {before} is newer than this deminimis "
                f"understands ({LATEST}); upgrade deminimis"
            )
        if before is None:
            _baseline(conn)
            steps = list(MIGRATIONS)
        else:
            steps = [m for m in MIGRATIONS if m.version > before]
            for step in steps:
                step.upgrade(conn)
        for step in steps:
            conn.execute(
                sa.insert(schema_version).values(
                    version=step.version, description=step.description, applied_at=utcnow()
                )
            )
    return before, LATEST


def require_current(db: Ledger) -> int:
    """Fail with a clear message unless the ledger exists at the latest version."""
    with db.read() as conn:
        version = current_version(conn)
    if version is None:
        raise NotInitialised(f"{db.display_url}: no ledger here (run `deminimis ledger init`)")
    if version != LATEST:
        raise NotInitialised(
            f"{db.display_url}: ledger schema version {version}, this deminimis needs {LATEST} "
            "(run `deminimis ledger init` to upgrade)"
            if version < LATEST
            else f"{db.display_url}: ledger schema version {version} is newer than this deminimis ({LATEST})"
        )
    return version


__all__ = ["LATEST", "MIGRATIONS", "Migration", "current_version", "migrate", "require_current"]
