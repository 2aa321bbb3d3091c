"""The streaming XLSX writer (render/xlsx.py): what an officer's Excel and our own readers see."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from deminimis.errors import InputError
from deminimis.render import xlsx
from deminimis.render.xlsx import Sheet, write_workbook

TEXTS = [
    "=cmd|' /C calc'!A0",
    "+47 22 33 44 55",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    "Ærlig & <Sønn> AS",
    "  blanks at both ends ",
    "two\nlines",
    "bell\x07 and _x0041_",
    "x" * 40_000,
    "",
    None,
]


def _frame() -> pl.DataFrame:
    n = len(TEXTS)
    return pl.DataFrame(
        {
            "name": TEXTS,
            "amount": ["-1250.00", "200000.00", "abc", None] + ["1.50"] * (n - 4),
            "grant_date": ["2021-05-17", "31.11.2026", None] + ["2024-02-29"] * (n - 3),
            "row": list(range(n)),
            "counted": [True, False, None] + [True] * (n - 3),
        },
        schema_overrides={"row": pl.Int64},
    )


def _sheets() -> list[Sheet]:
    data = Sheet("data", _frame(), money=frozenset({"amount"}), dates=frozenset({"grant_date"}))
    hidden = Sheet(
        "json", pl.DataFrame({"json": ['{"a": "<b> & c"}']}), hidden=True, plain=frozenset({"json"})
    )
    return [data, hidden]


def test_text_cells_stay_the_text_written_and_are_never_formulas(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    write_workbook(out, _sheets())
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name)
    rows = list(openpyxl.load_workbook(out)["data"].iter_rows(values_only=True))
    names = [r[0] for r in rows[1:]]
    expected = [t or None for t in TEXTS]
    expected[9] = "bell_x0007_ and _x005F_x0041_"  # as stored; Excel shows "bell\x07 and _x0041_"
    expected[10] = "x" * xlsx.MAX_CHARS  # Excel's limit for one cell
    assert names == expected
    calamine = pl.read_excel(out, sheet_name="data", engine="calamine", infer_schema_length=0)
    assert calamine.get_column("name").to_list()[:10] == TEXTS[:10]


def test_money_dates_numbers_and_flags_are_typed_cells(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    write_workbook(out, _sheets())
    sheet = openpyxl.load_workbook(out)["data"]
    assert [c.value for c in sheet[1]] == ["name", "amount", "grant_date", "row", "counted"]
    assert [sheet.cell(r, 2).value for r in (2, 3, 4, 5)] == [-1250, 200000, "abc", None]
    assert sheet.cell(2, 2).number_format == xlsx.MONEY_FORMAT
    assert (
        sheet.cell(2, 3).value == dt.datetime(2021, 5, 17) and sheet.cell(2, 3).number_format == "dd.mm.yyyy"
    )
    assert sheet.cell(5, 3).value == dt.datetime(2024, 2, 29)
    assert sheet.cell(3, 3).value == "31.11.2026"  # not a date: kept as the text written
    assert [sheet.cell(r, 4).value for r in (2, 3)] == [0, 1]
    assert [sheet.cell(r, 5).value for r in (2, 3, 4)] == [True, False, None]


def test_header_is_bold_frozen_filtered_and_columns_fitted(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    write_workbook(out, _sheets())
    book = openpyxl.load_workbook(out)
    sheet = book["data"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:E{len(TEXTS) + 1}"
    assert sheet.cell(1, 1).font.b
    assert sheet.column_dimensions["A"].width == xlsx.MAX_WIDTH  # capped
    assert sheet.column_dimensions["D"].width == 5  # "row" + 2
    assert book["json"].sheet_state == "hidden" and book["json"].cell(2, 1).value == '{"a": "<b> & c"}'


def test_empty_sheets_and_an_in_memory_file(tmp_path: Path) -> None:
    buf = io.BytesIO()
    write_workbook(buf, [Sheet("empty", pl.DataFrame(schema={"a": pl.Utf8})), Sheet("none", pl.DataFrame())])
    book = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    assert book.sheetnames == ["empty", "none"]
    assert [c.value for c in book["empty"][1]] == ["a"]


def test_a_sheet_too_long_for_excel_or_a_bad_name_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    with pytest.raises(InputError, match="do not fit"):
        write_workbook(io.BytesIO(), [Sheet("big", pl.DataFrame({"a": ["1", "2", "3"]}))])
    with pytest.raises(InputError, match="sheet name"):
        write_workbook(io.BytesIO(), [Sheet("a/b", pl.DataFrame({"a": ["1"]}))])


def test_rows_are_written_in_slices_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "SLICE", 7)
    frame = pl.DataFrame({"i": [str(i) for i in range(50)]})
    buf = io.BytesIO()
    write_workbook(buf, [Sheet("s", frame)])
    got = pl.read_excel(io.BytesIO(buf.getvalue()), engine="calamine", infer_schema_length=0)
    assert got.get_column("i").to_list() == frame.get_column("i").to_list()


def test_column_letters() -> None:
    assert [xlsx.column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip
