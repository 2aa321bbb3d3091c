"""Issue 19, readers: hostile bytes get a clear error naming the file and row, or are read."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from deminimis.errors import InputError
from deminimis.sources import tables
from deminimis.sources.table_guards import ReadLimits, read_limits

HEADER = b"orgnr,amount,grant_date\n"
ROW = b"974760673,100,2021-05-17\n"


def _write(tmp_path: Path, data: bytes, name: str = "a.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_one_cp1252_byte_in_a_utf8_file_is_an_error_naming_its_line(tmp_path: Path) -> None:
    data = HEADER + b"974760673,100,2021-05-17,\n" + "912346803,1,Aø1\n".encode() + b"9,\xf8,x\n"
    with pytest.raises(InputError, match=r"mixed text encodings.*line 4"):
        tables.read_table(_write(tmp_path, data), "applications")


def test_a_file_wholly_in_cp1252_is_still_read_as_cp1252(tmp_path: Path) -> None:
    frame = tables.read_table(_write(tmp_path, HEADER + b"974760673,100,\xf8\n"), "applications")
    assert frame.get_column("grant_date").to_list() == ["ø"]


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("orgnr,amount,amount,grant_date", "'amount' and 'amount'"),
        ("orgnr,amount,beløp,grant_date", "'amount' and 'beløp'"),
        ("orgnr,orgnr,amount,grant_date", "'orgnr' and 'orgnr'"),
    ],
)
def test_a_duplicated_column_is_an_error_naming_both_columns(tmp_path: Path, header: str, named: str) -> None:
    data = f"{header}\n974760673,1,2,2021-05-17\n".encode()
    with pytest.raises(InputError, match=named):
        tables.read_table(_write(tmp_path, data), "applications")


def test_extra_fields_on_a_row_are_an_error_naming_the_row(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="row 3 has 4 fields, the header has 3"):
        tables.read_table(_write(tmp_path, HEADER + ROW + b"974760673,100,2021-05-17,x\n"), "applications")


def test_empty_trailing_fields_are_not_extra_fields(tmp_path: Path) -> None:
    frame = tables.read_table(_write(tmp_path, HEADER + b"974760673,100,2021-05-17,,\n"), "applications")
    assert frame.height == 1


def test_a_stray_quote_that_opens_a_value_names_the_row(tmp_path: Path) -> None:
    data = HEADER + ROW * 5 + b'974760673,"100,2021-05-17\n' + ROW * 5
    with pytest.raises(InputError, match="row 7: a quote opens a value"):
        tables.read_table(_write(tmp_path, data), "applications")


def test_a_stray_quote_inside_a_value_is_read_as_text_and_every_row_comes_back(tmp_path: Path) -> None:
    data = HEADER + ROW * 3 + b'974760673,10"0,2021-05-17\n' + ROW * 3
    frame = tables.read_table(_write(tmp_path, data), "applications")
    assert frame.height == 7 and frame.get_column("amount")[3] == '10"0'


def test_cr_only_line_ends_are_read(tmp_path: Path) -> None:
    data = (HEADER + ROW + ROW).replace(b"\n", b"\r")
    assert tables.read_table(_write(tmp_path, data), "applications").get_column("row").to_list() == [2, 3]


def test_a_200_kb_line_before_the_header_is_an_ignored_row_not_a_traceback(tmp_path: Path) -> None:
    frame, ignored = tables.read_table_report(
        _write(tmp_path, b"x" * 200_000 + b"\n" + HEADER + ROW), "applications"
    )
    assert frame.height == 1 and ignored.get_column("reason").to_list() == ["above the header row"]


def test_a_formula_cell_without_a_calculated_value_is_flagged_not_read_as_0(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    with xlsxwriter.Workbook(path) as wb:  # xlsxwriter stores 0 as the value of every formula
        ws = wb.add_worksheet()
        ws.write_row(0, 0, ["orgnr", "amount", "grant_date"])
        ws.write_row(1, 0, ["974760673"])
        ws.write_formula(1, 1, "=SUM(100,200)")
        ws.write(1, 2, "2021-05-17")
        ws.write_row(2, 0, ["974760673"])
        ws.write_formula(2, 1, "=SUM(100,200)", None, 300)  # calculated by a spreadsheet program
        ws.write(2, 2, "2021-05-17")
    raw = tables.read_table(path, "applications")
    assert raw.get_column("amount").to_list() == ["=SUM(100,200)", "300"]
    _, errors = tables.canonical_applications(raw, ["NOK", "EUR"], ["ad_hoc"])
    assert errors.filter(field="amount").get_column("row").to_list() == [2]


def _bomb(path: Path, unpacked: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            chunk = b"<row><c><v>0</v></c></row>" * 40_000
            for _ in range(unpacked // len(chunk) + 1):
                fh.write(chunk)
    return path


def test_an_xlsx_decompression_bomb_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bomb.xlsx", 64 * 1024**2)
    assert path.stat().st_size < 1024**2
    with read_limits(ReadLimits(max_sheet_bytes=32 * 1024**2)), pytest.raises(InputError, match="unpacks to"):
        tables.read_table(path, "applications")
    with read_limits(ReadLimits(max_ratio=20)), pytest.raises(InputError, match="unpacks to"):
        tables.read_table(path, "applications")


def test_rows_are_bounded_while_reading(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + ROW * 50)
    with read_limits(ReadLimits(max_rows=10)), pytest.raises(InputError, match="more than 10 rows"):
        tables.read_table(path, "applications")
    assert tables.read_table(path, "applications").height == 50


def test_ignored_rows_of_a_batch_file_are_reported_on_stderr_and_in_the_result(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from deminimis.api import check_batch
    from deminimis.cli import main

    data = (
        b"application_id,orgnr,amount,currency,grant_date\n"
        b"A1,974760673,100,NOK,2021-05-17\n"
        b"A2,Orgnr,100,NOK,2021-05-17\n"
        b"A3,Sum,5000000,NOK,2021-05-17\n"
        b"Total,,5000200,NOK,\n"
    )
    path = _write(tmp_path, data)
    result = check_batch(path)
    assert [d.application_id for d in result.decisions] == ["A1", "A2", "A3"]
    assert [d.route for d in result.decisions][1:] == ["error", "error"]
    assert [(r.row, r.message) for r in result.ignored] == [(5, "totals row ('Total')")]
    out = tmp_path / "d.json"
    res = CliRunner().invoke(main, ["batch", str(path), "--out", str(out)])
    assert "ignored: " in res.stderr and ":5: totals row ('Total')" in res.stderr
    assert len(json.loads(out.read_text())) == 3


def test_a_row_whose_orgnr_reads_org_nr_or_with_only_an_unknown_column_filled_is_never_dropped_silently(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from deminimis.api import check_batch
    from deminimis.cli import main

    data = (
        b"application_id,orgnr,amount,currency,grant_date,note\n"
        b"A1,974760673,100,NOK,2021-05-17,\n"
        b"A2,org.nr,100,NOK,2021-05-17,\n"
        b",,,,,only a note\n"
        b"A4,974760673,100,NOK,2021-05-17,\n"
    )
    path = _write(tmp_path, data)
    result = check_batch(path)
    assert [(d.application_id, d.route) for d in result.decisions] == [
        ("A1", "de_minimis"),
        ("A2", "error"),
        ("A4", "de_minimis"),
    ]
    assert [r.row for r in result.ignored] == [4]  # every row: a decision or listed as ignored
    res = CliRunner().invoke(main, ["batch", str(path), "--out", str(tmp_path / "d.json")])
    assert f"ignored: {path}:4:" in res.stderr


def test_every_item_of_a_list_of_records_comes_back_even_titles_totals_and_blanks() -> None:
    from deminimis.api import check_batch

    records = [
        {"orgnr": "Orgnr", "amount": "1", "grant_date": "2021-05-17"},
        {"orgnr": "Sum", "amount": "5000000", "grant_date": "2021-05-17"},
        {"orgnr": "", "amount": "", "grant_date": ""},
        {"orgnr": "912346803", "amount": "1", "grant_date": "2021-05-17"},
        {"orgnr": "Total", "amount": "5000002"},
        {"note": "only an unknown field"},
    ]
    result = check_batch(records)
    assert [d.route for d in result.decisions] == ["error"] * 3 + ["de_minimis"] + ["error"] * 2
    assert list(result.ignored) == []


@pytest.mark.parametrize(
    "data",
    [HEADER.replace(b"\n", b"\r") + ROW.replace(b"\n", b"\r") * 2, b"x" * 200_000 + b"\n" + HEADER + ROW * 2],
    ids=["cr-only line ends", "200 kB line before the header"],
)
def test_batch_and_validate_read_cr_only_line_ends_or_a_200_kb_line_before_the_header_without_a_traceback(
    tmp_path: Path, data: bytes
) -> None:
    import json

    from click.testing import CliRunner

    from deminimis.cli import main

    path = _write(tmp_path, data)
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exit_code == 0 and res.exception is None, res.output
    out = tmp_path / "d.json"
    res = CliRunner().invoke(main, ["batch", str(path), "--out", str(out)])
    assert res.exit_code == 0 and res.exception is None, res.output
    assert [d["route"] for d in json.loads(out.read_text())] == ["de_minimis", "de_minimis"]
