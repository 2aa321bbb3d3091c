"""Spreadsheets an officer can work from (issue 17): Norwegian headers and route words,
frozen header and filter, CSV for a Norwegian Excel, and the round trip to letter/report."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
from click.testing import CliRunner

from deminimis.cli import main
from tests.conftest import FIXTURES

SIDE = ["--awards", str(FIXTURES / "awards.csv"), "--links", str(FIXTURES / "links.csv")]


def _batch(out: Path, *extra: str) -> None:
    result = CliRunner().invoke(
        main, ["batch", str(FIXTURES / "applications.csv"), *SIDE, "--out", str(out), *extra]
    )
    assert result.exit_code == 3, result.output  # one application row is broken


def test_batch_headers_nb_writes_norwegian_sheets_columns_and_route_words(tmp_path: Path) -> None:
    out = tmp_path / "vedtak.xlsx"
    _batch(out, "--headers", "nb")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["vedtak", "feil", "tidligere støtte", "json"]
    sheet = book["vedtak"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["søknadsnummer", "organisasjonsnummer", "navn", "tildelingsdato", "utfall"]
    assert not [h for h in header if "_" in h]  # no internal field names
    routes = {row[4] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert routes == {
        "bagatellmessig støtte",
        "kompensasjonsordningen",
        "ikke bagatellmessig støtte",
        "manuell vurdering",
        "feil i inndataene",
    }
    assert sheet.freeze_panes == "A2" and (sheet.auto_filter.ref or list(sheet.tables))  # filter: a table
    money = header.index("beløp") + 1
    cell = sheet.cell(2, money)
    assert cell.number_format == "#,##0.00" and isinstance(cell.value, int | float)
    errors = list(book["feil"].iter_rows(values_only=True))
    assert errors[0] == ("fil", "rad", "kolonne", "melding", "søknadsnummer")
    assert errors[1][2:] == (
        "organisasjonsnummer",
        "organisasjonsnummeret «912346804» har feil kontrollsiffer",
        "A8",
    )  # the errors sheet in bokmål too: no English sentence in a Norwegian workbook


def test_csv_dialect_excel_nb_has_semicolons_and_decimal_commas(tmp_path: Path) -> None:
    out = tmp_path / "vedtak.csv"
    _batch(out, "--headers", "nb", "--csv-dialect", "excel-nb")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.split(b"\n", 1)[0].count(b";") > 20
    frame = pl.read_csv(out, separator=";", infer_schema=False)
    assert (
        frame.get_column("beløp")[0] == "150000,00" and frame.get_column("ny støtte (EUR)")[0] == "14900,91"
    )


def test_batch_with_norwegian_headers_then_letter_and_report(tmp_path: Path) -> None:
    for out in (tmp_path / "v.csv", tmp_path / "v.xlsx"):
        _batch(out, "--headers", "nb", "--csv-dialect", "excel-nb")
        runner = CliRunner()
        letters = runner.invoke(main, ["letter", str(out), "--out", str(tmp_path / f"brev-{out.suffix[1:]}")])
        assert letters.exit_code == 0 and "5 letter(s) and 8 case note(s)" in letters.output
        report = runner.invoke(
            main, ["report", str(out), "--out", str(tmp_path / f"r-{out.suffix[1:]}.xlsx")]
        )
        assert report.exit_code == 0 and "5 grant(s)" in report.output
