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


def test_yearly_and_monthly_rows_of_a_year_give_the_same_advantage_for_grants_in_any_month(
    tmp_path: Path,
) -> None:
    """The other aid of the year is dated 01.12.2022: for a grant in any month before it the
    whole fribeløp is left, given as one yearly row or as twelve monthly rows (to the cent)."""
    apps = write_csv(
        tmp_path / "apps.csv",
        [
            {
                "application_id": f"m{m}-{d}",
                "orgnr": ORGNR,
                "amount": "1000",
                "currency": "EUR",
                "grant_date": f"2022-{m:02d}-{d:02d}",
            }
            for m in range(1, 12)
            for d in (1, 28)
        ]
        + [
            {
                "application_id": "nov-30",
                "orgnr": ORGNR,
                "amount": "1000",
                "currency": "EUR",
                "grant_date": "2022-11-30",
            }
        ],
    )
    awards = _awards(tmp_path)
    yearly = check_batch(apps, awards=awards, employer_tax=_yearly(tmp_path)).decisions
    monthly = check_batch(apps, awards=awards, employer_tax=_monthly(tmp_path)).decisions
    for y, m in zip(yearly, monthly, strict=True):
        assert _figures(y) == _figures(m), y.application_id
    assert {d.employer_tax_advantage_nok for d in yearly} == {"500000.00"}


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
