"""The ledger keeps an award's granting state, instrument and nominal amount (schema version 3).

Why: before, a Swedish award or a loan imported into the ledger came back as a Norwegian grant,
so a decision from the ledger differed from the same decision from the declaration file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from deminimis import check
from deminimis.ledger import check_with_ledger, export_awards, import_awards, migrate, open_ledger
from deminimis.ledger.migrations import LATEST, MIGRATIONS
from deminimis.ledger.schema import awards, schema_version

from .conftest import write_csv
from .test_ledger import BACKENDS, fresh_ledger_url

ORGNR = "912346803"
ROWS = [
    {"orgnr": ORGNR, "granted_on": "2022-03-01", "amount": "150000", "currency": "EUR",
     "basis": "de_minimis", "country": "SE", "instrument": "", "nominal_amount": ""},
    {"orgnr": ORGNR, "granted_on": "2022-05-01", "amount": "60000", "currency": "EUR",
     "basis": "de_minimis", "country": "", "instrument": "loan", "nominal_amount": "60000"},
    {"orgnr": ORGNR, "granted_on": "2022-06-01", "amount": "20000", "currency": "EUR",
     "basis": "de_minimis", "country": "", "instrument": "", "nominal_amount": ""},
]  # fmt: skip
CHECK = {"orgnr": ORGNR, "amount": "100000", "currency": "EUR", "grant_date": "2023-06-01"}


@pytest.fixture(params=BACKENDS)
def ledger(tmp_path: Path, request: pytest.FixtureRequest):
    led = open_ledger(fresh_ledger_url(tmp_path, request.param), create=True)
    yield led
    led.close()


def _without_sources(decision) -> dict:
    out = decision.to_json_dict()
    out.pop("sources")
    for item in out["counted"]:
        item.pop("file"), item.pop("row"), item.pop("sources")
    return out


def test_a_swedish_award_and_a_loan_from_the_ledger_decide_as_from_the_declaration(ledger, tmp_path) -> None:
    path = write_csv(tmp_path / "awards.csv", ROWS)
    import_awards(ledger, path, actor="kari")
    from_ledger = check_with_ledger(ledger, **CHECK).decisions[0]
    from_file = check(**CHECK, awards=path)
    swedish = next(c for c in from_ledger.counted if c.granted_on == "2022-03-01")
    assert (swedish.country, swedish.counted, swedish.why) == ("SE", False, "other_state")
    assert from_ledger.counted_total_eur == "80000.00"  # the loan and the grant, not the Swedish aid
    assert "award_may_be_nominal" in [w.code for w in from_ledger.warnings]
    assert _without_sources(from_ledger) == _without_sources(from_file)


def test_export_keeps_the_state_instrument_and_nominal_amount(ledger, tmp_path) -> None:
    import_awards(ledger, write_csv(tmp_path / "awards.csv", ROWS), actor="kari")
    out = tmp_path / "export.csv"
    export_awards(ledger, out)
    lines = out.read_text().splitlines()
    assert lines[1].endswith(",SE,grant,") and lines[2].endswith(",NO,loan,60000.00")
    assert check(**CHECK, awards=out).counted_total_eur == "80000.00"


def test_a_version_2_ledger_is_upgraded_and_keeps_its_awards(tmp_path) -> None:
    led = open_ledger(tmp_path / "l.sqlite", create=True)
    import_awards(led, write_csv(tmp_path / "awards.csv", ROWS[2:]), actor="kari")
    with led.write(locked=False) as conn:  # back to version 2: the columns of version 3 removed
        for name in ("country", "instrument", "nominal_cents"):
            conn.exec_driver_sql(f"ALTER TABLE awards DROP COLUMN {name}")
        conn.execute(sa.delete(schema_version).where(schema_version.c.version == 3))
    assert migrate(led) == (2, LATEST)
    assert MIGRATIONS[2].version == 3
    with led.read() as conn:
        row = conn.execute(sa.select(awards)).mappings().one()
    assert (row["amount_cents"], row["country"], row["instrument"]) == (2_000_000, None, None)
    assert check_with_ledger(led, **CHECK).decisions[0].counted_total_eur == "20000.00"
    led.close()
