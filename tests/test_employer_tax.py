"""Zone Ia employer-tax advantage: employer_tax.md T1-T14, the 2022 zone changes, decisions."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from deminimis import check, check_batch
from deminimis.employer_tax import advantages, load, year_figures, zone_frame
from deminimis.errors import RuleDataError
from tests.conftest import FIXTURES, write_csv

ETNE = "4611"  # zone Ia 2019-2026, whole municipality


@pytest.mark.parametrize(
    ("case", "kwargs", "expected"),
    [
        ("T1", {"base": "10000000", "year": 2023}, {"advantage_nok": "350000.00", "aga_nok": "1060000.00"}),
        (
            "T2",
            {"base": "20000000", "year": 2023},
            {"advantage_nok": "500000.00", "aga_nok": "2320000.00", "breakeven_base_nok": "14285714.29"},
        ),
        (
            "T3",
            {"base": "30000000", "year": 2024},
            {"advantage_nok": "850000.00", "aga_nok": "3380000.00", "breakeven_base_nok": "24285714.29"},
        ),
        (
            "T4",
            {"base": "10000000", "year": 2022, "sector": "road_freight"},
            {"advantage_nok": "250000.00", "aga_nok": "1160000.00", "breakeven_base_nok": "7142857.14"},
        ),
        (
            "T7",
            {"base": "30000000", "year": 2024, "sector": "excluded", "kommunenummer": "5021"},
            {"zone": "III", "advantage_nok": "850000.00", "breakeven_base_nok": "11038961.04"},
        ),
        (
            "T8",
            {"base": "30000000", "year": 2024, "sector": "excluded", "kommunenummer": "5603"},
            {"zone": "V", "advantage_nok": "850000.00", "breakeven_base_nok": "6028368.79"},
        ),
        (
            "T9",
            {"base": "30000000", "year": 2024, "sector": "agriculture_fishery"},
            {"advantage_nok": "0.00", "aga_nok": "3180000.00", "breakeven_base_nok": None},
        ),
        (
            "T10",
            {"base": "30000000", "year": 2024, "kommunenummer": "4221"},
            {"zone": "II", "advantage_nok": "0.00", "aga_nok": "3180000.00"},
        ),
    ],
)
def test_yearly_cases(case: str, kwargs: dict, expected: dict) -> None:
    figures = year_figures(**{"kommunenummer": ETNE, **kwargs})
    for key, value in expected.items():
        assert figures[key] == value, (case, key)


def _monthly(other: list[tuple[int, str]]) -> pl.DataFrame:
    rows = pl.DataFrame(
        {
            "orgnr": ["1"] * 12,
            "year": [2024] * 12,
            "month": list(range(1, 13)),
            "advantage_cents": [None] * 12,
            "base_cents": [300_000_000] * 12,
            "zone": ["Ia"] * 12,
            "sector": ["general"] * 12,
        },
        schema_overrides={"advantage_cents": pl.Int64},
    )
    oth = pl.DataFrame(
        {
            "orgnr": ["1"] * len(other),
            "year": [2024] * len(other),
            "month": [m for m, _ in other],
            "other_cents": [int(v) * 100 for _, v in other],
        },
        schema={"orgnr": pl.Utf8, "year": pl.Int64, "month": pl.Int64, "other_cents": pl.Int64},
    )
    return advantages(rows, oth, load())


def test_t5_monthly_rows_follow_the_a_melding() -> None:
    f = _monthly([])
    adv = f["advantage_cents"].to_list()
    assert adv[:8] == [10_500_000] * 8 and adv[8] == 1_000_000 and adv[9:] == [0, 0, 0]
    aga = f["aga_cents"].to_list()
    assert aga[0] == 31_800_000 and aga[8] == 41_300_000 and aga[9] == 42_300_000
    assert sum(aga) == 422_600_000 and sum(adv) == 85_000_000


def test_t6_other_de_minimis_aid_reduces_the_fribelop() -> None:
    f = _monthly([(3, "300000")])
    adv = f["advantage_cents"].to_list()
    assert adv[:5] == [10_500_000] * 5 and adv[5] == 2_500_000 and adv[6:] == [0] * 6
    assert sum(adv) == 55_000_000 and sum(f["aga_cents"].to_list()) == 452_600_000


@pytest.mark.parametrize(
    ("kommunenummer", "year", "area", "zone"),
    [
        ("1103", 2021, "Finnøy", "Ia"),  # T11
        ("1103", 2021, None, "I"),
        ("1103", 2022, "Finnøy", "I"),  # T12
        ("1507", 2023, "Haram", "Ia"),  # T13
        ("1580", 2024, None, "Ia"),
        ("1144", 2019, None, "II"),  # T14
        ("1144", 2022, None, "Ia"),
        ("1151", 2021, None, "II"),
        ("1151", 2022, None, "Ia"),
        ("4212", 2021, None, "Ia"),
        ("4212", 2022, None, "I"),  # Vegårshei
        ("1160", 2021, None, "Ia"),
        ("1160", 2022, None, "I"),  # Vindafjord
        ("1515", 2021, None, "Ia"),
        ("1515", 2022, None, "I"),  # Herøy (Møre og Romsdal)
        ("5054", 2021, None, "Ia"),
        ("5054", 2022, None, "II"),  # Indre Fosen
        ("4629", 2021, None, "Ia"),
        ("4629", 2022, None, "II"),  # Modalen
        ("4224", 2021, None, "Ia"),
        ("4224", 2022, None, "II"),  # Åseral
        ("1506", 2021, "Midsund", "Ia"),
        ("1506", 2022, "Midsund", "II"),
    ],
)
def test_zone_lookups_and_the_2022_changes(
    kommunenummer: str, year: int, area: str | None, zone: str
) -> None:
    frame = pl.DataFrame(
        {"year": [year], "kommunenummer": [kommunenummer], "area": [area]},
        schema={"year": pl.Int64, "kommunenummer": pl.Utf8, "area": pl.Utf8},
    )
    row = zone_frame(frame, load()).row(0, named=True)
    assert (row["zone"], row["zone_problem"]) == (zone, None)


def test_unknown_kommune_is_a_clear_error() -> None:
    with pytest.raises(RuleDataError, match="unknown kommunenummer '9999' for 2021"):
        year_figures(base="1", kommunenummer="9999", year=2021)


def test_decision_counts_three_years_of_advantage_plus_prior_aid() -> None:
    d = check(
        orgnr="912346803",
        amount="100000",
        currency="NOK",
        grant_date="2021-05-17",
        awards=FIXTURES / "awards.csv",
        employer_tax=FIXTURES / "employer_tax.csv",
    )
    # 2019: 4.0 M x 3.5 % = 140,000 (350,000 NOK other de minimis aid leaves 150,000 of the fribeløp);
    # 2020: 5.0 M x 3.5 % = 175,000, read as twelve equal months (the monthly reading): Jan-Oct
    # 10/12 x 175,000 = 145,833.33 is enjoyed before EUR 80,000 of other de minimis aid
    # (> NOK 500,000) on 03.11.2020 uses up the rest of the fribeløp; it cannot undo Jan-Oct.
    et = {a.period: a for a in d.counted if a.source == "employer_tax"}
    assert {p: a.amount for p, a in et.items()} == {
        "2019": "140000.00",
        "2020": "145833.33",
        "2021": "210000.00",
    }
    assert d.employer_tax_advantage_nok == "495833.33"
    eur = sum(int(a.eur.replace(".", "")) for a in et.values())
    assert d.employer_tax_advantage_eur == f"{eur // 100}.{eur % 100:02d}"
    assert et["2021"].eur == "20861.27"  # 210,000 / 10.0665 (grant-date rate for the grant year)
    assert d.counted_total_eur == f"{(11578000 + eur) // 100}.{(11578000 + eur) % 100:02d}"
    texts = [r.text_en for r in d.reasons if r.code == "employer_tax_year"]
    assert len(texts) == 3 and "NOK 210,000.00" in texts[2] and "rate 10.0665" in texts[2]
    assert any("NOK 140,000.00" in t and "2019-12-31" in t for t in texts)
    assert ("NOK", "2019-12-31", "2019-12-31", "9.8638") in {
        (f.currency, f.date, f.rate_date, f.rate) for f in d.fx
    }


def test_samordning_reduces_the_year_by_other_de_minimis_aid(tmp_path: Path) -> None:
    et = write_csv(
        tmp_path / "et.csv",
        [{"orgnr": "912346803", "year": "2019", "wage_base_nok": "14000000", "kommunenummer": "1211"}],
    )
    d = check(
        orgnr="912346803",
        amount="1000",
        currency="NOK",
        grant_date="2021-05-17",
        awards=FIXTURES / "awards.csv",
        employer_tax=et,
    )
    (row,) = [a for a in d.counted if a.source == "employer_tax"]
    # 14.0 M x 3.5 % = 490,000 read as twelve equal months: Jan-May 5/12 = 204,166.67 is enjoyed
    # before NOK 350,000 of other aid on 12.06.2019 leaves 150,000 of the fribeløp; from June
    # nothing more (204,166.67 > 150,000), and what was enjoyed stays.
    assert row.amount == "204166.67"


def test_bad_employer_tax_rows_are_errors_and_the_rest_is_decided(tmp_path: Path) -> None:
    et = write_csv(
        tmp_path / "et.csv",
        [
            {"orgnr": "912345688", "year": "2021", "wage_base_nok": "1000", "kommunenummer": "9999"},
            {"orgnr": "912346803", "year": "2031", "wage_base_nok": "1000", "kommunenummer": ETNE},
            {"orgnr": "912347915", "year": "2021", "wage_base_nok": "-5", "kommunenummer": ETNE},
            {
                "orgnr": "912349039",
                "year": "2021",
                "wage_base_nok": "1000",
                "kommunenummer": ETNE,
                "advantage_nok": "10",
            },
            {"orgnr": "912350169", "year": "2021"},
        ],
    )
    apps = write_csv(
        tmp_path / "apps.csv",
        [
            {"orgnr": o, "amount": "1000", "currency": "EUR", "grant_date": "2021-06-01"}
            for o in ("912345688", "912346803", "912347915", "912349039", "912350169", "912351289")
        ],
    )
    result = check_batch(apps, employer_tax=et)
    fields = [(d.route, d.errors[0].field if d.errors else None) for d in result.decisions]
    assert fields == [
        ("error", "kommunenummer"),
        ("error", "year"),
        ("error", "wage_base_nok"),
        ("error", "advantage_nok/wage_base_nok"),
        ("error", "advantage_nok/wage_base_nok"),
        ("de_minimis", None),
    ]
    assert all(d.errors[0].file == str(et) for d in result.decisions[:5])
    assert [d.errors[0].row for d in result.decisions[:5]] == [2, 3, 4, 5, 6]


def test_zone_ia_firm_without_rows_is_warned_or_assumed_at_the_full_fribelop(tmp_path: Path) -> None:
    firms = write_csv(tmp_path / "firms.csv", [{"orgnr": "912345688", "name": "X AS", "kommunenummer": ETNE}])
    base = {
        "orgnr": "912345688",
        "amount": "1000",
        "currency": "EUR",
        "grant_date": "2021-06-01",
        "firms": firms,
    }
    warned = check(**base)
    assert "employer_tax_missing" in [w.code for w in warned.warnings]
    assert warned.employer_tax_advantage_nok == "0.00"
    assumed = check(**base, employer_tax_missing="assume-max")
    assert assumed.employer_tax_advantage_nok == "1500000.00"  # 3 x 500,000 for 2019-2021
    assert [r.code for r in assumed.reasons].count("employer_tax_assumed") == 3


def test_declared_advantage_is_counted_as_given(tmp_path: Path) -> None:
    et = write_csv(
        tmp_path / "et.csv", [{"orgnr": "912345688", "year": "2020", "advantage_nok": "123 456,78"}]
    )
    d = check(orgnr="912345688", amount="1000", currency="EUR", grant_date="2021-06-01", employer_tax=et)
    assert d.employer_tax_advantage_nok == "123456.78"


def test_zone_ii_general_industry_counts_nothing_and_says_why(tmp_path: Path) -> None:
    et = write_csv(
        tmp_path / "et.csv",
        [{"orgnr": "912345688", "year": "2021", "wage_base_nok": "9000000", "kommunenummer": "1144"}],
    )
    d = check(orgnr="912345688", amount="1000", currency="EUR", grant_date="2021-06-01", employer_tax=et)
    assert d.employer_tax_advantage_nok == "0.00"
    assert "employer_tax_not_aid" in [r.code for r in d.reasons]


def test_a_year_given_both_as_a_yearly_row_and_as_monthly_rows_is_a_row_error_not_counted_twice() -> None:
    """Counting both would count the year twice; the officer is asked to give it once."""
    from deminimis import check

    base = {"orgnr": "912346803", "kommunenummer": "1557", "sector": "general"}
    et = [
        {**base, "year": "2024", "month": "", "wage_base_nok": "12000000"},
        {**base, "year": "2024", "month": "3", "wage_base_nok": "1000000"},
        {**base, "year": "2023", "month": "", "wage_base_nok": "12000000"},
    ]
    app = {"orgnr": "912346803", "amount": "1000", "currency": "EUR", "grant_date": "2025-06-01"}
    d = check(**app, employer_tax=et)
    assert d.route == "error"
    assert [(e.row, e.field) for e in d.errors] == [(1, "month")]
    assert d.errors[0].message_nb.startswith("året 2024 er også oppgitt med månedlige rader")
    alone = check(**app, employer_tax=et[1:])
    assert alone.route == "de_minimis" and alone.errors == []
