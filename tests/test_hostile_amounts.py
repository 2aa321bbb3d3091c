"""Issue 19, items 1 and 2: amounts in other digits and amounts that name their own currency.

Each test is named after the sentence of the issue it answers. The rules live in
:mod:`deminimis.money` and the amount/date expressions of :mod:`deminimis.sources.tables`.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from deminimis import api
from deminimis.cli import main
from deminimis.files_cli import validate_files
from deminimis.http import ApiSettings, create_app
from deminimis.money import amount_problem_expr, cents_expr

OTHER_DIGITS = ["١٢٣", "１２３", "१२३", "12३"]
"""Arabic-Indic, fullwidth, Devanagari, and one foreign digit among ASCII ones."""
APPLICANT = "912346803"


def _write(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("text", OTHER_DIGITS)
def test_non_ascii_digits_in_amounts_are_rejected_not_parsed_as_null(text: str) -> None:
    frame = pl.DataFrame({"a": [text]})
    cents, problem = frame.select(cents_expr(pl.col("a")), amount_problem_expr(pl.col("a"))).row(0)
    assert cents is None
    assert problem == f"amount '{text}' has digits other than 0-9"


@pytest.mark.parametrize("text", OTHER_DIGITS[:3])
def test_check_with_non_ascii_digits_gives_a_usage_error_not_a_gber_route(text: str) -> None:
    result = CliRunner().invoke(
        main,
        ["check", "--orgnr", APPLICANT, "--amount", text, "--grant-date", "2021-05-17", "--format", "json"],
    )
    assert result.exit_code == 2  # said in bokmål, the default --lang
    assert f"beløpet «{text}» har andre sifre enn 0–9" in result.output and "route" not in result.output


def test_a_prior_award_in_non_ascii_digits_is_an_error_not_counted_as_zero(tmp_path: Path) -> None:
    awards = _write(
        tmp_path / "awards.csv",
        "orgnr,granted_on,amount,currency,basis",
        f"{APPLICANT},2020-01-15,٣٠٠٠٠٠٠,NOK,de_minimis",
    )
    d = api.check(orgnr=APPLICANT, amount="150000", grant_date="2021-05-17", awards=awards)
    assert d.route == "error"
    assert any("digits other than 0-9" in e.message for e in d.errors)


def test_validate_finds_non_ascii_digits(tmp_path: Path) -> None:
    apps = _write(tmp_path / "apps.csv", "orgnr,amount,grant_date", f"{APPLICANT},١٢٣,2021-05-17")
    found = validate_files([apps]).findings
    assert found.filter(pl.col("severity") == "error").select("row", "field").rows() == [(2, "amount")]


def test_ledger_import_of_non_ascii_digits_lists_the_row_not_a_traceback(tmp_path: Path) -> None:
    awards = _write(
        tmp_path / "awards.csv",
        "orgnr,granted_on,amount,currency,basis",
        f"{APPLICANT},2020-01-15,١٢٣,NOK,de_minimis",
    )
    db = f"sqlite:///{tmp_path / 'l.sqlite'}"
    runner = CliRunner()
    assert runner.invoke(main, ["ledger", "init", "--db", db]).exit_code == 0
    result = runner.invoke(main, ["ledger", "import", str(awards), "--db", db])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)  # no traceback
    assert f"{awards}:2 amount: amount '١٢٣' has digits other than 0-9" in result.output


def test_http_check_with_non_ascii_digits_answers_422_not_500(tmp_path: Path) -> None:
    client = TestClient(create_app(ApiSettings(db_url=f"sqlite:///{tmp_path / 'l.sqlite'}", init=True)))
    r = client.post(
        "/v1/check", json={"orgnr": APPLICANT, "amount": "١٢٣", "currency": "NOK", "grant_date": "2021-05-17"}
    )
    assert r.status_code == 422
    assert ["body", "amount"] in [e["loc"] for e in r.json()["detail"]]


def test_a_currency_written_in_the_amount_is_not_overridden_by_the_currency_column() -> None:
    d = api.check(orgnr=APPLICANT, amount="EUR 250000", currency="NOK", grant_date="2021-05-17")
    assert d.route == "error"
    assert [(e.field, e.message) for e in d.errors] == [
        (
            "currency",
            "amount 'EUR 250000' is written in EUR but the currency column says 'NOK'; correct one of them",
        )
    ]


def test_check_with_the_currency_only_in_the_amount_decides_in_that_currency() -> None:
    result = CliRunner().invoke(
        main,
        [
            "check",
            "--orgnr",
            APPLICANT,
            "--amount",
            "EUR 250000",
            "--grant-date",
            "2025-05-17",
            "--format",
            "json",
        ],
    )
    d = json.loads(result.output)
    assert d["new_aid_eur"] == "250000.00" and d["route"] == "de_minimis"
    assert "currency_read" in [w["code"] for w in d["warnings"]]


def test_a_prior_eur_300_000_without_a_currency_column_is_counted_as_eur(tmp_path: Path) -> None:
    awards = _write(
        tmp_path / "awards.csv",
        "orgnr,granted_on,amount,basis",
        f"{APPLICANT},2024-12-01,EUR 300 000,de_minimis",
    )
    d = api.check(orgnr=APPLICANT, amount="1000", grant_date="2025-05-17", awards=awards)
    assert [(c.currency, c.eur) for c in d.counted] == [("EUR", "300000.00")]
    assert d.route == "gber" and d.counted_total_eur == "300000.00"
    notes = validate_files([awards]).findings.filter(pl.col("severity") == "warning")
    assert notes.select("field", "message").rows() == [
        ("currency", "currency EUR taken from the amount 'EUR 300 000'")
    ]
