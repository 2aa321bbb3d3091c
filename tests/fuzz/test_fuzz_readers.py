"""Fuzzing the table readers: CSV and XLSX bytes in, every row out exactly once (a typed row,
an error naming file/row/field, or an ignored row with its reason), or one clear InputError."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st

from deminimis.errors import InputError
from deminimis.sources import tables

from .conftest import seen

CURRENCIES, SCHEMES = ["NOK", "EUR", "SEK"], ["ad_hoc", "gber", "covid_tf_3_1"]
HEADER = ["application_id", "orgnr", "amount", "currency", "grant_date"]
HOSTILE = st.sampled_from(
    ['"', "'", ",", ";", "\t", "\r", "\n", "=1+1", "+1", "-1", "@A1", "Sum", "Total", "Orgnr", "\x00",
     "ø", "\u00a0", "１２３", "١٢٣", "\ufeff", "1 000,50", "kr 5", "EUR 300 000", "2021-05-17", "17.05.2021",
     "0000-01-01", "912346803", "974760673", "9" * 400, " "]
)  # fmt: skip
CELL = st.one_of(st.text(max_size=12), HOSTILE, st.lists(HOSTILE, max_size=3).map("".join))
ROWS = st.lists(st.lists(CELL, min_size=5, max_size=5), min_size=0, max_size=25)


def _accounted(path: Path, n_rows: int, first_row: int) -> None:
    """Every data row is typed (maybe with errors naming it) or ignored, exactly once."""
    raw, ignored = tables.read_table_report(path, "applications")
    typed, errors = tables.canonical_applications(raw, CURRENCIES, SCHEMES)
    rows = (
        typed.get_column("row").to_list() + ignored.filter(pl_row_ge(first_row)).get_column("row").to_list()
    )
    assert sorted(rows) == list(range(first_row, first_row + n_rows))
    bad = set(typed.filter("has_error").get_column("row").to_list())
    assert bad == set(errors.get_column("row").to_list())
    assert errors.filter(
        errors.get_column("field").is_null() | errors.get_column("message").is_null()
    ).is_empty()
    assert set(errors.get_column("file").to_list()) <= {str(path)}


def pl_row_ge(first: int):
    import polars as pl

    return pl.col("row") >= first


@given(
    rows=ROWS,
    sep=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_every_row_of_a_quoted_csv_comes_out_exactly_once(
    rows: list[list[str]], sep: str, encoding: str
) -> None:
    seen("readers: quoted CSV rows accounted for")
    rows = [[c.replace("\x00", "") for c in r] for r in rows]  # csv cannot write NUL
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.csv"
        path.write_bytes(buf.getvalue().encode(encoding))
        try:
            _accounted(path, len(rows), 2)
        except InputError as exc:
            seen("readers: quoted CSV refused with an InputError")
            assert str(path) in str(exc)


@given(data=st.binary(max_size=2_000), head=st.booleans())
def test_arbitrary_bytes_give_rows_or_one_input_error(data: bytes, head: bool) -> None:
    seen("readers: arbitrary CSV bytes")
    body = (b"orgnr,amount,grant_date\n" if head else b"") + data
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.csv"
        path.write_bytes(body)
        try:
            raw = tables.read_table(path, "applications")
            tables.canonical_applications(raw, CURRENCIES, SCHEMES)
        except InputError as exc:
            assert str(path) in str(exc)


@given(
    rows=st.lists(
        st.lists(
            st.one_of(CELL, st.integers(-(10**12), 10**12), st.floats(allow_nan=True)), min_size=5, max_size=5
        ),
        max_size=15,
    )
)
def test_every_row_of_an_xlsx_comes_out_exactly_once(rows: list[list[object]]) -> None:
    seen("readers: XLSX rows accounted for")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.xlsx"
        with xlsxwriter.Workbook(path, {"strings_to_formulas": False, "nan_inf_to_errors": True}) as wb:
            ws = wb.add_worksheet()
            ws.write_row(0, 0, HEADER)
            for i, row in enumerate(rows, start=1):
                for j, cell in enumerate(row):
                    if isinstance(cell, str):
                        ws.write_string(i, j, cell.replace("\x00", ""))
                    else:
                        ws.write(i, j, cell)
        try:
            raw, ignored = tables.read_table_report(path, "applications")
        except InputError as exc:
            assert str(path) in str(exc)
            return
        typed, errors = tables.canonical_applications(raw, CURRENCIES, SCHEMES)
        assert typed.height + ignored.height >= len(rows) - 0  # trailing blank rows may be dropped
        out = typed.get_column("row").to_list() + ignored.get_column("row").to_list()
        assert len(out) == len(set(out)) and all(2 <= r <= len(rows) + 1 for r in out)


@given(cut=st.integers(0, 4000), flip=st.integers(0, 4000), byte=st.integers(0, 255))
def test_a_damaged_xlsx_is_one_input_error_not_a_traceback(cut: int, flip: int, byte: int) -> None:
    seen("readers: damaged XLSX bytes")
    with tempfile.TemporaryDirectory() as tmp:
        good = Path(tmp) / "g.xlsx"
        with xlsxwriter.Workbook(good) as wb:
            ws = wb.add_worksheet()
            ws.write_row(0, 0, HEADER)
            ws.write_row(1, 0, ["A1", "912346803", "100", "NOK", "2021-05-17"])
        data = bytearray(good.read_bytes())
        if flip < len(data):
            data[flip] = byte
        path = Path(tmp) / "b.xlsx"
        path.write_bytes(bytes(data[: max(cut, 10)] if cut < len(data) else data))
        try:
            tables.read_table(path, "applications")
        except InputError as exc:
            assert str(path) in str(exc)
