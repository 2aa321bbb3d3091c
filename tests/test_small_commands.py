"""The small commands and the options (issue 17): zone by number or name in nb and en,
firm --firms, help texts readable without the contract, bad option values as usage errors,
the batch progress bar only on a terminal."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from deminimis import cli
from deminimis.cli import main
from tests.conftest import FIXTURES


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.stdout, res.stderr


# --------------------------------------------------------------------------- zone


def test_zone_by_name_in_norwegian_with_the_fribelop_of_the_year() -> None:
    code, out, _ = _run("zone", "Etne", "--year", "2024")
    assert code == 0
    assert out.splitlines()[0] == "4611 Etne, 2024: sone Ia, arbeidsgiveravgift 10,6 %"
    assert "Fribeløp 2024 (generelle næringer): kr 850\u00a0000 per foretak" in out
    assert "Bagatellmessig støtte: den reduserte satsen" in out


def test_zone_in_english_and_the_fribelop_changes_with_the_year_and_sector() -> None:
    code, out, _ = _run("zone", "4611", "--year", "2021", "--lang", "en", "--sector", "road_freight")
    assert code == 0 and "zone Ia, employer tax rate 10.6 %" in out
    assert "Fribeløp 2021 (road freight): NOK 250,000 per undertaking" in out
    code, out, _ = _run("zone", "4611", "--year", "2021", "--lang", "en", "--sector", "agriculture_fishery")
    assert code == 0 and "No fribeløp for agriculture, forestry and fishing in zone Ia." in out


def test_zone_year_is_the_grant_year_or_this_year() -> None:
    code, out, _ = _run("zone", "Finnøy", "--grant-date", "17.05.2021")
    assert code == 0 and out.startswith("1103 Stavanger (tidligere Finnøy), 2021: sone Ia")
    with freeze_time("2026-03-01"):
        code, out, _ = _run("zone", "Etne")
    assert code == 0 and out.startswith("4611 Etne, 2026: sone Ia")


def test_zone_former_municipality_by_name_after_it_was_merged() -> None:
    code, out, _ = _run("zone", "Finnøy", "--year", "2024")
    assert code == 0 and out.startswith("1103 Stavanger, 2024: sone I,")
    assert "Finnøy er ikke en egen kommune i 2024; den er en del av 1103 Stavanger." in out
    code, out, _ = _run("zone", "finnøy", "--year", "2019", "--lang", "en")  # its own number then
    assert code == 0 and out.startswith("1141 Finnøy, 2019: zone Ia")


def test_zone_hint_for_a_renumbered_kommune_and_one_line_errors() -> None:
    code, _, err = _run("zone", "1211", "--year", "2024")
    assert code == 2 and err.strip() == (
        "deminimis: error: kommunenummer 1211 (Etne) is not in use in 2024: Etne has kommunenummer 4611"
    )
    code, _, err = _run("zone", "1141", "--year", "2021")
    assert code == 2 and "Finnøy is part of 1103 Stavanger" in err
    code, _, err = _run("zone", "Herøy", "--year", "2024")
    assert code == 2 and "1515 Herøy (Møre og Romsdal), 1818 Herøy (Nordland)" in err
    code, _, err = _run("zone", "Ettne", "--year", "2024")
    assert code == 2 and "did you mean: etne" in err
    for bad in (["--grant-date", "31.11.2026"], ["--sector", "fishing"], ["--year", "2031"]):
        code, out, err = _run("zone", "Etne", *bad)
        assert code == 2 and not out and len(err.strip().splitlines()) == 1, (bad, err)


def test_zone_names_are_data_not_code() -> None:
    source = (Path(cli.__file__).parent / "kommuner.py").read_text(encoding="utf-8")
    code = re.sub(r'""".*?"""|#.*', "", source, flags=re.S)  # docstrings and comments may give examples
    assert not re.search(r"Etne|Finnøy|Stavanger|1211|4611", code)


# --------------------------------------------------------------------------- firm


def test_firm_from_the_firms_file_then_brreg() -> None:
    code, out, _ = _run("firm", "912346803", "--firms", str(FIXTURES / "firms.csv"))
    assert code == 0
    assert "name:           KAFE BRYGGA AS" in out and "NACE:           56.101" in out
    assert f"source:         {FIXTURES / 'firms.csv'}" in out
    code, out, err = _run("firm", "974760673", "--firms", str(FIXTURES / "firms.csv"))
    assert code == 0 and "is not in" in err and "source:         none" in out
    code, _, err = _run("firm", "912346803", "--firms", "missing.csv")
    assert code == 2 and "missing.csv: file not found (firms)" in err


# --------------------------------------------------------------------------- options and help


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--amount", "200.000", "a single dot before three digits is ambiguous"),
        ("--amount", "kr 200.000", "(200 or 200 000?)"),
        ("--amount", "sixty", "--amount 'sixty'"),
        ("--grant-date", "31.11.2026", "is not a real date"),
        ("--grant-date", "2026-13-01", "is not a real date"),
    ],
)
def test_bad_option_values_are_one_line_usage_errors(option: str, value: str, says: str) -> None:
    args = {"--amount": "200000", "--grant-date": "2026-11-30"} | {option: value}
    pairs = [x for kv in args.items() for x in kv]
    code, out, err = _run("check", "--orgnr", "974760673", *pairs, "--lang", "en")  # bokmål: test_cli_options
    assert code == 2 and not out, out
    assert len(err.strip().splitlines()) == 1 and says in err


def test_a_norwegian_amount_with_spaces_or_a_decimal_comma_is_accepted() -> None:
    for amount in ("200 000", "200000,50", "kr 200 000", "1.000.000", "200.000,50"):
        code, out, _ = _run("check", "--orgnr", "974760673", "--amount", amount, "--grant-date", "17.05.2021")
        assert code == 0 and "bagatellmessig støtte" in out.lower(), amount


COMMANDS = [
    ["check"], ["batch"], ["zone"], ["firm"], ["validate"], ["letter"], ["report"],
    ["ledger"], ["register"], ["brreg"], ["fx"], ["serve"],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_help_needs_no_contract_and_shows_an_example(command: list[str]) -> None:
    code, out, _ = _run(*command, "--help")
    assert code == 0
    assert "contract" not in out.lower() and "§" not in out, out
    assert "Example" in out, out


@pytest.mark.parametrize("command", ["check", "batch"])
def test_file_options_say_csv_or_xlsx_and_show_a_line(command: str) -> None:
    _, out, _ = _run(command, "--help")
    text = " ".join(out.split())
    for option in ("--awards", "--links", "--firms", "--employer-tax", "--events"):
        part = text.split(option, 1)[1][:400]
        assert "CSV or XLSX" in part and "e.g." in part, (option, part)
    if command == "check":
        assert "('200.000') is refused here: it may mean 200 or 200 000" in text  # says why


# --------------------------------------------------------------------------- progress


def test_batch_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.sys, "stderr", io.StringIO())
    assert cli._progress_bar() is None  # piped or redirected: silent

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", screen)
    show = cli._progress_bar()
    assert show is not None
    show(0, 10)  # a small batch: no bar
    show(10, 10)
    assert screen.getvalue() == ""
    show(0, cli.PROGRESS_FROM_ROWS)
    show(cli.PROGRESS_FROM_ROWS, cli.PROGRESS_FROM_ROWS)
    assert "deciding" in screen.getvalue()


def test_batch_writes_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    code, _, err = _run("batch", str(FIXTURES / "applications.csv"), "--out", str(out))
    assert code == 3 and "deciding" not in err and "\x1b[" not in err


def test_ledger_reserve_refuses_the_same_bad_values(tmp_path: Path) -> None:
    db = str(tmp_path / "l.sqlite")
    assert _run("ledger", "init", "--db", db)[0] == 0
    for bad in (
        ["--amount", "200.000", "--grant-date", "2021-05-17"],
        ["--amount", "1", "--grant-date", "31.11.2026"],
    ):
        code, out, err = _run("ledger", "reserve", "--db", db, "--orgnr", "912346803", *bad)
        assert code == 2 and not out and len(err.strip().splitlines()) == 1, err
