"""``deminimis validate``, ``letter`` and ``report`` (files_cli.py), on a local click group."""

from __future__ import annotations

import json
from pathlib import Path

import click
import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

from deminimis import check, check_batch
from deminimis.files_cli import letter, report, validate, validate_files
from tests.conftest import FIXTURES, write_csv

REAL = FIXTURES / "realworld"


@click.group()
def cli() -> None:
    """Test group: the real CLI registers the same command objects."""


for _command in (validate, letter, report):
    cli.add_command(_command)


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, [str(a) for a in args])
    return res.exit_code, res.stdout, res.stderr


# --------------------------------------------------------------------------- validate


def test_validate_names_every_broken_cell_and_exits_3() -> None:
    path = REAL / "applications_broken.csv"
    code, out, err = _run("validate", path)
    assert code == 3
    lines = out.splitlines()
    expected = [
        (3, "orgnr", "orgnr '912346804' has a wrong check digit (MOD11)"),
        (4, "amount", "amount 'tusen' is not a number"),
        (5, "currency", "unknown currency 'XYZ'"),
        (6, "grant_date", "grant_date '31.02.2021' is not a real date"),
        (7, "scheme", "unknown scheme 'mystery'"),
        (8, "nace", "nace 'restaurant' is not a NACE code"),
        (9, "fiscal_year_start", "fiscal_year_start '13-01' must be MM-DD"),
        (10, "in_difficulty_2019", "in_difficulty_2019 'kanskje' must be yes/no"),
        (11, "application_id", "application_id 'B1' is used by an earlier row"),
    ]
    assert len(lines) == len(expected)
    for line, (row, field, message) in zip(lines, expected, strict=True):
        assert line.startswith(f"{path}:{row} {field}: {message}"), line
    assert "applications, 10 rows, 9 problem(s), 0 warning(s), 0 ignored row(s)" in err


def test_validate_lists_ignored_rows_and_warnings_and_exits_0_unless_strict() -> None:
    path = REAL / "awards_nb_cp1252.csv"
    code, out, err = _run("validate", path)
    assert code == 0
    assert out.splitlines() == [
        f"{path}:6 ignored: blank row",
        f"{path}:7 basis: warning: basis 'Tilskudd fra fylket – «næringsfond»' is not a known legal basis; "
        "counted as de minimis aid (the safe reading); nearest known basis: "
        "'eu-midler forvaltet av kommisjonen' (eu_central)",
        f"{path}:8 basis: warning: basis 'Tilskudd fra fylket – «næringsfond»' is not a known legal basis; "
        "counted as de minimis aid (the safe reading); nearest known basis: "
        "'eu-midler forvaltet av kommisjonen' (eu_central)",
        f"{path}:8 duplicate: warning: same orgnr, granted_on, amount, currency and reference as {path}:7; "
        "both rows are kept",
        f"{path}:9 ignored: totals row ('Sum')",
    ]
    assert "awards, 6 rows, 0 problem(s), 3 warning(s), 2 ignored row(s)" in err
    assert _run("validate", path, "--strict")[0] == 3


def test_validate_guesses_each_kind_reads_sheets_and_checks_duplicates_across_files(tmp_path: Path) -> None:
    copy = write_csv(
        tmp_path / "more_awards.csv",
        [
            {
                "orgnr": "912346803",
                "granted_on": "2019-06-12",
                "amount": "350000",
                "currency": "NOK",
                "basis": "de_minimis",
                "reference": "2019/123",
            }
        ],
    )
    files = [FIXTURES / "awards.csv", FIXTURES / "links.csv", FIXTURES / "firms.csv", copy]
    result = validate_files(files)
    assert list(result.kinds.values()) == ["awards", "links", "firms", "awards"]
    assert result.findings.select("file", "row", "field").rows() == [(str(copy), 2, "duplicate")]
    assert f"{FIXTURES / 'awards.csv'}:2" in result.findings["message"][0]
    code, out, err = _run(
        "validate", REAL / "applications_title.xlsx", "--sheet", "Runde 2", "--kind", "applications"
    )
    assert code == 0 and out == "" and "applications, 1 rows, 0 problem(s)" in err


def test_validate_checks_awards_dated_before_their_currency_has_a_rate(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "aw.csv",
        [
            {
                "orgnr": "912346803",
                "granted_on": "1998-12-30",
                "amount": "1",
                "currency": "NOK",
                "basis": "gber",
            }
        ],
    )
    code, out, _ = _run("validate", path)
    assert code == 3 and f"{path}:2 granted_on: no ECB reference rate for NOK on or before 1998-12-30" in out


def test_validate_unusable_files_exit_2_and_the_others_are_still_checked(tmp_path: Path) -> None:
    code, out, err = _run("validate", tmp_path / "nope.csv", FIXTURES / "awards.csv")
    assert code == 2
    assert "nope.csv: file not found" in err and "awards, 9 rows, 0 problem(s)" in err
    unknown = write_csv(tmp_path / "x.csv", [{"navn": "A", "tall": "1"}])
    code, _, err = _run("validate", unknown)
    assert code == 2 and "cannot tell which table" in err
    code, _, err = _run("validate", REAL / "applications_title.xlsx", "--sheet", "Nope")
    assert code == 2 and "no sheet named 'Nope'" in err


def test_ten_thousand_rows_with_one_percent_broken_keep_every_row_in_order(tmp_path: Path) -> None:
    """Acceptance 2: 10,000 decisions in input order, 100 of them errors; validate names each cell."""
    breakers = [
        ("orgnr", "912345689"),
        ("amount", "ti tusen"),
        ("currency", "XYZ"),
        ("grant_date", "30.02.2021"),
        ("scheme", "mystery"),
    ]
    columns = ["Søknadsnr", "Org.nr.", "Søkt beløp", "Valuta", "Vedtaksdato", "Ordning"]
    index = {"orgnr": 1, "amount": 2, "currency": 3, "grant_date": 4, "scheme": 5}
    path = tmp_path / "big.xlsx"
    broken: dict[int, str] = {}
    with xlsxwriter.Workbook(path, {"constant_memory": True}) as wb:
        ws = wb.add_worksheet("Søknader")
        ws.write(0, 0, "Søknader 2021")
        ws.write_row(2, 0, columns)
        for i in range(10_000):
            row = [f"S{i}", "912 345 688", f"{1000 + i},50", "NOK", "01.06.2021", ""]
            if i % 100 == 37:
                field, value = breakers[(i // 100) % len(breakers)]
                row[index[field]] = value
                broken[i + 4] = field  # spreadsheet row: title, blank, header, then data from row 4
            ws.write_row(3 + i, 0, row)
    # Each row decided alone: 10,000 grants to one firm would exceed the ceiling cumulatively,
    # and this test is about keeping every row in order.
    result = check_batch(path, independent=True)
    assert len(result.decisions) == 10_000
    assert [d.application_id for d in result.decisions] == [f"S{i}" for i in range(10_000)]
    errors = {e.row: e.field for d in result.decisions if d.route == "error" for e in d.errors}
    assert errors == broken and len(broken) == 100
    assert sum(d.route == "de_minimis" for d in result.decisions) == 9_900
    assert result.decisions[1].amount == "1001.50"

    code, out, err = _run("validate", path)
    assert code == 3
    named = {(int(line.split(":")[1].split()[0]), line.split()[1].rstrip(":")) for line in out.splitlines()}
    assert {(row, field) for row, field in broken.items()} <= named
    assert "100 problem(s)" in err and "10000 rows" in err


# --------------------------------------------------------------------------- letter, report


@pytest.fixture(scope="module")
def decisions_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = check_batch(
        FIXTURES / "applications.csv", awards=FIXTURES / "awards.csv", firms=FIXTURES / "firms.csv"
    )
    path = tmp_path_factory.mktemp("d") / "d.json"
    path.write_text(json.dumps([d.to_json_dict() for d in result.decisions], ensure_ascii=False), "utf-8")
    return path


def test_letter_command_prints_one_or_every_decision(decisions_json: Path) -> None:
    code, out, _ = _run("letter", decisions_json, "--application-id", "A1")
    assert code == 0 and out.startswith(
        "Tilskudd til KAFE BRYGGA AS (org.nr. 912 346 803) – bagatellmessig støtte"
    )
    assert "kommisjonsforordning (EU) nr. 1407/2013" in out and "-" * 72 not in out
    code, out, _ = _run("letter", decisions_json, "--application-id", "A6", "--lang", "en")
    assert code == 0 and "Commission Regulation (EU) 2023/2831" in out
    code, out, _ = _run("letter", decisions_json)
    assert code == 0 and out.count("-" * 72) == 7
    code, _, err = _run("letter", decisions_json, "--application-id", "ZZ")
    assert code == 2 and "no decision with application_id 'ZZ'" in err


def test_letter_command_reads_a_single_check_json_object(tmp_path: Path) -> None:
    d = check(orgnr="912346803", amount="150000", grant_date="2021-05-17", awards=FIXTURES / "awards.csv")
    path = tmp_path / "one.json"
    path.write_text(json.dumps(d.to_json_dict(), ensure_ascii=False), "utf-8")
    code, out, _ = _run("letter", path)
    assert code == 0 and "EUR 14\u00a0900,91" in out
    bad = tmp_path / "bad.json"
    bad.write_text('{"route": "de_minimis"}', "utf-8")
    code, _, err = _run("letter", bad)
    assert code == 2 and "not a deminimis decision" in err


def test_report_command_writes_csv_and_xlsx_and_names_what_it_left_out(
    decisions_json: Path, tmp_path: Path
) -> None:
    code, _, err = _run("report", decisions_json, "--format", "kmd", "--out", tmp_path / "r.csv")
    assert code == 0 and "3 grant(s) written" in err and "A2 (gber)" in err
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbfnavn,orgnr,tilskuddsbel")
    code, _, _ = _run("report", decisions_json, "--out", tmp_path / "r.xlsx", "--all")
    assert code == 0
    rows = list(openpyxl.load_workbook(tmp_path / "r.xlsx")["rapport"].iter_rows(values_only=True))
    assert len(rows) == 9 and rows[0][2] == "tilskuddsbeløp"
    code, _, err = _run("report", decisions_json, "--out", tmp_path / "r.txt")
    assert code == 2 and "use .csv or .xlsx" in err
