"""Engine behaviour that needs more than a case table: FX, batches, rules as data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from freezegun import freeze_time

from deminimis import check, check_batch
from deminimis.errors import RuleDataError
from deminimis.rules import RULES_DIR, load_rules
from tests.conftest import write_csv

ORG = "912345688"


def _awards(tmp_path: Path, rows: list[dict]) -> Path:
    return write_csv(tmp_path / "awards.csv", rows, ["orgnr", "granted_on", "amount", "currency", "basis"])


def test_nok_award_uses_its_own_grant_date_rate_and_weekend_uses_previous_fixing(tmp_path: Path) -> None:
    awards = _awards(
        tmp_path,
        [
            {
                "orgnr": ORG,
                "granted_on": "2021-05-17",
                "amount": "1000000",
                "currency": "NOK",
                "basis": "de_minimis",
            },
            {
                "orgnr": ORG,
                "granted_on": "2021-05-15",
                "amount": "1 000 000,00",
                "currency": "NOK",
                "basis": "bagatellmessig støtte",
            },
        ],
    )
    d = check(orgnr=ORG, amount="100000", currency="NOK", grant_date="2021-06-01", awards=awards)
    by_date = {a.granted_on: a for a in d.counted}
    assert by_date["2021-05-17"].eur == "99339.39"  # 1,000,000 / 10.0665, half-up
    assert by_date["2021-05-15"].eur == "99926.05"  # Saturday: Friday 14 May, 10.0074
    rates = {(f.date, f.rate_date, f.rate) for f in d.fx}
    assert ("2021-05-17", "2021-05-17", "10.0665") in rates
    assert ("2021-05-15", "2021-05-14", "10.0074") in rates
    assert d.prior_de_minimis_eur == "199265.44"
    assert d.route == "gber"  # 199,265.44 + new aid > 200,000


def test_stale_rate_after_last_fixing_is_used_with_a_warning() -> None:
    d = check(orgnr=ORG, amount="103120", currency="NOK", grant_date="2026-11-20")
    assert d.new_aid_eur == "10000.00"  # at 10.312 of 2026-10-30, the last shipped fixing
    stale = [w for w in d.warnings if w.code == "fx_rate_stale"]
    assert stale and "30.10.2026" in stale[0].text_nb and "2026-10-30" in stale[0].text_en


def test_date_before_first_fixing_and_unknown_currency_are_row_errors() -> None:
    d = check(orgnr=ORG, amount="1000", currency="NOK", grant_date="1998-12-30")
    assert d.route == "error" and d.errors[0].field == "grant_date"
    d = check(orgnr=ORG, amount="1000", currency="XYZ", grant_date="2021-01-04")
    assert d.route == "error" and "unknown currency 'XYZ'" in d.errors[0].message


@freeze_time("2025-02-03")
def test_cli_check_without_grant_date_decides_for_today() -> None:
    from click.testing import CliRunner

    from deminimis.cli import main

    res = CliRunner().invoke(main, ["check", "--orgnr", ORG, "--amount", "1000", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert '"grant_date": "2025-02-03"' in res.output and '"regime": "EU-2023/2831"' in res.output


def test_batch_of_1000_rows_with_10_broken_gives_990_decisions_and_10_errors(tmp_path: Path) -> None:
    breakers = [
        ("orgnr", "912345689"),
        ("amount", "-5"),
        ("amount", "tusen"),
        ("grant_date", "2021-02-30"),
        ("currency", "XYZ"),
        ("scheme", "mystery"),
        ("grant_date", ""),
        ("orgnr", "12"),
        ("amount", "1,234"),
        ("in_difficulty_2019", "kanskje"),
    ]
    rows = []
    for i in range(1000):
        row = {
            "application_id": f"S{i}",
            "orgnr": ORG,
            "amount": str(1000 + i),
            "currency": "NOK",
            "grant_date": "2021-06-01",
            "scheme": "",
            "in_difficulty_2019": "",
        }
        if i % 100 == 7:
            field, value = breakers[i // 100]
            row[field] = value
        rows.append(row)
    apps = write_csv(tmp_path / "apps.csv", rows)
    result = check_batch(apps)
    assert len(result.decisions) == 1000
    assert [d.application_id for d in result.decisions] == [f"S{i}" for i in range(1000)]
    errors = [d for d in result.decisions if d.route == "error"]
    assert len(errors) == 10
    assert sum(d.route == "de_minimis" for d in result.decisions) == 990
    assert {e.errors[0].field for e in errors} == {f for f, _ in breakers}
    assert all(
        e.errors[0].file == str(apps) and e.errors[0].row == int(e.application_id[1:]) + 2 for e in errors
    )
    assert result.exit_code == 3


def test_a_broken_prior_award_makes_its_undertaking_an_error_but_not_others(tmp_path: Path) -> None:
    awards = _awards(
        tmp_path,
        [
            {
                "orgnr": ORG,
                "granted_on": "2020-13-01",
                "amount": "1000",
                "currency": "EUR",
                "basis": "de_minimis",
            },
            {
                "orgnr": "912346803",
                "granted_on": "2020-01-01",
                "amount": "1000",
                "currency": "EUR",
                "basis": "???",
            },
            {
                "orgnr": "912345689",
                "granted_on": "2020-01-01",
                "amount": "1000",
                "currency": "EUR",
                "basis": "de_minimis",
            },
        ],
    )
    apps = write_csv(
        tmp_path / "apps.csv",
        [
            {"orgnr": ORG, "amount": "1000", "currency": "EUR", "grant_date": "2021-06-01"},
            {"orgnr": "912347915", "amount": "1000", "currency": "EUR", "grant_date": "2021-06-01"},
        ],
    )
    result = check_batch(apps, awards=awards)
    first, second = result.decisions
    assert first.route == "error" and first.errors[0].row == 2 and first.errors[0].field == "granted_on"
    assert second.route == "de_minimis"
    unowned = {(e.row, e.field) for e in result.input_errors}
    assert unowned == {(3, "basis"), (4, "orgnr")}


def test_alternative_rules_directory_changes_the_decision_without_code(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    text = (rules / "de_minimis.toml").read_text(encoding="utf-8")
    (rules / "de_minimis.toml").write_text(
        text.replace("ceiling_eur = 300000", "ceiling_eur = 250000"), encoding="utf-8"
    )
    shipped = check(orgnr=ORG, amount="260000", currency="EUR", grant_date="2025-03-01")
    changed = check(orgnr=ORG, amount="260000", currency="EUR", grant_date="2025-03-01", rules_dir=rules)
    assert (shipped.route, shipped.ceiling_eur) == ("de_minimis", "300000.00")
    assert (changed.route, changed.ceiling_eur) == ("gber", "250000.00")


BROKEN = {
    "unknown key": ('regime = "EU-1407/2013"', 'regime = "EU-1407/2013"\nsurprise = 1', "surprise"),
    "gap": (
        'valid_to = 2023-12-31\nin_force = true\nregime = "EU-1407/2013"',
        'valid_to = 2023-12-30\nin_force = true\nregime = "EU-1407/2013"',
        "gap",
    ),
    "overlap": ("valid_from = 2024-11-11", "valid_from = 2024-11-10", "overlaps"),
    "unknown basis": (
        'counts = ["de_minimis", "de_minimis_agriculture"',
        'counts = ["de_minimis", "de_minimis_agricolture"',
        "unknown basis",
    ),
    "missing citation": (
        'confidence = "V"\ncitation = { title = "Regulation (EU) No 1407/2013: de minimis',
        'confidence = "V"\nnote = "x"\n#',
        "citation",
    ),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_broken_rules_fail_loudly_naming_the_problem(kind: str, tmp_path: Path) -> None:
    old, new, keyword = BROKEN[kind]
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    text = (rules / "de_minimis.toml").read_text(encoding="utf-8")
    assert old in text
    (rules / "de_minimis.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleDataError) as info:
        load_rules(rules)
    assert keyword in str(info.value) and "de_minimis.toml" in str(info.value)


def test_every_contract_basis_and_scheme_has_rules() -> None:
    rules = load_rules()
    assert set(rules.basis_ids()) == {
        "de_minimis",
        "de_minimis_sgei",
        "de_minimis_agriculture",
        "de_minimis_fishery",
        "gber",
        "covid_tf_3_1",
        "covid_tf_3_12",
        "notified_scheme",
        "eu_central",
        "other",
    }
    regimes = {e.regime for e in rules.regimes.entries if e.in_force}
    assert regimes == {"EU-1407/2013", "EU-2023/2831", "EU-360/2012", "EU-2023/2832"}
    for entry in rules.regimes.entries:
        assert "Art" in entry.citation.article or "ESA" in entry.citation.article, entry.id


def test_batch_reports_progress_while_rendering(tmp_path: Path) -> None:
    rows = [{"orgnr": ORG, "amount": "1", "currency": "EUR", "grant_date": "2021-06-01"}] * 1200
    seen: list[tuple[int, int]] = []
    check_batch(
        write_csv(tmp_path / "apps.csv", rows), progress=lambda done, total: seen.append((done, total))
    )
    assert seen[0] == (0, 1200)
    assert all(total == 1200 for _, total in seen)
    assert [done for done, _ in seen] == sorted({done for done, _ in seen})
