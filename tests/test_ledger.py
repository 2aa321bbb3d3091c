"""The grant ledger: schema versions, import (all or nothing), reserve -> grant -> release,
expiry, prior aid from the ledger, history and export.

Every test using the ``ledger`` fixture runs on SQLite, and also on PostgreSQL when
``DEMINIMIS_TEST_POSTGRES_URL`` names a server's database, e.g.
``postgresql+psycopg://postgres:pw@127.0.0.1:5432/postgres`` (README: "Ledger on PostgreSQL").
Each test run makes its own database there (``deminimis_test_<pid>_<random>``, dropped at the
end), so two runs against one server do not clobber each other; a user who may not create
databases gets the named one, whose ``public`` schema is then dropped per test.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import os
import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa

from deminimis import check
from deminimis.ledger import (
    Conflict,
    ImportRejected,
    NotFound,
    NotInitialised,
    check_with_ledger,
    export_awards,
    grant,
    history,
    import_awards,
    migrate,
    open_ledger,
    release,
    reserve,
)
from deminimis.ledger import imports as imports_mod
from deminimis.ledger.migrations import LATEST
from deminimis.ledger.schema import audit_log, awards, reservations, schema_version

from .conftest import FIXTURES

AWARDS = FIXTURES / "awards.csv"
BROKEN = FIXTURES / "ledger" / "awards_broken.csv"
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


PG_URL = os.environ.get("DEMINIMIS_TEST_POSTGRES_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql", marks=pytest.mark.skipif(not PG_URL, reason="DEMINIMIS_TEST_POSTGRES_URL not set")
    ),
]


@functools.cache
def _run_database() -> str:
    """This run's own PostgreSQL database on the server of ``PG_URL`` (or ``PG_URL`` itself when
    the user may not create one)."""
    server = sa.make_url(str(PG_URL))
    name = f"deminimis_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.DBAPIError:
        admin.dispose()
        return str(PG_URL)

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    atexit.register(drop)
    return server.set(database=name).render_as_string(hide_password=False)


def fresh_ledger_url(tmp_path: Path, backend: str) -> str:
    """An empty database of ``backend`` (PostgreSQL: this run's database, emptied)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    url = _run_database()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def ledger(tmp_path: Path, request: pytest.FixtureRequest):
    led = open_ledger(fresh_ledger_url(tmp_path, request.param), create=True)
    yield led
    led.close()


def _count(led, table: sa.Table) -> int:
    with led.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _reserve_eur(led, amount: str, grant_date: str = "2021-06-15", orgnr: str = "912350002", **kw):
    return reserve(led, orgnr=orgnr, amount=amount, currency="EUR", grant_date=grant_date, actor="kari", **kw)


# ----------------------------------------------------------------------------- schema


def test_a_new_ledger_is_created_at_the_latest_schema_version(tmp_path: Path) -> None:
    led = open_ledger(tmp_path / "l.sqlite", create=True)
    with led.read() as conn:
        versions = conn.execute(sa.select(schema_version.c.version)).scalars().all()
    assert versions == [m for m in range(1, LATEST + 1)]
    assert migrate(led) == (LATEST, LATEST)  # idempotent


def test_a_missing_ledger_file_is_not_created_by_opening_it(tmp_path: Path) -> None:
    with pytest.raises(NotInitialised, match="ledger init"):
        open_ledger(tmp_path / "nope.sqlite")
    assert not (tmp_path / "nope.sqlite").exists()


def test_a_ledger_newer_than_this_program_is_refused(ledger) -> None:
    with ledger.write() as conn:
        conn.execute(sa.insert(schema_version).values(version=99, description="future", applied_at=T0))
    with pytest.raises(NotInitialised, match="newer"):
        open_ledger(ledger.url)


def test_the_audit_log_is_append_only_in_the_database(ledger) -> None:
    _reserve_eur(ledger, "1000")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), ledger.write() as conn:
        conn.execute(sa.update(audit_log).values(actor="someone else"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), ledger.write() as conn:
        conn.execute(sa.delete(audit_log))
    assert _count(ledger, audit_log) == 1


# ----------------------------------------------------------------------------- import


def test_import_stores_every_row_in_cents_and_a_second_import_skips_them(ledger) -> None:
    first = import_awards(ledger, AWARDS, actor="kari")
    assert (first.imported, first.skipped) == (9, 0)
    again = import_awards(ledger, AWARDS, actor="kari")
    assert (again.imported, again.skipped) == (0, 9)
    with ledger.read() as conn:
        row = conn.execute(sa.select(awards).where(awards.c.source_row == 3)).one()
    assert (row.amount_cents, row.currency, row.basis, row.source_file) == (
        8000000,
        "EUR",
        "de_minimis",
        str(AWARDS),
    )


def test_a_file_with_broken_rows_imports_nothing_and_lists_every_problem(ledger) -> None:
    with pytest.raises(ImportRejected) as info:
        import_awards(ledger, BROKEN, actor="kari")
    assert [(e.row, e.field) for e in info.value.errors] == [
        (3, "orgnr"),
        (4, "granted_on"),
        (5, "amount"),
        (6, "currency"),
        (7, "basis"),
    ]
    message = str(info.value)
    assert f"{BROKEN}:3 orgnr: orgnr '912346804' has a wrong check digit" in message
    assert "5 broken row(s), nothing imported" in message
    assert _count(ledger, awards) == 0
    with ledger.read() as conn:
        event = conn.execute(sa.select(audit_log)).one()
    assert (event.action, event.outcome, len(event.payload["errors"])) == ("import", "refused", 5)


def test_a_crash_in_the_middle_of_an_import_leaves_the_ledger_as_before(
    ledger, tmp_path, monkeypatch
) -> None:
    small = tmp_path / "small.csv"
    small.write_text("orgnr,granted_on,amount,currency,basis\n912350002,2020-01-01,1000,EUR,de_minimis\n")
    import_awards(ledger, small, actor="kari")
    before = (_count(ledger, awards), _count(ledger, audit_log))
    real, calls = imports_mod._insert_awards, []

    def crash_on_third(*args, **kwargs) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk unplugged")
        real(*args, **kwargs)

    monkeypatch.setattr(imports_mod, "CHUNK", 1)
    monkeypatch.setattr(imports_mod, "_insert_awards", crash_on_third)
    with pytest.raises(RuntimeError, match="disk unplugged"):
        import_awards(ledger, AWARDS, actor="kari")
    assert len(calls) == 3  # two rows were inserted before the crash ...
    assert (_count(ledger, awards), _count(ledger, audit_log)) == before  # ... and rolled back


# ----------------------------------------------------------------------------- reserve


def test_prior_aid_from_the_ledger_gives_the_same_decision_as_the_awards_file(ledger) -> None:
    import_awards(ledger, AWARDS, actor="kari")
    kw = {"orgnr": "912346803", "amount": "150000", "currency": "NOK", "grant_date": "2021-05-17"}
    from_ledger = check_with_ledger(ledger, **kw).decisions[0].to_json_dict()
    from_file = check(**kw, awards=str(AWARDS)).to_json_dict()
    # the same rows, consulted as the ledger in one and as a declaration file in the other
    assert [s["kind"] for s in from_ledger.pop("sources")] == ["ledger", "register_not_consulted"]
    assert [s["kind"] for s in from_file.pop("sources")] == ["declaration", "register_not_consulted"]
    assert from_ledger == from_file


def test_reserve_holds_the_amount_until_the_ceiling_is_reached(ledger) -> None:
    first = _reserve_eur(ledger, "150000")
    assert first.accepted and first.reservation.status == "pending"
    assert first.reservation.amount_eur == "150000.00" and first.reservation.undertaking == ["912350002"]
    second = _reserve_eur(ledger, "60000")
    assert not second.accepted and second.decision.route == "gber"
    assert second.decision.counted_total_eur == "150000.00"
    held = [c for c in second.decision.counted if c.file == "ledger:reservations"]
    assert [(c.row, c.basis, c.eur) for c in held] == [(first.reservation.id, "de_minimis", "150000.00")]
    assert _reserve_eur(ledger, "50000").accepted  # exactly up to the ceiling


def test_prior_aid_the_ledger_does_not_hold_can_be_added_from_a_file(ledger) -> None:
    r = reserve(
        ledger,
        orgnr="912346803",
        amount="85000",
        currency="EUR",
        grant_date="2021-05-17",
        awards_file=AWARDS,
        actor="kari",
    )
    assert not r.accepted and r.decision.headroom_before_eur == "84220.00"
    assert [(c.file, c.row) for c in r.decision.counted] == [
        (str(AWARDS), 2),
        (str(AWARDS), 3),
        (str(AWARDS), 4),
    ]


def test_a_grant_dated_before_a_reservation_cannot_use_the_headroom_it_holds(ledger) -> None:
    assert _reserve_eur(ledger, "150000", grant_date="2021-09-01").accepted
    earlier = _reserve_eur(ledger, "100000", grant_date="2021-05-01")
    assert not earlier.accepted and earlier.decision.counted_total_eur == "150000.00"


def test_a_refused_or_failed_reservation_is_audited_with_its_decision(ledger, tmp_path) -> None:
    _reserve_eur(ledger, "250000")
    with pytest.raises(Exception, match="file not found"):
        _reserve_eur(ledger, "1000", links=tmp_path / "missing.csv")
    with ledger.read() as conn:
        events = conn.execute(sa.select(audit_log).order_by(audit_log.c.id)).all()
    assert [(e.action, e.outcome) for e in events] == [("reserve", "refused"), ("reserve", "failed")]
    assert events[0].decision["route"] == "gber" and events[0].decision["new_aid_eur"] == "250000.00"
    assert "file not found" in events[1].payload["error"]
    assert _count(ledger, reservations) == 0


def test_grant_turns_the_reservation_into_an_award_and_release_frees_it(ledger) -> None:
    a = _reserve_eur(ledger, "100000", grantor="Bodø kommune", reference="2021/77").reservation
    b = _reserve_eur(ledger, "100000").reservation
    done = grant(ledger, a.id, actor="kari")
    assert done.reservation.status == "granted" and done.decision.headroom_after_eur == "0.00"
    assert (done.award.granted_on, done.award.amount, done.award.reference) == (
        "2021-06-15",
        "100000.00",
        "2021/77",
    )
    assert release(ledger, b.id, actor="kari").status == "released"
    with pytest.raises(Conflict, match="is granted"):
        release(ledger, a.id, actor="kari")
    with pytest.raises(NotFound):
        grant(ledger, 999, actor="kari")
    left = check_with_ledger(ledger, orgnr="912350002", amount="1", currency="EUR", grant_date="2021-07-01")
    assert left.decisions[0].counted_total_eur == "100000.00"  # the award counts, the released one not
    outcomes = [(e.action, e.outcome) for e in history(ledger, "912350002").events]
    assert outcomes[-2:] == [("release", "accepted"), ("release", "refused")]


def test_a_grant_is_checked_again_at_its_date_and_against_aid_imported_since(ledger, tmp_path) -> None:
    res = _reserve_eur(ledger, "150000").reservation
    late = tmp_path / "late.csv"
    late.write_text("orgnr,granted_on,amount,currency,basis\n912350002,2021-03-01,60000,EUR,de_minimis\n")
    import_awards(ledger, late, actor="kari")
    with pytest.raises(Conflict, match="no longer fits") as info:
        grant(ledger, res.id, actor="kari")
    assert info.value.decision.counted_total_eur == "60000.00" and info.value.decision.route == "gber"
    assert release(ledger, res.id, actor="kari").status == "released"


def test_a_grant_on_another_date_is_checked_again(ledger) -> None:
    res = _reserve_eur(ledger, "100000").reservation
    with pytest.raises(Conflict, match="no longer fits") as info:
        grant(ledger, res.id, actor="kari", granted_on="2024-03-01")  # the 2024 gap: manual review
    assert info.value.decision.route == "manual_review"
    moved = grant(ledger, res.id, actor="kari", granted_on="01.02.2022")
    assert moved.award.granted_on == "2022-02-01" and moved.decision.route == "de_minimis"


def test_an_expired_reservation_stops_counting_and_cannot_be_granted(ledger) -> None:
    res = _reserve_eur(ledger, "150000", now=T0, ttl=dt.timedelta(days=14)).reservation
    assert res.expires_at.startswith("2026-01-19T09:00")
    later = T0 + dt.timedelta(days=14, seconds=1)
    after = check_with_ledger(
        ledger, orgnr="912350002", amount="1", currency="EUR", grant_date="2021-06-15", now=later
    )
    assert after.decisions[0].counted_total_eur == "0.00"
    with pytest.raises(Conflict, match="is expired"):
        grant(ledger, res.id, actor="kari", now=later)
    assert history(ledger, "912350002", now=later).reservations[0].status == "expired"
    assert ("expire", "accepted") in [(e.action, e.outcome) for e in history(ledger, "912350002").events]


def test_history_includes_reservations_of_an_undertaking_the_firm_belongs_to(ledger, tmp_path) -> None:
    links = tmp_path / "links.csv"
    links.write_text("orgnr,undertaking_id\n912350002,g\n912350010,g\n")
    res = _reserve_eur(ledger, "1000", links=links).reservation
    assert res.undertaking == ["912350002", "912350010"]
    assert [r.id for r in history(ledger, "912350010").reservations] == [res.id]
    with pytest.raises(Exception, match="check digit"):
        history(ledger, "912350011")


def test_export_writes_the_contract_awards_columns_that_check_reads_back(ledger, tmp_path) -> None:
    import_awards(ledger, AWARDS, actor="kari")
    _reserve_eur(ledger, "1000", orgnr="912346803", grant_date="2021-05-17")
    out = tmp_path / "export.csv"
    assert export_awards(ledger, out) == 10
    header = "orgnr,granted_on,amount,currency,basis,grantor,reference,country,instrument,nominal_amount"
    assert out.read_text().splitlines()[0] == header
    kw = {"orgnr": "912346803", "amount": "1", "currency": "EUR", "grant_date": "2021-06-01"}
    assert (
        check(**kw, awards=out).counted_total_eur
        == check_with_ledger(ledger, **kw).decisions[0].counted_total_eur
    )
