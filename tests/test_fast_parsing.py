"""The national-scale shortcuts of ingest give the same answers as the general rules.

Orgnr MOD11 as polars expressions (python-stdnum per value before), amounts split when plain
(regular expressions otherwise), dates once per distinct text, ignored rows only checked for
rows whose orgnr is not plain digits. Issue 18: CSV bytes straight into polars (the whole
file decoded in Python before), plain cells by cheap expressions and the rest by the general
rules once per distinct value.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deminimis import orgnr
from deminimis.errors import InputError
from deminimis.money import amount_columns, amount_problem_expr, cents_expr
from deminimis.sources import table_csv, table_fields, table_rows, tables

AMOUNTS = [
    None,
    "",
    "1",
    "1.5",
    "1.55",
    "1.555",
    "-5",
    "kr 1 234",
    "1 234,56",
    "１２",
    "0012",
    "1.",
    " 7 ",
    "1234567890123456",
    "123456789012345",
    "12.34.5",
    "1 234 567,89",
    "kr 1 234 567",
    "5,-",
    "EUR 10",
]
DATES = [
    None,
    "",
    "2021-05-17",
    "17.05.2021",
    "1.2.2021",
    "2021-02-30",
    "21.05.17",
    "2021-05-17 00:00:00",
    "x",
]
ORGNRS = [
    None,
    "",
    "  ",
    "974760673",
    "974 760 673",
    "974\u00a0760\u00a0673",
    "97476067",
    "9747606731",
    "97476067x",
    "974760674",
    "974-760-673",
    "０12345678",
    "９７４７６０６７３",
]


def test_amounts_and_dates_match_the_general_rules() -> None:
    random.seed(3)
    amounts = AMOUNTS + [f"{random.randint(0, 10**9)}.{random.randint(0, 99):02d}" for _ in range(500)]
    frame = pl.DataFrame(
        {"amount": amounts, "d": [DATES[i % len(DATES)] for i in range(len(amounts))]},
        schema={"amount": pl.Utf8, "d": pl.Utf8},
    )
    fast = tables.with_date(tables.with_amount(frame, "amount", "p", "c"), "d", "dp", "dd")
    slow = frame.with_columns(
        p=amount_problem_expr(pl.col("amount")),
        c=cents_expr(pl.col("amount")),
        dp=tables.date_problem("d"),
        dd=tables.date_expr("d"),
    )
    assert fast.equals(slow)


def test_orgnr_check_matches_python_stdnum() -> None:
    random.seed(5)
    values = ORGNRS + [
        "".join(random.choice("0123456789 ") for _ in range(random.randint(8, 11))) for _ in range(3000)
    ]
    checked = tables.orgnr_problems(pl.DataFrame({"orgnr": values}, schema={"orgnr": pl.Utf8}))
    for value, problem, compact in checked.iter_rows():
        spaced = re.sub(r"\s", " ", value) if value else value
        assert problem == orgnr.problem(spaced), value
        assert compact == (orgnr.compact(spaced) if value else None), value


def test_rows_with_a_plain_orgnr_are_never_ignored_and_totals_still_are(tmp_path: Path) -> None:
    path = tmp_path / "awards.csv"
    path.write_text(
        "orgnr,granted_on,amount,basis\n974760673,2021-05-17,100,de_minimis\n,,,\n"
        "Sum,,100,\n974 760 673,2021-05-18,5,de_minimis\n",
        encoding="utf-8",
    )
    frame, ignored = tables.read_table_report(path, "awards")
    assert frame["row"].to_list() == [2, 5]
    assert ignored.select("row", "reason").rows() == [(3, "blank row"), (4, "totals row ('Sum')")]


ODD_DATES = [None, "", "//", "1/", "..", "1.2.", "/1/", "15.03.24", "15/03/2024", "2021-05-17",
             "2021-05-17 00:00:00", "31.11.2026", "0000-01-01", "x"]  # fmt: skip


def test_staged_dates_and_amounts_give_the_inline_rules_answers() -> None:
    """date_columns / amount_columns (stages computed once) equal date_expr / cents_expr inline,
    on the spellings that once made a stage fail (``//`` is a date text that is not a date)."""
    dates = pl.DataFrame({"d": ODD_DATES}, schema={"d": pl.Utf8})
    staged = tables.date_columns(dates, "d", date="date", problem="problem", note="note")
    inline = dates.with_columns(
        date=tables.date_expr("d"), problem=tables.date_problem("d"), note=tables.date_note("d")
    )
    assert staged.rows() == inline.rows()
    problem = staged.filter(pl.col("d") == "//").get_column("problem").item()
    assert problem == "d '//' is not a real date (use YYYY-MM-DD or DD.MM.YYYY)"
    amounts = pl.DataFrame({"a": AMOUNTS}, schema={"a": pl.Utf8})
    staged = amount_columns(amounts, "a", cents="c", problem="p")
    inline = amounts.with_columns(c=cents_expr(pl.col("a")), p=amount_problem_expr(pl.col("a")))
    assert staged.rows() == inline.rows()


# --------------------------------------------------------------------------- issue 18


def _outcome(path: Path, kind: str | None) -> object:
    """What reading ``path`` gives: (kind, rows, ignored rows) or the error message."""
    try:
        found, frame, ignored = tables.read_any(path, kind)
    except InputError as exc:
        return str(exc)
    return found, frame.rows(), ignored.rows()


def _decoded_first(path: Path, kind: str | None) -> object:
    """The same, with the whole file decoded in Python first (as before issue 18)."""
    try:
        data = table_csv._utf8_bytes(path.read_bytes(), path, trusted=False)
        found, frame, ignored = table_rows._table(*table_csv._utf8_grid(data, path, kind), path, kind)
    except InputError as exc:
        return str(exc)
    return found, frame.rows(), ignored.rows()


BODIES = [
    b"orgnr,granted_on,amount,basis\n974760673,2021-05-17,100,de_minimis\n",
    b"\xef\xbb\xbforgnr;granted_on;amount;basis\r\n974760673;17.05.2021;1 234,50;St\xc3\xb8tte\r\n",
    b"Tilskudd 2021\n\nOrg.nr.;Dato;Bel\xf8p;Hjemmel\n974760673;17.05.2021;100;bagatellmessig\n",
    b"orgnr,granted_on,amount,basis\r974760673,2021-05-17,100,de_minimis\r,,,\rSum,,100,\r",
    b"orgnr,granted_on,amount,basis\n974760673,2021-05-17,100,St\xc3\xb8tte\n974760673,2021-05-18,5,\xe6\n",
    b'orgnr,granted_on,amount,basis\n974760673,2021-05-17,"12"3",x\n',
    b"orgnr,granted_on,amount,basis\n974760673,2021-05-17,100,x,extra\n",
    "orgnr\tgranted_on\tamount\tbasis\n974760673\t2021-05-17\t100\tøre\n".encode("utf-16"),
    b"",
    b"\n\n",
    b"orgnr,granted_on,amount,basis\n"
    + b"974760673,2021-05-17,100,de_minimis\n" * 2000
    + b"974760673,x,1,\xe6\n",
]


def test_csv_bytes_read_directly_give_what_decoding_the_whole_file_gave(tmp_path: Path) -> None:
    """UTF-8 with and without BOM, CRLF and CR-only, a title, Windows-1252 (whole file, or one
    byte late in a UTF-8 file), UTF-16, stray quotes, extra fields, empty files."""
    for i, body in enumerate(BODIES):
        path = tmp_path / f"t{i}.csv"
        path.write_bytes(body)
        for kind in ("awards", None):
            assert _outcome(path, kind) == _decoded_first(path, kind), (i, kind)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(
            [
                b"orgnr,granted_on,amount,basis",
                b"974760673",
                b"974 760 673",
                b"2021-05-17",
                b"1 234,50",
                b"St\xc3\xb8tte",
                b"\xe6",
                b"\xef\xbb\xbf",
                b",",
                b";",
                b'"',
                b"\n",
                b"\r\n",
                b"\r",
                b" ",
                b"Sum",
            ]
        ),  # fmt: skip
        max_size=40,
    )
)
def test_any_mix_of_those_bytes_reads_the_same_both_ways(tmp_path: Path, parts: list[bytes]) -> None:
    path = tmp_path / "mix.csv"
    path.write_bytes(b"".join(parts))
    assert _outcome(path, "awards") == _decoded_first(path, "awards")


def test_plain_orgnr_amount_currency_country_and_nace_match_the_general_rules() -> None:
    """The fast readings (plain cells) and the general rules give the same columns."""
    random.seed(7)
    digits = [f"{random.randint(0, 10**9 - 1):09d}" for _ in range(3000)]
    orgnrs = pl.DataFrame({"orgnr": ORGNRS + digits}, schema={"orgnr": pl.Utf8})
    fast = tables.orgnr_problems(orgnrs)
    assert fast.equals(table_fields._orgnr_rules(orgnrs, "orgnr"))
    assert fast["_orgnr_problem"].null_count() > 200  # valid ones (about 1 in 11) took the fast way

    amounts = AMOUNTS + ["999999999999999.99", "000000000000001.5", "0", "0.05", "10.5", "1000000000000000"]
    frame = pl.DataFrame({"amount": amounts}, schema={"amount": pl.Utf8})
    fast = tables.with_amount(frame, "amount", "p", "c", written="w", note="n")
    slow = amount_columns(frame, "amount", problem="p", written="w", note="n", cents="c")
    assert fast.equals(slow)

    cur = [None, "", "NOK", "EUR", "eur", " SEK ", "kr", "XYZ", "€"]
    written = [None, "NOK", "EUR", "SEK"]
    rows = [(c, w, f"{w or ''} 10") for c in cur for w in written]
    grid = pl.DataFrame(
        rows, schema={"currency": pl.Utf8, "_amount_cur": pl.Utf8, "amount": pl.Utf8}, orient="row"
    )
    known = ["NOK", "EUR", "SEK"]
    value, problem = table_fields._currency_exprs(known, "_amount_cur")
    got = table_fields.with_currency(grid, known, "_amount_cur")
    assert got.equals(grid.with_columns(_currency=value, p_currency=problem))

    codes = pl.DataFrame({"nace": [None, "", "56.101", "56101", " 03 211", "x", "5"] * 3})
    got = table_fields.with_nace(codes)
    want = codes.with_columns(
        _nace=table_fields._nace_expr(pl.col("nace")), p_nace=table_fields._nace_problem("nace")
    )
    assert got.equals(want)
