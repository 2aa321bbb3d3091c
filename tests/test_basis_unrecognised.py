"""Issue 15, error (c): a basis text that names no known basis is counted as de minimis with a
warning naming the text and the nearest known basis; only an explicit non-de-minimis basis is
left out; ``--unrecognised-basis exclude`` keeps the old reading (CLI, Python, HTTP)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from deminimis import check
from deminimis.cli import main
from deminimis.http import ApiSettings, create_app
from tests.conftest import write_csv

ORGNR = "912345688"
APP = {"orgnr": ORGNR, "amount": "100000", "currency": "EUR", "grant_date": "2022-06-01"}


def _awards(tmp_path: Path, basis: str) -> Path:
    row = {"orgnr": ORGNR, "granted_on": "2021-03-01", "amount": "150000", "currency": "EUR", "basis": basis}
    return write_csv(tmp_path / "awards.csv", [row])


@pytest.mark.parametrize("basis", ["Bagatelmessig støtte", "Etablerertilskudd", "Næringsfond"])
def test_a_misspelt_or_unknown_basis_is_counted_as_de_minimis_with_a_warning_naming_the_nearest(
    tmp_path: Path, basis: str
) -> None:
    d = check(**APP, awards=_awards(tmp_path, basis))
    assert d.prior_de_minimis_eur == "150000.00" and d.route == "gber"
    (w,) = [w for w in d.warnings if w.code == "basis_unrecognised"]
    assert f"«{basis}»" in w.text_nb and f"'{basis}'" in w.text_en
    if basis == "Bagatelmessig støtte":
        assert "«bagatellmessig støtte»" in w.text_nb
    assert [a.why for a in d.counted] == ["in_window"]


@pytest.mark.parametrize("basis", ["annen statsstøtte", "gruppeunntak", "notifisert ordning", "TF 3.1"])
def test_an_explicit_non_de_minimis_basis_is_left_out(tmp_path: Path, basis: str) -> None:
    d = check(**APP, awards=_awards(tmp_path, basis))
    assert d.prior_de_minimis_eur == "0.00" and d.route == "de_minimis"
    assert "basis_unrecognised" not in [w.code for w in d.warnings]


def test_unrecognised_basis_exclude_restores_the_old_figure(tmp_path: Path) -> None:
    d = check(**APP, awards=_awards(tmp_path, "Bagatelmessig støtte"), unrecognised_basis="exclude")
    assert d.prior_de_minimis_eur == "0.00" and d.route == "de_minimis"
    assert [a.why for a in d.counted] == ["basis_other"]
    assert "basis_other" in [w.code for w in d.warnings]


def test_unrecognised_basis_option_on_the_cli_and_over_http(tmp_path: Path) -> None:
    awards = _awards(tmp_path, "Bagatelmessig støtte")
    args = ["check", *[f"--{k.replace('_', '-')}={v}" for k, v in APP.items()], f"--awards={awards}"]
    counted = json.loads(CliRunner().invoke(main, [*args, "--format=json"]).output)
    excluded = json.loads(
        CliRunner().invoke(main, [*args, "--format=json", "--unrecognised-basis=exclude"]).output
    )
    assert (counted["prior_de_minimis_eur"], excluded["prior_de_minimis_eur"]) == ("150000.00", "0.00")

    client = TestClient(create_app(ApiSettings(db_url=str(tmp_path / "l.sqlite"), init=True)))
    award = {"orgnr": ORGNR, "granted_on": "2021-03-01", "amount": "150000", "currency": "EUR"}
    body = {**APP, "awards": [{**award, "basis": "Bagatelmessig støtte"}]}
    assert client.post("/v1/check", json=body).json()["prior_de_minimis_eur"] == "150000.00"
    out = client.post("/v1/check", json={**body, "unrecognised_basis": "exclude"}).json()
    assert out["prior_de_minimis_eur"] == "0.00"
