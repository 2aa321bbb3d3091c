"""The command line as contract §2-3 defines it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from deminimis.cli import main
from tests.conftest import FIXTURES, ROOT, write_csv

CONTRACT_KEYS = {
    "application_id",
    "orgnr",
    "grant_date",
    "undertaking",
    "route",
    "regime",
    "window",
    "ceiling_eur",
    "prior_de_minimis_eur",
    "employer_tax_advantage_nok",
    "employer_tax_advantage_eur",
    "counted_total_eur",
    "new_aid_eur",
    "headroom_before_eur",
    "headroom_after_eur",
    "max_de_minimis_grant_eur",
    "max_de_minimis_grant",
    "covid_tf",
    "fx",
    "counted",
    "reasons",
    "warnings",
    "errors",
}
MONEY = re.compile(r"^-?\d+\.\d{2}$")
SIDE = [
    "--awards",
    str(FIXTURES / "awards.csv"),
    "--links",
    str(FIXTURES / "links.csv"),
    "--firms",
    str(FIXTURES / "firms.csv"),
]


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_check_json_has_every_contract_key_and_money_as_two_decimal_strings() -> None:
    code, out, _ = _run(
        "check",
        "--orgnr",
        "912346803",
        "--amount",
        "150000",
        "--currency",
        "NOK",
        "--grant-date",
        "2021-05-17",
        "--scheme",
        "covid_tf_3_1",
        "--format",
        "json",
        *SIDE,
    )
    assert code == 0
    d = json.loads(out)
    assert set(d) >= CONTRACT_KEYS
    for key in CONTRACT_KEYS:
        if key.endswith("_eur") or key in ("max_de_minimis_grant", "employer_tax_advantage_nok"):
            assert isinstance(d[key], str) and MONEY.match(d[key]), (key, d[key])
    assert set(d["window"]) == {"from", "to", "kind"}
    assert d["route"] == "de_minimis" and d["window"]["from"] == "2019-01-01"
    assert all(MONEY.match(a["eur"]) and MONEY.match(a["amount"]) for a in d["counted"])
    assert {"currency", "date", "rate_date", "rate", "source"} <= set(d["fx"][0])
    assert all({"code", "citation", "text_nb", "text_en"} <= set(r) for r in d["reasons"])
    assert set(d["covid_tf"]) >= {"ceiling_eur", "prior_eur", "headroom_before_eur"}


def test_check_text_in_both_languages() -> None:
    base = ["check", "--orgnr", "912346803", "--amount", "150000", "--grant-date", "2021-05-17", *SIDE]
    _, nb, _ = _run(*base, "--lang", "nb")
    _, en, _ = _run(*base, "--lang", "en")
    assert "Resultat: bagatellmessig støtte" in nb and "DE_MINIMIS" not in nb
    assert "Beregningsperioden er 01.01.2019 til og med 17.05.2021" in nb
    assert "Result: DE_MINIMIS" in en and "The period is 2019-01-01 to 2021-05-17 inclusive" in en


def test_check_that_does_not_fit_lists_when_room_frees_up_in_json_and_text() -> None:
    # Fixture aid: NOK 350,000 of 2019-06-12 (EUR 35,780.00) and EUR 80,000 of 2020-11-03.
    base = ["check", "--orgnr", "912346803", "--amount", "2500000", "--grant-date", "2021-05-17", *SIDE]
    code, out, _ = _run(*base, "--format", "json")
    decision = json.loads(out)
    assert code == 0 and decision["route"] == "gber"
    steps = [tuple(s.values()) for s in decision["headroom_calendar"]]
    assert steps == [
        ("2022-01-01", "120000.00", "35780.00", "1207980.00"),  # 120,000 x 10.0665 (2021-05-17)
        ("2023-01-01", "200000.00", "80000.00", "2013300.00"),
    ]
    _, nb, _ = _run(*base)
    _, en, _ = _run(*base, "--lang", "en")
    plain_nb = nb.replace("\xa0", " ")
    assert "Fra 01.01.2022 er det plass til EUR 120 000,00 (om lag kr 1 207 980,00" in plain_nb
    assert "from 2023-01-01, EUR 200,000.00 fits (about NOK 2,013,300.00" in en
    assert nb.count("01.01.2022") == 1  # once, as a reason


def test_batch_writes_every_format_in_input_order(tmp_path: Path) -> None:
    apps = FIXTURES / "applications.csv"
    for suffix in (".json", ".jsonl", ".csv", ".xlsx"):
        out = tmp_path / f"d{suffix}"
        code, _, err = _run("batch", str(apps), *SIDE, "--out", str(out))
        assert code == 3, err  # the fixtures hold one broken orgnr on purpose
        assert "8 decisions written" in err
    decisions = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert [d["application_id"] for d in decisions] == [f"A{i}" for i in range(1, 9)]
    assert [d["route"] for d in decisions] == [
        "de_minimis",
        "gber",
        "manual_review",
        "gber",
        "manual_review",
        "de_minimis",
        "covid_tf",
        "error",
    ]
    lines = (tmp_path / "d.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["application_id"] for line in lines] == [d["application_id"] for d in decisions]
    csv_bytes = (tmp_path / "d.csv").read_bytes()
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and b"application_id" in csv_bytes[:200]
    assert (tmp_path / "d.xlsx").read_bytes()[:2] == b"PK"


def test_unusable_input_exits_2_with_one_line(tmp_path: Path) -> None:
    code, _, err = _run("batch", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.json"))
    assert code == 2 and "nope.csv: file not found" in err and err.count("\n") == 1
    bad = write_csv(tmp_path / "apps.csv", [{"orgnr": "912345688", "sum": "1"}])
    code, _, err = _run("batch", str(bad), "--out", str(tmp_path / "o.json"))
    assert code == 2 and "missing column(s) amount, grant_date" in err
    code, _, err = _run(
        "check",
        "--orgnr",
        "912345688",
        "--amount",
        "1",
        "--grant-date",
        "2021-01-04",
        "--awards",
        str(tmp_path / "missing.csv"),
    )
    assert code == 2 and "missing.csv" in err
    code, _, err = _run("batch", str(FIXTURES / "applications.csv"), "--out", str(tmp_path / "o.txt"))
    assert code == 2 and "unknown output format" in err


def test_check_error_row_exits_3() -> None:
    code, out, _ = _run(
        "check", "--orgnr", "912345689", "--amount", "1", "--grant-date", "2021-01-04", "--format", "json"
    )
    assert code == 3 and json.loads(out)["route"] == "error"


def test_cli_shim_runs_from_a_checkout() -> None:
    res = subprocess.run(
        [
            sys.executable,
            str(ROOT / "cli.py"),
            "check",
            "--orgnr",
            "974760673",
            "--amount",
            "1000",
            "--currency",
            "EUR",
            "--grant-date",
            "2021-05-17",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["route"] == "de_minimis"


def test_zone_command_prints_zone_and_meaning() -> None:
    code, out, _ = _run("zone", "1103", "--year", "2021", "--area", "Finnøy", "--lang", "en")
    assert code == 0 and "zone Ia" in out and "de minimis" in out
    code, out, _ = _run("zone", "1144", "--year", "2021", "--lang", "en")
    assert code == 0 and "zone II" in out and "not de minimis" in out
    code, _, err = _run("zone", "9999", "--year", "2021")
    assert code == 2 and "unknown kommunenummer '9999'" in err


def test_check_with_employer_tax_file_counts_the_advantage() -> None:
    code, out, _ = _run(
        "check",
        "--orgnr",
        "912346803",
        "--amount",
        "100000",
        "--grant-date",
        "2021-05-17",
        "--awards",
        str(FIXTURES / "awards.csv"),
        "--employer-tax",
        str(FIXTURES / "employer_tax.csv"),
        "--format",
        "json",
    )
    assert code == 0
    d = json.loads(out)
    assert d["employer_tax_advantage_nok"] == "495833.33"  # 2020: Jan-Oct enjoyed before the 03.11.2020 aid
    assert [a["period"] for a in d["counted"] if a["source"] == "employer_tax"] == ["2019", "2020", "2021"]
