"""The national-scale shortcuts of ingest give the same answers as the general rules.

Orgnr MOD11 as polars expressions (python-stdnum per value before), amounts split when plain
(regular expressions otherwise), dates once per distinct text, ignored rows only checked for
rows whose orgnr is not plain digits.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import polars as pl

from deminimis import orgnr
from deminimis.money import amount_columns, amount_problem_expr, cents_expr
from deminimis.sources import tables

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
