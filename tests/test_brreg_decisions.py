"""Brreg firm facts inside decisions (issue 5 'use in decisions'); no network: MockTransport."""

from __future__ import annotations

import httpx
import pytest

from deminimis import check, check_batch
from deminimis.sources import brreg_client
from tests.conftest import write_csv
from tests.test_brreg import FakeBrreg, refuse


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeBrreg:
    server = FakeBrreg()
    monkeypatch.setattr(brreg_client, "_sleep", lambda _s: None)
    monkeypatch.setattr(brreg_client, "_transport", httpx.MockTransport(server))
    return server


def test_fish_farmer_from_brreg_goes_to_manual_review_citing_the_article(fake: FakeBrreg) -> None:
    d = check(orgnr="912349039", amount="100000", grant_date="2022-03-01", online=True)
    assert d.route == "manual_review" and d.nace == "03.211"
    assert any("Art 1(1)(a)" in (r.citation or "") for r in d.reasons)


def test_road_haulier_from_brreg_gets_the_100000_ceiling_in_2021(fake: FakeBrreg) -> None:
    d = check(orgnr="912347915", amount="1000", currency="EUR", grant_date="2021-06-01", online=True)
    assert (d.route, d.ceiling_eur, d.nace) == ("de_minimis", "100000.00", "49.410")
    assert d.name


def test_deleted_and_bankrupt_firms_are_warned_about(fake: FakeBrreg) -> None:
    for number in ("912351289", "912352404"):
        d = check(orgnr=number, amount="1000", currency="EUR", grant_date="2021-06-01", online=True)
        assert "firm_status" in [w.code for w in d.warnings], number


def test_a_timeout_gives_a_decision_with_unverified_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    monkeypatch.setattr(brreg_client, "_sleep", lambda _s: None)
    monkeypatch.setattr(brreg_client, "_transport", httpx.MockTransport(timeout))
    d = check(orgnr="912345688", amount="1000", currency="EUR", grant_date="2021-06-01", online=True)
    assert d.route == "de_minimis"
    assert "firm_facts_unverified" in [w.code for w in d.warnings]


def test_malformed_json_is_a_row_error_not_a_crash(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    def garbage(request: httpx.Request) -> httpx.Response:
        if "912345688" in str(request.url):
            return httpx.Response(200, content=b"{not json")
        return FakeBrreg()(request)

    monkeypatch.setattr(brreg_client, "_sleep", lambda _s: None)
    monkeypatch.setattr(brreg_client, "_transport", httpx.MockTransport(garbage))
    apps = write_csv(
        tmp_path / "apps.csv",
        [
            {"orgnr": "912345688", "amount": "1000", "currency": "EUR", "grant_date": "2021-06-01"},
            {"orgnr": "912346803", "amount": "1000", "currency": "EUR", "grant_date": "2021-06-01"},
        ],
    )
    first, second = check_batch(apps, online=True).decisions
    assert first.route == "error" and first.errors[0].file == "brreg" and first.errors[0].field == "orgnr"
    assert second.route == "de_minimis" and second.name


def test_offline_without_snapshot_makes_no_request_and_no_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(brreg_client, "_transport", httpx.MockTransport(refuse))
    d = check(orgnr="912345688", amount="1000", currency="EUR", grant_date="2021-06-01")
    assert "firm_facts_unverified" not in [w.code for w in d.warnings]
