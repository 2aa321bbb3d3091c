"""Issue 15, error (a): the fribeløp is reduced only by other de minimis aid granted on or
before the grant date being decided (2831 Art 3(3); Skatte-ABC A-14-6.6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deminimis import check, check_batch
from tests.conftest import write_csv

ORGNR = "910005480"
FIGURES = (
    "route",
    "prior_de_minimis_eur",
    "employer_tax_advantage_nok",
    "employer_tax_advantage_eur",
    "counted_total_eur",
    "new_aid_eur",
    "headroom_before_eur",
    "headroom_after_eur",
    "max_de_minimis_grant_eur",
    "max_de_minimis_grant",
    "ceiling_eur",
    "window",
    "headroom_calendar",
)


def _awards(tmp_path: Path, later: bool = True) -> Path:
    rows = [
        {
            "orgnr": ORGNR,
            "granted_on": "2021-03-01",
            "amount": "120000",
            "currency": "EUR",
            "basis": "de_minimis",
        }
    ]
    if later:
        rows.append(
            {
                "orgnr": ORGNR,
                "granted_on": "2022-12-01",
                "amount": "500000",
                "currency": "NOK",
                "basis": "de_minimis",
            }
        )
    return write_csv(tmp_path / f"awards{int(later)}.csv", rows)


def _yearly(tmp_path: Path) -> Path:
    row = {"orgnr": ORGNR, "year": "2022", "wage_base_nok": "20000000", "kommunenummer": "1557"}
    return write_csv(tmp_path / "et_yearly.csv", [row])


def _monthly(tmp_path: Path) -> Path:
    rows = [
        {
            "orgnr": ORGNR,
            "year": "2022",
            "month": str(m),
            "wage_base_nok": "1666666.67" if m < 12 else "1666666.63",  # 20,000,000 in all
            "kommunenummer": "1557",
        }
        for m in range(1, 13)
    ]
    return write_csv(tmp_path / "et_monthly.csv", rows)


def _figures(d) -> dict:
    j = d.to_json_dict()
    return {k: j[k] for k in FIGURES}


@pytest.mark.parametrize("rows", [_yearly, _monthly], ids=["yearly", "monthly"])
def test_fribelop_is_reduced_only_by_other_aid_granted_on_or_before_the_grant_date(
    tmp_path: Path, rows
) -> None:
    d = check(
        orgnr=ORGNR,
        amount="40000",
        currency="EUR",
        grant_date="2022-06-01",
        awards=_awards(tmp_path),
        employer_tax=rows(tmp_path),
    )
    # 2022: min(20,000,000 x 3.5 % = 700,000; fribeløp 500,000 - 0 other aid by 01.06.2022)
    assert d.route == "gber"
    assert d.employer_tax_advantage_nok == "500000.00"
    assert d.employer_tax_advantage_eur == "49781.96"  # 500,000 / 10.0438 (2022-06-01)
    assert d.counted_total_eur == "169781.96"
    assert d.headroom_before_eur == "30218.04"
    assert d.max_de_minimis_grant_eur == "30218.04"


GRANT_DATES = (
    [f"2022-{m:02d}-{d:02d}" for m in range(1, 13) for d in (1, 28)]
    + ["2022-11-30", "2022-12-31"]
    + ["2023-01-02", "2023-06-01", "2023-12-29"]
)
"""Every month of 2022 (December on and after the other aid of 01.12.2022) and grants in 2023
whose window (three fiscal years under 1407/2013) holds 2022."""


def _apps(tmp_path: Path) -> Path:
    rows = [
        {"application_id": g, "orgnr": ORGNR, "amount": "1000", "currency": "EUR", "grant_date": g}
        for g in GRANT_DATES
    ]
    return write_csv(tmp_path / "apps.csv", rows)


def test_yearly_and_monthly_rows_of_a_year_give_the_same_advantage_for_grants_in_any_month(
    tmp_path: Path,
) -> None:
    """The 2022 advantage reaches the fribeløp in September (9 x 58,333.33 > 500,000), before
    the other aid of 01.12.2022: Skatteetaten reduces only what remains, so the advantage
    already enjoyed stays, given as one yearly row (read as twelve equal months,
    rules/employer_tax.toml [monthly_reading]) or as twelve monthly rows (to the cent)."""
    apps, awards = _apps(tmp_path), _awards(tmp_path)
    yearly = check_batch(apps, awards=awards, employer_tax=_yearly(tmp_path), independent=True).decisions
    monthly = check_batch(apps, awards=awards, employer_tax=_monthly(tmp_path), independent=True).decisions
    for y, m in zip(yearly, monthly, strict=True):
        assert _figures(y) == _figures(m), y.application_id
    by_date = {d.application_id: d for d in yearly}
    assert {d.employer_tax_advantage_nok for d in yearly} == {"500000.00"}
    # before the other aid: 120,000 + 500,000 / 10.0438 (01.06.2022)
    june = by_date["2022-06-01"]
    assert (june.employer_tax_advantage_eur, june.counted_total_eur) == ("49781.96", "169781.96")
    assert (june.headroom_before_eur, june.max_de_minimis_grant_eur) == ("30218.04", "30218.04")
    # on the other aid's day: + its NOK 500,000 / 10.2495 = 48,782.87; the 2022 advantage stays
    december = by_date["2022-12-01"]
    assert (december.employer_tax_advantage_eur, december.counted_total_eur) == ("48782.87", "217565.74")
    assert (december.headroom_before_eur, december.max_de_minimis_grant_eur) == ("-17565.74", "0.00")
    # 2023, looking back over 2021-2022: the 2022 advantage at the year's last fixing (10.5138)
    later = by_date["2023-06-01"]
    assert (later.employer_tax_advantage_eur, later.counted_total_eur) == ("47556.54", "216339.41")
    assert later.window.from_ == "2021-01-01"
    # the yearly row met other aid of its year: the reading is in the officer's note only
    for d in yearly:
        read = [n for n in d.officer_notes if n.code == "employer_tax_monthly_reading"]
        assert bool(read) is (d.grant_date >= "2022-12-01"), d.application_id
        assert all("UNVERIFIED" not in r.text_nb and "tolv måneder" in r.text_nb for r in read)
        assert not any("tolv måneder" in r.text_nb for r in d.reasons)
    assert not any(n.code == "employer_tax_monthly_reading" for d in monthly for n in d.officer_notes)


def _even(tmp_path: Path, yearly: bool) -> Path:
    """12,000,000 in 2022: 35,000.00 of advantage a month, 420,000 for the year (< fribeløp)."""
    row = {"orgnr": ORGNR, "year": "2022", "kommunenummer": "1557"}
    if yearly:
        return write_csv(tmp_path / "even_y.csv", [{**row, "wage_base_nok": "12000000"}])
    months = [{**row, "month": str(m), "wage_base_nok": "1000000"} for m in range(1, 13)]
    return write_csv(tmp_path / "even_m.csv", months)


def test_other_aid_late_in_the_year_leaves_the_advantage_of_the_months_before_it(tmp_path: Path) -> None:
    """NOK 300,000 of other aid on 15.11.2022 leaves 200,000 of the fribeløp; Jan-Oct already
    gave 350,000, which stays (the yearly formula min(420,000; 500,000 - 300,000) would say
    200,000). Yearly and monthly rows agree to the cent for every grant date."""
    awards = write_csv(
        tmp_path / "aw.csv",
        [
            {
                "orgnr": ORGNR,
                "granted_on": "2022-11-15",
                "amount": "300000",
                "currency": "NOK",
                "basis": "de_minimis",
            }
        ],
    )
    apps = _apps(tmp_path)
    got = {
        kind: check_batch(apps, awards=awards, employer_tax=_even(tmp_path, kind), independent=True).decisions
        for kind in (True, False)
    }
    for y, m in zip(got[True], got[False], strict=True):
        assert _figures(y) == _figures(m), y.application_id
    advantage = {d.application_id: d.employer_tax_advantage_nok for d in got[True]}
    assert {a for g, a in advantage.items() if g < "2022-11-15"} == {"420000.00"}
    assert {a for g, a in advantage.items() if g >= "2022-11-15"} == {"350000.00"}
    d = next(d for d in got[True] if d.application_id == "2023-06-01")
    # 350,000 / 10.5138 (30.12.2022) = 33,289.58; the other aid 300,000 / 10.357 (15.11.2022) = 28,965.92
    assert (d.employer_tax_advantage_eur, d.prior_de_minimis_eur) == ("33289.58", "28965.92")
    assert d.counted_total_eur == "62255.50"


@pytest.mark.parametrize("grant_date", ["2022-01-10", "2022-06-01", "2022-11-30", "2022-12-01"])
@pytest.mark.parametrize("rows", [_yearly, _monthly], ids=["yearly", "monthly"])
def test_no_aid_dated_after_the_grant_date_changes_any_figure_of_the_decision(
    tmp_path: Path, grant_date: str, rows
) -> None:
    et = rows(tmp_path)
    common = dict(orgnr=ORGNR, amount="40000", currency="EUR", grant_date=grant_date, employer_tax=et)
    with_later = check(**common, awards=_awards(tmp_path, later=True))
    without = check(**common, awards=_awards(tmp_path, later=False))
    later_counted = grant_date >= "2022-12-01"
    assert (_figures(with_later) == _figures(without)) is not later_counted
    if not later_counted:
        assert "award_after_grant_date" in [w.code for w in with_later.warnings]
