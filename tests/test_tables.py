"""Real-world input files (sources/tables.py) and the .xlsx/.csv outputs (render/tables.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from freezegun import freeze_time

from deminimis import check, check_batch
from deminimis.errors import InputError
from deminimis.models import RowError
from deminimis.render.tables import COUNTED_COLUMNS, ERROR_COLUMNS, FLAT_COLUMNS, write
from deminimis.rules import SCHEMES, load_rules
from deminimis.sources import tables
from tests.conftest import FIXTURES, write_csv

REAL = FIXTURES / "realworld"
TEMPLATES = FIXTURES / "templates"
CURRENCIES = ["EUR", "NOK", "SEK", "USD"]
ALIASES = load_rules().basis_aliases()


def _apps(path: Path, sheet: str | None = None) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    raw, ignored = tables.read_table_report(path, "applications", sheet)
    typed, errors = tables.canonical_applications(raw, CURRENCIES, list(SCHEMES))
    return typed, errors, ignored


# --------------------------------------------------------------------------- real-world fixtures


def test_semicolon_cp1252_norwegian_awards_file_is_read_with_its_values() -> None:
    path = REAL / "awards_nb_cp1252.csv"
    assert "ø".encode("cp1252") in path.read_bytes()  # really Windows-1252, not UTF-8
    raw, ignored = tables.read_table_report(path, "awards")
    typed, errors = tables.canonical_awards(raw, CURRENCIES, ALIASES)
    assert errors.is_empty()
    assert typed.columns == [
        "file",
        "row",
        "orgnr",
        "granted_on",
        "amount_cents",
        "currency",
        "basis",
        "grantor",
        "reference",
        "basis_text",
        "basis_nearest",
        "country",
        "instrument",
        "nominal_cents",
    ]
    assert typed["row"].to_list() == [2, 3, 4, 5, 7, 8]
    assert typed["orgnr"].to_list() == ["912346803"] * 3 + ["912347915"] + ["912350169"] * 2
    assert typed["granted_on"].to_list() == [
        dt.date(2019, 6, 12),
        dt.date(2020, 11, 3),
        dt.date(2021, 2, 10),
        dt.date(2020, 5, 5),
        dt.date(2019, 3, 1),
        dt.date(2019, 3, 1),
    ]
    assert typed["amount_cents"].to_list() == [
        35_000_000,
        8_000_000,
        50_000_000,
        123_456_789,
        6_000_000,
        6_000_000,
    ]
    assert typed["currency"].to_list() == ["NOK", "EUR", "NOK", "NOK", "NOK", "NOK"]
    # «Tilskudd fra fylket – «næringsfond»» names no known basis: counted as de minimis (issue 15)
    assert typed["basis"].to_list() == ["de_minimis"] * 2 + [
        "covid_tf_3_1",
        "gber",
        "de_minimis",
        "de_minimis",
    ]
    assert typed["basis_text"].to_list()[4:] == ["Tilskudd fra fylket – «næringsfond»"] * 2
    assert typed["grantor"].to_list()[:2] == ["Bodø kommune", "Innovasjon Norge"]
    assert ignored.select("row", "reason").rows() == [(6, "blank row"), (9, "totals row ('Sum')")]
    warnings = tables.award_warnings(raw, ALIASES)
    assert warnings.select("row", "field").rows() == [(7, "basis"), (8, "basis"), (8, "duplicate")]
    dup = warnings.filter(pl.col("field") == "duplicate")["message"][0]
    assert f"{path}:7" in dup and "both rows are kept" in dup


def test_the_engine_counts_the_real_world_awards_like_the_clean_fixture() -> None:
    clean = check(orgnr="912346803", amount="150000", grant_date="2021-05-17", awards=FIXTURES / "awards.csv")
    real = check(
        orgnr="912346803", amount="150000", grant_date="2021-05-17", awards=REAL / "awards_nb_cp1252.csv"
    )
    assert real.prior_de_minimis_eur == clean.prior_de_minimis_eur == "115780.00"
    assert [(a.granted_on, a.eur, a.basis) for a in real.counted] == [
        (a.granted_on, a.eur, a.basis) for a in clean.counted
    ]


def test_xlsx_with_title_blank_and_totals_rows_is_read_with_its_values() -> None:
    typed, errors, ignored = _apps(REAL / "applications_title.xlsx")
    assert errors.is_empty()
    assert typed["row"].to_list() == [5, 6, 8]
    assert typed["application_id"].to_list() == ["A1", "A2", "A3"]
    assert typed["orgnr"].to_list() == ["912346803", "912347915", "912349039"]
    assert typed["amount_cents"].to_list() == [15_000_000, 30_000_050, 10_000_025]
    assert typed["currency"].to_list() == ["NOK"] * 3  # from the header «Søkt beløp (NOK)»
    assert typed["grant_date"].to_list() == [dt.date(2021, 5, 17), dt.date(2021, 6, 1), dt.date(2022, 3, 1)]
    assert typed["scheme"].to_list() == ["covid_tf_3_1", "ad_hoc", "ad_hoc"]
    assert typed["nace"].to_list() == ["56.101", "49.410", "03.211"]
    assert ignored.select("row", "reason").rows() == [
        (1, "above the header row"),
        (2, "above the header row"),
        (7, "blank row"),
        (9, "blank row"),
        (10, "totals row ('Sum')"),
    ]


def test_a_named_sheet_is_read_and_an_unknown_sheet_is_unusable() -> None:
    typed, errors, _ = _apps(REAL / "applications_title.xlsx", sheet="Runde 2")
    assert errors.is_empty()
    assert typed.select("row", "orgnr", "amount_cents", "grant_date").rows() == [
        (2, "912350169", 7_500_000, dt.date(2021, 9, 15))
    ]
    with pytest.raises(InputError, match="no sheet named 'Nope'"):
        tables.read_table(REAL / "applications_title.xlsx", "applications", sheet="Nope")


def test_a_file_with_a_broken_cell_in_every_column_names_each_one() -> None:
    typed, errors, _ = _apps(REAL / "applications_broken.csv")
    assert errors.select("row", "field").sort("row").rows() == [
        (3, "orgnr"),
        (4, "amount"),
        (5, "currency"),
        (6, "grant_date"),
        (7, "scheme"),
        (8, "nace"),
        (9, "fiscal_year_start"),
        (10, "in_difficulty_2019"),
        (11, "application_id"),
    ]
    assert typed["has_error"].to_list() == [False] + [True] * 9
    raw = tables.read_table(REAL / "awards_broken.csv", "awards")
    typed, errors = tables.canonical_awards(raw, CURRENCIES, ALIASES)
    assert typed["reference"].to_list() == ["OK-1"]
    assert errors.select("row", "field").sort("row").rows() == [
        (3, "orgnr"),
        (4, "granted_on"),
        (5, "amount"),
        (6, "currency"),
        (7, "basis"),
    ]


# --------------------------------------------------------------------------- headers, encodings, formats


@pytest.mark.parametrize(
    ("header", "kind", "name"),
    [
        ("Org.nr.", "awards", "orgnr"),
        ("Org. nr.", "awards", "orgnr"),
        ("ORGANISASJONSNUMMER", "firms", "orgnr"),
        ("Støttegiver", "awards", "grantor"),
        ("Støtteordning", "awards", "basis"),
        ("Støtteordning / hjemmel", "awards", "basis"),
        ("Støttebeløp", "awards", "amount"),
        ("Beløp (NOK)", "awards", "amount"),
        ("Beløp i EUR", "awards", "amount"),
        ("Dato for tilsagn om støtte", "awards", "granted_on"),
        ("Dato for tilsagn om støtte", "applications", "grant_date"),
        ("Vedtaksdato", "applications", "grant_date"),
        ("Vedtaksdato", "awards", "granted_on"),
        ("Grant date", "applications", "grant_date"),
        ("Grant date", "awards", "granted_on"),
        ("Legal basis", "awards", "basis"),
        ("  Valuta: ", "awards", "currency"),
        ("Søknadsnr", "applications", "application_id"),
        ("In difficulty 2019", "applications", "in_difficulty_2019"),
        ("Merknad", "awards", "merknad"),
    ],
)
def test_headers_in_norwegian_and_english_map_to_contract_names(header: str, kind: str, name: str) -> None:
    assert tables.canonical_header(header, kind) == name


def test_an_amount_header_with_a_currency_sets_the_currency(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        "orgnr;vedtaksdato;beløp (EUR);hjemmel\n912346803;01.02.2021;1 000,00;de minimis\n", "utf-8"
    )
    typed, _ = tables.canonical_awards(tables.read_table(path, "awards"), CURRENCIES, ALIASES)
    assert typed.select("currency", "amount_cents").rows() == [("EUR", 100_000)]


@pytest.mark.parametrize(
    ("encoding", "separator"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ";"), ("cp1252", "\t"), ("utf-16", ";"), ("utf-8", "|")],
)
def test_encodings_and_separators(tmp_path: Path, encoding: str, separator: str) -> None:
    lines = [
        ["Organisasjonsnummer", "Beløp", "Tildelingsdato", "Søknadsid"],
        ["912 346 803", "kr 1 234 567,89", "17.05.2021", "Ø1"],
    ]
    path = tmp_path / "apps.csv"
    quoted = [[f'"{c}"' if separator in c else c for c in cells] for cells in lines]
    path.write_bytes("\r\n".join(separator.join(cells) for cells in quoted).encode(encoding))
    typed, errors, ignored = _apps(path)
    assert errors.is_empty() and ignored.is_empty()
    assert typed.select("row", "application_id", "orgnr", "amount_cents", "grant_date").rows() == [
        (2, "Ø1", "912346803", 123_456_789, dt.date(2021, 5, 17))
    ]


def test_csv_title_lines_above_the_header_keep_row_numbers_right(tmp_path: Path) -> None:
    path = tmp_path / "apps.csv"
    path.write_text(
        "Søknader 2021;;\nEksport 01.06.2021\n\norgnr;amount;grant_date\n"
        "912346803;100;2021-05-17\n\n912347915;200;2021-05-18\nTotalt;300;\n",
        encoding="utf-8",
    )
    typed, errors, ignored = _apps(path)
    assert errors.is_empty()
    assert typed.select("row", "orgnr").rows() == [(5, "912346803"), (7, "912347915")]
    assert ignored.select("row", "reason").rows() == [
        (1, "above the header row"),
        (2, "above the header row"),
        (6, "blank row"),
        (8, "totals row ('Totalt')"),
    ]


def test_spaces_and_no_break_spaces_are_trimmed_and_allowed_in_orgnr(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "apps.csv",
        [{"orgnr": "\u00a0912\u00a0346 803 ", "amount": " 1\u00a0000,50 ", "grant_date": " 2021-05-17 "}],
    )
    typed, errors, _ = _apps(path)
    assert errors.is_empty()
    assert typed.select("orgnr", "amount_cents", "grant_date").rows() == [
        ("912346803", 100_050, dt.date(2021, 5, 17))
    ]


@freeze_time("2026-12-01")
def test_date_formats() -> None:
    frame = pl.DataFrame(
        {
            "d": [
                "2021-05-17",
                "17.05.2021",
                "7.5.2021",
                "2021-05-17 00:00:00",
                "17.05.21",
                "2021-02-30",
                "17/05/2021",
                "",
                "15.03.27",
                "٢٠٢١-٠٥-١٧",
            ]
        }
    )
    got = frame.select(tables.date_expr("d"), p=tables.date_problem("d"), n=tables.date_note("d"))
    may17 = dt.date(2021, 5, 17)
    assert got["d"].to_list() == [may17, may17, dt.date(2021, 5, 7), may17, may17, None, may17, None] + [
        dt.date(1927, 3, 15),
        None,
    ]
    assert got["p"].to_list()[:5] == [None] * 5
    assert got["p"][5] == "d '2021-02-30' is not a real date (use YYYY-MM-DD or DD.MM.YYYY)"
    assert got["p"][7] == "d is missing"
    assert got["p"][9].startswith("d '٢٠٢١-٠٥-١٧' is not a real date")
    assert got["n"][4] == "d '17.05.21' read as 17.05.2021 (two-digit year: the nearest past date)"
    assert got["n"][6] == "d '17/05/2021' read as day/month/year, 17.05.2021"
    assert got["n"].to_list()[:4] == [None] * 4


def test_missing_columns_and_unknown_tables_are_unusable(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [{"orgnr": "912346803", "sum": "1"}])
    with pytest.raises(InputError, match=r"missing column\(s\) amount, grant_date for applications"):
        tables.read_table(path, "applications")
    with pytest.raises(InputError, match="cannot tell which table"):
        tables.read_any(write_csv(tmp_path / "y.csv", [{"navn": "x"}]))
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        tables.read_table(tmp_path / "empty.csv", "awards")
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="not a readable spreadsheet"):
        tables.read_table(tmp_path / "bad.xlsx", "awards")


def test_the_kind_is_guessed_from_the_headers() -> None:
    assert tables.read_any(REAL / "awards_nb_cp1252.csv")[0] == "awards"
    assert tables.read_any(REAL / "applications_title.xlsx")[0] == "applications"
    assert tables.read_any(FIXTURES / "links.csv")[0] == "links"
    assert tables.read_any(FIXTURES / "firms.csv")[0] == "firms"
    assert tables.read_any(FIXTURES / "employer_tax.csv")[0] == "employer_tax"


# --------------------------------------------------------------------------- basis, duplicates


@pytest.mark.parametrize(
    ("text", "basis", "warned"),
    [
        ("de_minimis", "de_minimis", False),
        ("Bagatellmessig støtte (forordning 1407/2013)", "de_minimis", False),
        ("bagatellmessig støtte", "de_minimis", False),
        ("De minimis-støtte", "de_minimis", False),
        ("Gruppeunntak art. 22", "gber", False),
        ("GBER art. 17", "gber", False),
        ("Kompensasjonsordningen for næringslivet", "covid_tf_3_1", False),
        ("Midlertidig ramme 3.12", "covid_tf_3_12", False),
        ("Bagatellmessig støtte til tjenester av allmenn økonomisk betydning", "de_minimis_sgei", False),
        ("Bagatellmessig støtte i landbruket", "de_minimis_agriculture", False),
        ("SGEI de minimis", "de_minimis_sgei", False),
        ("de minimis / gruppeunntak", "de_minimis", True),  # the safe reading (issue 15)
        ("Tilskudd fra fylket", "de_minimis", True),
        ("Annen støtte", "other", False),
    ],
)
def test_free_text_basis_is_normalised(text: str, basis: str, warned: bool) -> None:
    got, problem, warning = tables.read_basis(text, ALIASES)
    assert (got, problem, warning is not None) == (basis, None, warned)


def test_an_empty_or_unreadable_basis_is_a_row_error() -> None:
    assert tables.read_basis("", ALIASES) == (None, "basis is missing", None)
    assert tables.read_basis("???", ALIASES)[1].startswith("basis '???' is not a legal basis")


def test_duplicate_applications_are_flagged_with_the_first_row_and_kept(tmp_path: Path) -> None:
    row = {"orgnr": "912346803", "amount": "1000", "grant_date": "2021-05-17"}
    path = write_csv(
        tmp_path / "apps.csv",
        [row, {**row, "amount": "1 000,00"}, {**row, "amount": "2000"}, {**row, "orgnr": "912 346 803"}],
    )
    raw = tables.read_table(path, "applications")
    warnings = tables.application_warnings(raw)
    assert warnings.select("row", "field").rows() == [(3, "duplicate"), (5, "duplicate")]
    assert all(f"{path}:2" in m for m in warnings["message"])
    assert len(check_batch(path).decisions) == 4


def test_public_helpers_for_other_tables() -> None:
    frame = pl.DataFrame({"orgnr": ["974760673", "974760674", None], "file": "f", "row": [2, 3, 4]})
    checked = tables.orgnr_problems(frame)
    assert checked["_orgnr_problem"].to_list() == [
        None,
        "orgnr '974760674' has a wrong check digit (MOD11)",
        "orgnr is missing",
    ]
    assert tables._orgnr_problems is tables.orgnr_problems
    assert tables._date_expr is tables.date_expr and tables._date_problem is tables.date_problem


# --------------------------------------------------------------------------- declaration template


def test_the_declaration_templates_read_as_empty_awards_tables() -> None:
    for name in ("egenerklaering.xlsx", "egenerklaering.csv"):
        raw, ignored = tables.read_table_report(TEMPLATES / name, "awards")
        assert raw.is_empty(), name
        assert ignored["reason"].to_list() == ["above the header row"] * 2


def test_a_filled_in_declaration_template_is_read(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(TEMPLATES / "egenerklaering.xlsx")
    ws = wb["Egenerklæring"]
    assert [c.value for c in ws[4]] == [
        "Organisasjonsnummer",
        "Støttegiver",
        "Støtteordning / hjemmel",
        "Støttebeløp",
        "Valuta",
        "Dato for tilsagn om støtte",
        "Referanse",
    ]
    ws.append(
        [
            "912346803",
            "Bodø kommune",
            "Bagatellmessig støtte",
            350000,
            "NOK",
            dt.date(2019, 6, 12),
            "2019/123",
        ]
    )
    ws.append(
        ["912346803", "Innovasjon Norge", "Gruppeunntak (forordning 651/2014)", 80000.5, "EUR", "03.11.2020"]
    )
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    typed, errors = tables.canonical_awards(tables.read_table(filled, "awards"), CURRENCIES, ALIASES)
    assert errors.is_empty()
    assert typed.select("row", "granted_on", "amount_cents", "currency", "basis").rows() == [
        (5, dt.date(2019, 6, 12), 35_000_000, "NOK", "de_minimis"),
        (6, dt.date(2020, 11, 3), 8_000_050, "EUR", "gber"),
    ]


# --------------------------------------------------------------------------- outputs


def test_xlsx_output_has_three_sheets_with_headers_numbers_and_input_order(tmp_path: Path) -> None:
    result = check_batch(
        FIXTURES / "applications.csv",
        awards=FIXTURES / "awards.csv",
        links=FIXTURES / "links.csv",
        firms=FIXTURES / "firms.csv",
    )
    out = tmp_path / "d.xlsx"
    extra = [RowError(file="fixtures/awards.csv", row=99, field="basis", message="basis is missing")]
    write(result.decisions, out, input_errors=extra)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["decisions", "errors", "counted", "json"]  # json: hidden, for letter/report
    assert wb["json"].sheet_state == "hidden"

    sheet = wb["decisions"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == FLAT_COLUMNS
    assert [r[0] for r in rows[1:]] == [f"A{i}" for i in range(1, 9)]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["route"] == "de_minimis" and first["name"] == "KAFE BRYGGA AS"
    assert first["amount"] == 150000 and first["ceiling_eur"] == 200000
    assert first["new_aid_eur"] == pytest.approx(14900.91) and first["max_de_minimis_grant"] == pytest.approx(
        847800.63
    )
    assert first["grant_date"] == dt.datetime(2021, 5, 17)
    col = rows[0].index("new_aid_eur") + 1
    assert sheet.cell(2, col).number_format == "#,##0.00"
    assert sheet.cell(2, rows[0].index("grant_date") + 1).number_format == "dd.mm.yyyy"
    assert sheet.freeze_panes == "A2"
    assert 10 < sheet.column_dimensions["AD"].width <= 70  # reasons_nb: capped, not one giant column

    errors = list(wb["errors"].iter_rows(values_only=True))
    assert errors[0] == ERROR_COLUMNS
    assert errors[1] == (
        str(FIXTURES / "applications.csv"),
        9,
        "orgnr",
        "orgnr '912346804' has a wrong check digit (MOD11)",
        "A8",
    )
    assert errors[-1] == ("fixtures/awards.csv", 99, "basis", "basis is missing", None)

    counted = list(wb["counted"].iter_rows(values_only=True))
    assert counted[0] == COUNTED_COLUMNS
    a1 = [dict(zip(counted[0], r, strict=True)) for r in counted[1:] if r[0] == "A1"]
    assert [(a["granted_on"], a["amount"], a["currency"], a["eur"], a["counted"]) for a in a1] == [
        (dt.datetime(2019, 6, 12), 350000, "NOK", 35780, True),
        (dt.datetime(2020, 11, 3), 80000, "EUR", 80000, True),
        (dt.datetime(2021, 2, 10), 500000, "NOK", pytest.approx(48885.41), False),
    ]


def test_csv_output_stays_utf8_with_bom_and_write_keeps_its_old_call(tmp_path: Path) -> None:
    result = check_batch(FIXTURES / "applications.csv", awards=FIXTURES / "awards.csv")
    write(result.decisions, tmp_path / "d.csv")
    data = (tmp_path / "d.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    frame = pl.read_csv(tmp_path / "d.csv", infer_schema=False)
    assert frame.columns == [*FLAT_COLUMNS, "decision_json"] and frame["application_id"][0] == "A1"
    write([], tmp_path / "empty.xlsx")
    assert openpyxl.load_workbook(tmp_path / "empty.xlsx").sheetnames == [
        "decisions",
        "errors",
        "counted",
        "json",
    ]
