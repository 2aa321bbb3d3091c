"""Declarations as people write them (issue 17): «kr», «,-», dotted thousands, «€ 10 000»,
«15/03/2024», «15.03.24», Excel date cells; each fuzzy reading is listed by ``validate`` and
warned in the decision."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from freezegun import freeze_time

from deminimis import api
from deminimis.files_cli import validate_files
from deminimis.sources import tables

CURRENCIES = ["EUR", "NOK", "SEK"]
APPLICANT = "912346803"


@pytest.mark.parametrize(
    ("amount", "currency", "cents", "warned"),
    [
        ("kr 100.000", "", 100_000_00, "amount_read"),
        ("100.000", "NOK", 100_000_00, "amount_read"),
        ("250.000", "kr", 250_000_00, "amount_read"),
        ("1.234.567,89", "NOK", 1_234_567_89, "amount_read"),
        ("kr 10 000,-", "", 10_000_00, None),
        ("10 000,-", "NOK", 10_000_00, None),
        ("150 000", "kr", 150_000_00, None),
        ("€ 10 000", "", 10_000_00, "currency_read"),
        ("10 000 EUR", "", 10_000_00, "currency_read"),
        ("10 000 EUR", "EUR", 10_000_00, None),
    ],
)
def test_norwegian_amount_spellings_parse_to_the_right_cents_with_their_warning(
    amount: str, currency: str, cents: int, warned: str | None
) -> None:
    raw = pl.DataFrame(
        {
            "orgnr": [APPLICANT],
            "amount": [amount],
            "currency": [currency],
            "grant_date": ["2025-05-17"],
            **{
                c: [None]
                for c in ("application_id", "scheme", "nace", "fiscal_year_start", "in_difficulty_2019")
            },
            "file": ["x.csv"],
            "row": [2],
        },
        schema_overrides={
            c: pl.Utf8
            for c in ("scheme", "nace", "fiscal_year_start", "in_difficulty_2019", "application_id")
        },
    )
    typed, errors = tables.canonical_applications(raw, CURRENCIES, ["ad_hoc"])
    assert errors.is_empty()
    assert typed["amount_cents"].item() == cents
    d = api.check(orgnr=APPLICANT, amount=amount, currency=currency or None, grant_date="2025-05-17")
    codes = {w.code for w in d.warnings}
    assert (warned in codes) if warned else not codes & {"amount_read", "currency_read"}


@freeze_time("2026-12-01")
@pytest.mark.parametrize(
    ("text", "day", "warned"),
    [
        ("15/03/2024", dt.date(2024, 3, 15), True),
        ("15.03.24", dt.date(2024, 3, 15), True),
        ("15.03.27", dt.date(1927, 3, 15), True),
        ("01.12.26", dt.date(2026, 12, 1), True),
        ("15.03.2024", dt.date(2024, 3, 15), False),
        ("2024-03-15", dt.date(2024, 3, 15), False),
    ],
)
def test_norwegian_date_spellings_give_the_right_day_with_their_warning(
    text: str, day: dt.date, warned: bool
) -> None:
    got = pl.DataFrame({"grant_date": [text]}).select(tables.date_expr("grant_date")).item()
    assert got == day
    d = api.check(orgnr=APPLICANT, amount="1000", grant_date=text)
    assert d.grant_date == day.isoformat()
    assert ("date_read" in {w.code for w in d.warnings}) is warned


def test_the_warning_texts_say_how_the_value_was_read() -> None:
    with freeze_time("2026-12-01"):
        d = api.check(orgnr=APPLICANT, amount="kr 100.000", grant_date="15.03.25")
    texts = {w.code: (w.text_nb, w.text_en) for w in d.warnings}
    assert texts["amount_read"] == (
        "Beløpet «kr 100.000» er lest som kr 100\u00a0000,00 (punktum som tusenskilletegn). "
        "Kontroller beløpet.",
        "The amount 'kr 100.000' was read as NOK 100,000.00 (dots as thousands separators). "
        "Check the amount.",
    )
    assert texts["date_read"][0].startswith("Datoen «15.03.25» er lest som 15.03.2025 (tosifret årstall")


def test_excel_date_cells_and_fuzzy_spellings_in_a_workbook_are_read_and_listed_by_validate(
    tmp_path: Path,
) -> None:
    path = tmp_path / "soknader.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    dates = book.add_format({"num_format": "dd.mm.yyyy"})
    sheet.write_row(0, 0, ["Organisasjonsnummer", "Beløp", "Valuta", "Tildelingsdato"])
    sheet.write_row(1, 0, [APPLICANT, "kr 100.000", "kr"])
    sheet.write_datetime(1, 3, dt.datetime(2025, 5, 17), dates)
    sheet.write_row(2, 0, [APPLICANT, 250000, "NOK", "17/05/2025"])
    book.close()
    raw = tables.read_table(path, "applications")
    typed, errors = tables.canonical_applications(raw, CURRENCIES, ["ad_hoc"])
    assert errors.is_empty()
    assert typed.select("amount_cents", "currency", "grant_date").rows() == [
        (100_000_00, "NOK", dt.date(2025, 5, 17)),
        (250_000_00, "NOK", dt.date(2025, 5, 17)),
    ]
    found = validate_files([path]).findings
    assert found.select("row", "field", "severity").rows() == [
        (2, "amount", "warning"),
        (3, "grant_date", "warning"),
    ]
