"""Issue 19, ledger: ids range-checked, NUL and over-long text refused before the database,
every attempt audited (failed ones in their own transaction), a busy ledger says so."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from deminimis.errors import InputError
from deminimis.ledger import Busy, NotFound, get_reservation, grant, import_awards, release, reserve
from deminimis.ledger import reservations as reservations_mod
from deminimis.ledger.schema import audit_log

from .test_ledger import ledger  # noqa: F401 - the fixture over SQLite and PostgreSQL

KW = {"orgnr": "912346803", "amount": "1000", "currency": "EUR", "grant_date": "2021-05-17"}


def _audit(led) -> list[tuple[str, str, str]]:
    with led.read() as conn:
        rows = conn.execute(sa.select(audit_log.c.action, audit_log.c.outcome, audit_log.c.actor)).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("rid", [2**31, 3_000_000_000, 2**63, 2**64, 0, -1])
def test_a_reservation_id_beyond_the_database_integer_is_not_found_and_audited(ledger, rid: int) -> None:  # noqa: F811
    with pytest.raises(NotFound):
        get_reservation(ledger, rid)
    with pytest.raises(NotFound):
        grant(ledger, rid, actor="kari")
    with pytest.raises(NotFound):
        release(ledger, rid, actor="kari")
    assert _audit(ledger) == [("grant", "refused", "kari"), ("release", "refused", "kari")]


@pytest.mark.parametrize("field", ["reference", "grantor", "application_id"])
def test_a_nul_in_application_id_or_reference_is_refused_and_the_attempt_audited(ledger, field: str) -> None:  # noqa: F811
    with pytest.raises(InputError, match="NUL"):
        reserve(ledger, actor="kari", **KW, **{field: "A\x001"})
    assert _audit(ledger) == [("reserve", "failed", "kari")]


def test_an_actor_over_200_characters_is_refused_and_the_attempt_audited(ledger) -> None:  # noqa: F811
    with pytest.raises(InputError, match="longer than 200"):
        reserve(ledger, actor="x" * 201, **KW)
    with pytest.raises(InputError, match="NUL"):
        release(ledger, 1, actor="x\x00" * 300)
    assert [(a, o, len(actor)) for a, o, actor in _audit(ledger)] == [
        ("reserve", "failed", 200),
        ("release", "failed", 200),
    ]


def test_a_reservation_that_fails_while_writing_still_leaves_an_audit_row(ledger, monkeypatch) -> None:  # noqa: F811
    def broken(*args, **kwargs):
        raise RuntimeError("disk unplugged")

    monkeypatch.setattr(reservations_mod, "_insert", broken)
    with pytest.raises(RuntimeError):
        reserve(ledger, actor="kari", **KW)
    assert _audit(ledger) == [("reserve", "failed", "kari")]


def test_a_busy_sqlite_ledger_says_busy_try_again_instead_of_a_traceback(tmp_path: Path, monkeypatch) -> None:
    from deminimis.ledger import db as db_mod
    from deminimis.ledger import open_ledger

    led = open_ledger(tmp_path / "l.sqlite", create=True)
    monkeypatch.setattr(db_mod, "BUSY_TIMEOUT_S", 0.2)
    other = open_ledger(tmp_path / "l.sqlite")
    with led.write(), pytest.raises(Busy, match="ledger busy.*try again"):  # another writer holds it
        reserve(other, actor="kari", **KW)
    other.close()
    led.close()


def test_a_long_import_does_not_lock_out_a_reservation(tmp_path: Path) -> None:
    from deminimis.ledger import open_ledger

    led = open_ledger(tmp_path / "l.sqlite", create=True)
    rows = ["orgnr,granted_on,amount,currency,basis"]
    rows += [f"974760673,2020-01-01,{i + 1},NOK,de_minimis" for i in range(60_000)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n")
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(import_awards(led, path, actor="import")))
    worker.start()
    result = reserve(led, actor="kari", **KW)  # waits for the import's lock at most seconds
    worker.join()
    assert result.accepted and done and done[0].imported == 60_000  # type: ignore[attr-defined]
    led.close()
