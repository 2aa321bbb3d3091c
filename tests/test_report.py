"""Reporting export (render/report.py): navn, orgnr, tilskuddsbeløp, valuta, hjemmel, vedtaksdato."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from deminimis import BatchResult, check_batch
from deminimis.errors import InputError
from deminimis.render.report import KMD_COLUMNS, hjemmel, report_rows, write_report
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def batch() -> BatchResult:
    return check_batch(
        FIXTURES / "applications.csv",
        awards=FIXTURES / "awards.csv",
        links=FIXTURES / "links.csv",
        firms=FIXTURES / "firms.csv",
    )


def test_kmd_rows_are_the_granted_decisions_with_their_legal_basis_in_words(batch: BatchResult) -> None:
    frame, left_out = report_rows(batch.decisions)
    assert frame.columns == list(KMD_COLUMNS)
    assert frame.rows() == [
        (
            "KAFE BRYGGA AS",
            "912346803",
            "150000.00",
            "NOK",
            "Bagatellmessig støtte, forordning (EU) nr. 1407/2013",
            "2021-05-17",
        ),
        (
            "FJORDFISK FOREDLING AS",
            "912345688",
            "250000.00",
            "NOK",
            "Bagatellmessig støtte, forordning (EU) 2023/2831",
            "2025-03-03",
        ),
        (
            "KAFE BRYGGA AS",
            "912346803",
            "2500000.00",
            "NOK",
            "Kommunal kompensasjonsordning, midlertidig rammeverk for statsstøtte (covid-19) punkt 3.1, "
            "ESA-vedtak 031/21/COL",
            "2021-12-01",
        ),
    ]
    assert [(d.application_id, d.route) for d in left_out] == [
        ("A2", "gber"),
        ("A3", "manual_review"),
        ("A4", "gber"),
        ("A5", "manual_review"),
        ("A8", "error"),
    ]
    everything, none_left = report_rows(batch.decisions, include_all=True)
    assert everything.height == 8 and not none_left
    assert everything["hjemmel"][1].startswith("Ikke avgjort: ikke bagatellmessig støtte")
    assert hjemmel(batch.decisions[7]) == "Ikke avgjort: feil i inndata"


def test_report_files_csv_with_bom_and_xlsx_with_numbers_and_dates(
    batch: BatchResult, tmp_path: Path
) -> None:
    write_report(batch.decisions, tmp_path / "r.csv")
    data = (tmp_path / "r.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    csv = pl.read_csv(tmp_path / "r.csv", infer_schema=False)
    assert csv.columns == list(KMD_COLUMNS) and csv["tilskuddsbeløp"].to_list()[0] == "150000.00"

    write_report(batch.decisions, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["rapport"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == KMD_COLUMNS
    assert rows[1] == (
        "KAFE BRYGGA AS",
        "912346803",
        150000,
        "NOK",
        "Bagatellmessig støtte, forordning (EU) nr. 1407/2013",
        dt.datetime(2021, 5, 17),
    )
    assert ws.cell(2, 3).number_format == "#,##0.00" and ws.freeze_panes == "A2"


def test_report_refuses_unknown_formats(batch: BatchResult, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="use .csv or .xlsx"):
        write_report(batch.decisions, tmp_path / "r.txt")
    with pytest.raises(InputError, match="report format 'xyz'"):
        write_report(batch.decisions, tmp_path / "r.csv", "xyz")
