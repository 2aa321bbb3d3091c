"""``deminimis ledger …`` and ``deminimis serve`` (the commands, via click's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from deminimis.ledger import LATEST
from deminimis.ledger_cli import EXIT_REFUSED, ledger, serve

from .conftest import FIXTURES

AWARDS = FIXTURES / "awards.csv"
BROKEN = FIXTURES / "ledger" / "awards_broken.csv"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    assert CliRunner().invoke(ledger, ["init", "--db", url]).exit_code == 0
    return url


def run(*args: str):
    return CliRunner().invoke(ledger, list(args), catch_exceptions=False)


def reserve(db: str, amount: str, *extra: str):
    return run(
        "reserve",
        "--db",
        db,
        "--orgnr",
        "912350037",
        "--amount",
        amount,
        "--currency",
        "EUR",
        "--grant-date",
        "2021-06-15",
        "--actor",
        "kari",
        *extra,
    )


def test_init_creates_and_then_reports_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    assert f"schema version {LATEST} (created)" in run("init", "--db", str(path)).output
    assert "(up to date)" in run("init", "--db", str(path)).output


def test_the_ledger_url_comes_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DEMINIMIS_LEDGER_URL", str(tmp_path / "env.sqlite"))
    assert run("init").exit_code == 0 and (tmp_path / "env.sqlite").is_file()


def test_commands_on_a_missing_ledger_fail_with_exit_2_and_say_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(ledger, ["history", "912346803", "--db", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 2 and "run `deminimis ledger init" in result.output


def test_import_then_history(db: str) -> None:
    result = run("import", str(AWARDS), "--db", db, "--actor", "kari")
    assert result.exit_code == 0 and "9 award(s) imported" in result.output
    assert "9 already in the ledger, skipped" in run("import", str(AWARDS), "--db", db).output
    out = run("history", "912346803", "--db", db).output
    assert out.startswith("912346803: 3 award(s), 0 reservation(s)") and f"{AWARDS}:3" in out
    data = json.loads(run("history", "912346803", "--db", db, "--format", "json").output)
    assert [a["amount"] for a in data["awards"]] == ["350000.00", "80000.00", "500000.00"]


def test_import_of_a_broken_file_exits_2_listing_file_row_field_message(db: str) -> None:
    result = CliRunner().invoke(ledger, ["import", str(BROKEN), "--db", db])
    assert result.exit_code == 2
    assert "5 broken row(s), nothing imported" in result.output
    assert f"{BROKEN}:5 amount: amount '12,345' has more than two decimals" in result.output
    assert "0 award(s)" in run("history", "912346803", "--db", db).output


def test_reserve_grant_release_and_export(db: str, tmp_path: Path) -> None:
    ok = reserve(db, "150000", "--format", "json")
    assert ok.exit_code == 0
    res = json.loads(ok.output)["reservation"]
    assert (res["id"], res["status"], res["amount"]) == (1, "pending", "150000.00")
    refused = reserve(db, "60000", "--lang", "en")
    assert refused.exit_code == EXIT_REFUSED and "not reserved: route gber" in refused.output
    second = reserve(db, "50000")
    assert second.exit_code == 0 and "reserved: reservation 2" in second.output  # refusals store none
    assert "award 1, 150000.00 EUR on 2021-06-15" in run("grant", "1", "--db", db).output
    assert "reservation 2 released" in run("release", "2", "--db", db).output
    again = CliRunner().invoke(ledger, ["release", "2", "--db", db])
    assert again.exit_code == EXIT_REFUSED and "is released" in again.output
    assert CliRunner().invoke(ledger, ["grant", "42", "--db", db]).exit_code == 2
    out = tmp_path / "prior.csv"
    assert "1 row(s) written" in run("export", str(out), "--db", db).output
    assert out.read_text().splitlines()[1] == "912350037,2021-06-15,150000.00,EUR,de_minimis,,,NO,grant,"


def test_reserve_with_an_invalid_orgnr_exits_3_and_reserves_nothing(db: str) -> None:
    result = CliRunner().invoke(
        ledger, ["reserve", "--db", db, "--orgnr", "912350038", "--amount", "1", "--grant-date", "2021-06-15"]
    )
    assert result.exit_code == 3 and "not reserved: route error" in result.output


def test_serve_listens_on_localhost_by_default(db: str, monkeypatch) -> None:
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port: seen.update(app=app, host=host, port=port))
    result = CliRunner().invoke(serve, ["--db", db])
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8000)
    assert {"/v1/check", "/v1/health", "/v1/batch"} <= set(seen["app"].openapi()["paths"])


def test_the_commands_register_on_the_main_group() -> None:
    group = click.Group(commands={"ledger": ledger, "serve": serve})
    result = CliRunner().invoke(group, ["ledger", "--help"])
    assert all(
        c in result.output for c in ("init", "import", "reserve", "grant", "release", "history", "export")
    )
