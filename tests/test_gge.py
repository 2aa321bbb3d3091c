"""The form of the aid (deminimis.gge): rules data, every surface deciding alike, bad input.

The behaviour cases with their figures are in ``cases/gross_grant_equivalent.toml``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from deminimis import check, check_batch
from deminimis.cli import main
from deminimis.errors import RuleDataError
from deminimis.http import ApiSettings, create_app
from deminimis.instalments import present_values, years_between
from deminimis.render.letter import render_letter
from deminimis.rules import RULES_DIR, load_rules

from .conftest import write_csv

ORG = "974760673"
LOAN = {
    "orgnr": ORG,
    "amount": "",
    "currency": "NOK",
    "grant_date": "2025-05-02",
    "instrument": "loan",
    "nominal_amount": "5000000",
    "term_years": "4",
    "collateral_pct": "60",
}
# NOK 5,000,000 / 11.7585 = EUR 425,224.31; 300,000 x 425,224.31 / 1,500,000 = EUR 85,044.86
LOAN_GGE = "85044.86"


def _rules_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


def test_every_in_force_regime_has_gge_rules_with_citations() -> None:
    rules = load_rules()
    in_force = {e.regime for e in rules.regimes.entries if e.in_force}
    assert {g.regime for g in rules.gge.entries} == in_force
    for g in rules.gge.entries:
        assert "Art" in g.citation.article and g.citation.article_nb.startswith("artikkel"), g.id
    loans = {
        g.regime: [(h.years, h.amount_eur) for h in g.loan.harbours] for g in rules.gge.entries if g.loan
    }  # noqa: E501
    assert loans["EU-2023/2831"] == [(5, 1_500_000), (10, 750_000)]
    assert loans["EU-1407/2013"] == [(5, 1_000_000), (10, 500_000)]


HARBOURS = "harbours = [ { years = 5, amount_eur = 1500000 }, { years = 10, amount_eur = 750000 } ]"
INJECTION = (
    '[entries.capital_injection]\nconfidence = "V"\n{} = {{ title = "Regulation (EU) 2023/2831: a capital'
)
DATES = "valid_from = {}\nvalid_to = 2030-12-31\nceiling_eur = 300000"
BROKEN = {
    "unknown key": ("term_prorated = false\n", "term_prorated = false\nbogus = 1\n", "bogus"),
    "unsorted harbours": (
        HARBOURS,
        "harbours = [ { years = 10, amount_eur = 750000 }, { years = 5, amount_eur = 1500000 } ]",
        "sorted",
    ),
    "unknown regime": ('regime = "EU-2023/2831"', 'regime = "EU-2099/1"', "unknown regime"),
    "missing citation": (INJECTION.format("citation"), INJECTION.format("note"), "citation"),
    "overlap": (DATES.format("2024-11-11"), DATES.format("2024-01-01"), "overlaps"),
    "zero harbour": (HARBOURS, HARBOURS.replace("amount_eur = 750000", "amount_eur = 0"), "greater than 0"),
    "no harbour": (HARBOURS, "harbours = []", "at least one safe harbour"),
    "percent over 100": ("collateral_min_pct = 50", "collateral_min_pct = 150", "between 0 and 100"),
    "zero ceiling": ("ceiling_eur = 200000", "ceiling_eur = 0", "greater than 0"),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_broken_gge_rules_file_is_refused_naming_the_problem(kind: str, tmp_path: Path) -> None:
    old, new, keyword = BROKEN[kind]
    folder = _rules_copy(tmp_path)
    path = folder / "gge.toml"
    text = path.read_text(encoding="utf-8")
    if kind == "overlap":  # a second 2831 entry from 2024-01-01 overlapping the shipped one
        entry = text[text.index('[[entries]]\nid = "gge_2831"') : text.index('[[entries]]\nid = "gge_360"')]
        text += "\n" + entry.replace('id = "gge_2831"', 'id = "gge_2831_bis"').replace(old, new)
    else:
        assert old in text, kind
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleDataError) as info:
        load_rules(folder)
    assert keyword in str(info.value) and "gge.toml" in str(info.value)


def test_a_safe_harbour_amount_changed_in_the_rules_data_changes_the_decision(tmp_path: Path) -> None:
    """EUR 1,000,000 over 5 years: 1,000,000/1,500,000 x 300,000 = 200,000 shipped; with a
    3,000,000 harbour in an alternative rules directory 1,000,000/3,000,000 x 300,000 = 100,000."""
    loan = {**LOAN, "currency": "EUR", "nominal_amount": "1000000", "term_years": "5"}
    assert check(**loan).new_aid_eur == "200000.00"
    folder = _rules_copy(tmp_path)
    path = folder / "gge.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(HARBOURS, HARBOURS.replace("1500000", "3000000")), "utf-8")
    d = check(**loan, rules_dir=folder)
    assert d.new_aid_eur == "100000.00"
    assert d.gge is not None and d.gge.max_nominal == "3000000.00"


def test_term_prorated_in_the_data_reads_the_term_into_the_proportion(tmp_path: Path) -> None:
    """1407, EUR 1,000,000 over 1 year: 1,000,000/1,000,000 x 200,000 x 1/5 = 40,000 (EXT-01's figure)."""
    folder = _rules_copy(tmp_path)
    path = folder / "gge.toml"
    text = path.read_text(encoding="utf-8").replace("term_prorated = false", "term_prorated = true", 1)
    path.write_text(text, encoding="utf-8")
    loan = {**LOAN, "currency": "EUR", "grant_date": "2021-06-01", "nominal_amount": "1000000"}
    loan["term_years"] = "1"
    assert check(**loan, rules_dir=folder).new_aid_eur == "40000.00"
    assert check(**loan).new_aid_eur == "200000.00"


def test_instalments_are_discounted_per_payment_by_anniversary_years() -> None:
    assert years_between(dt.date(2024, 2, 29), dt.date(2025, 2, 28)) == 1
    assert years_between(dt.date(2025, 1, 1), dt.date(2025, 7, 2)) == Decimal(182) / Decimal(365)
    assert years_between(dt.date(2025, 1, 1), dt.date(2024, 1, 1)) == 0
    pv = present_values([(dt.date(2027, 3, 1), 100_000_00)], 1000, dt.date(2025, 3, 1))
    assert pv[0]["pv_cents"] == 82_644_63  # 100,000 / 1.1^2 = 82,644.628... half-up


def test_loan_decides_alike_in_the_api_the_cli_a_batch_file_and_http(tmp_path: Path) -> None:
    api = check(**LOAN).to_json_dict()
    assert api["route"] == "de_minimis" and api["new_aid_eur"] == LOAN_GGE
    assert api["gge"]["method"] == "loan_safe_harbour"
    args = ["check", "--format", "json"]
    for key, value in LOAN.items():
        args += [f"--{key.replace('_', '-')}", value]
    cli = CliRunner().invoke(main, args)
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output) == api
    rows = [{**LOAN, "application_id": "1"}]
    batch = check_batch(write_csv(tmp_path / "apps.csv", rows)).decisions[0].to_json_dict()
    assert {**batch, "errors": []} == {**api, "errors": []}
    client = TestClient(create_app(ApiSettings(db_url=str(tmp_path / "l.sqlite"), init=True)))
    http = client.post("/v1/check", json={**LOAN, "use_ledger": False})
    assert http.status_code == 200, http.text
    assert http.json()["new_aid_eur"] == LOAN_GGE and http.json()["gge"] == api["gge"]
    flag = client.post("/v1/check", json={**LOAN, "export_linked": True, "use_ledger": False}).json()
    assert flag["route"] == "manual_review"


def test_bad_aid_form_cells_give_route_error_naming_the_field() -> None:
    bad = check(orgnr=ORG, amount="1000", currency="EUR", grant_date="2025-06-02", payments="2025-06-02")
    assert bad.route == "error" and [e.field for e in bad.errors] == ["payments"]
    sums = check(orgnr=ORG, amount="1000", currency="EUR", grant_date="2025-06-02", payments="2025-06-02:900")
    assert "add up" in sums.errors[0].message
    rate = check(
        orgnr=ORG, amount="1000", currency="EUR", grant_date="2025-06-02", payments="2026-06-02:1000"
    )
    assert [e.field for e in rate.errors] == ["discount_rate_pct"]
    kind = check(orgnr=ORG, amount="1000", currency="EUR", grant_date="2025-06-02", instrument="bond")
    assert [e.field for e in kind.errors] == ["instrument"]
    grant = check(orgnr=ORG, amount="", currency="EUR", grant_date="2025-06-02")
    assert [e.field for e in grant.errors] == ["amount"]


def test_the_letter_states_the_loan_and_its_gge_with_the_arithmetic() -> None:
    d = check(**LOAN)
    nb, en = render_letter(d, "nb"), render_letter(d, "en")
    assert "artikkel 4 nr. 3 bokstav b i forordning (EU) 2023/2831" in nb
    assert "EUR 300\u00a0000,00 × 425\u00a0224,31 / 1\u00a0500\u00a0000,00 = EUR 85\u00a0044,86" in nb
    assert "Art 4(3)(b) of Regulation (EU) 2023/2831" in en
    refused = render_letter(check(**{**LOAN, "collateral_pct": "40"}), "nb")
    assert "under kravet om minst 50 %" in refused


def test_a_reserved_loan_holds_its_gge_in_eur_in_the_ledger(tmp_path: Path) -> None:
    client = TestClient(create_app(ApiSettings(db_url=str(tmp_path / "l.sqlite"), init=True)))
    held = client.post("/v1/reservations", json=LOAN)
    assert held.status_code == 201, held.text
    assert (
        held.json()["reservation"]["amount"] == LOAN_GGE and held.json()["reservation"]["currency"] == "EUR"
    )
    later = client.post("/v1/check", json={**LOAN, "nominal_amount": "1000000"}).json()
    assert later["prior_de_minimis_eur"] == LOAN_GGE  # the reservation counts its GGE, not NOK 5,000,000


def test_the_web_form_decides_a_loan_like_the_api(tmp_path: Path) -> None:
    client = TestClient(create_app(ApiSettings(db_url=str(tmp_path / "l.sqlite"), init=True)))
    form = {**LOAN, "grant_date": "02.05.2025", "lang": "nb", "use_ledger": "on"}
    sent = client.post("/check", data=form, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    html = client.get(sent.headers["location"]).text
    assert "= EUR 85\u00a0044,86" in html and "artikkel 4 nr. 3 bokstav b" in html
    bad = client.post("/check", data={**form, "term_years": "fire"}, follow_redirects=False)
    assert bad.status_code != 303 and 'id="term_years-error"' in bad.text
    page = client.get("/?lang=en").text
    assert 'name="instrument"' in page and "recital 10" in page
