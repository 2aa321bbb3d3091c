"""Støtteregisteret's search API through ``httpx.MockTransport``: no network (issue 14, acceptance 1).

Recorded-shape answers in fixtures/register/search-*.json; each test asserts the decision (or
the lookup) and the requests sent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from deminimis import check
from deminimis.api import check_batch
from deminimis.sources import brreg_client, register_online
from tests.conftest import write_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "register"
ORGNR = "934189698"
CHECK = dict(
    orgnr=ORGNR, amount="100000", currency="NOK", grant_date="2026-10-01", register=True, online=True
)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Fake:
    """A fake register: ``answer(request)`` per call, every request kept."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    monkeypatch.setenv("DEMINIMIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DEMINIMIS_DATA_DIR", str(tmp_path / "data"))
    slept: list[float] = []
    monkeypatch.setattr(brreg_client, "_sleep", slept.append)
    # --online also asks Brreg for firm facts: answered 404 here, never the network
    monkeypatch.setattr(brreg_client, "_transport", httpx.MockTransport(lambda r: httpx.Response(404)))
    return slept


def serve(monkeypatch: pytest.MonkeyPatch, fake: Fake) -> Fake:
    monkeypatch.setattr(register_online, "_transport", httpx.MockTransport(fake))
    return fake


def ok(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def test_found_reads_every_page_and_sends_the_criteria(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register_online, "PAGE_SIZE", 2)
    fake = serve(
        monkeypatch,
        Fake(ok(fixture("search-934189698-page1.json")), ok(fixture("search-934189698-page2.json"))),
    )
    d = check(**CHECK).to_json_dict()
    assert len(fake.requests) == 2
    for page, req in enumerate(fake.requests, start=1):
        assert req.method == "POST" and req.url.path == "/api/v1/soek/stoettetildeling"
        assert dict(req.url.params) == {
            "pageSize": "2",
            "page": str(page),
            "sortBy": "ENDRET",
            "sortDirection": "DESC",
            "language": "NOB",
        }
        assert json.loads(req.content) == [
            {"field": "STOETTEMOTTAKER_ORGNR", "value": ORGNR, "matchType": "EXACT_MATCH"},
            {"field": "TILDELINGSDATO", "value": "2023-01-01", "matchType": "DATE_GREATER_THAN_OR_EQUAL"},
        ]
        assert (
            req.headers["User-Agent"].startswith("deminimis/") and req.headers["Accept"] == "application/json"
        )
    files = sorted(c["file"] for c in d["counted"])
    assert files == ["register:1000251908", "register:1000252006", "register:1000252007"]
    assert d["employer_tax_advantage_nok"] == "79250.50"  # scheme 1000031862: employer tax, two months
    enova = next(c for c in d["counted"] if c["file"] == "register:1000251908")
    assert enova["basis"] == "other" and not enova["counted"]  # the API item names no legal basis
    assert "register_unclassified" in {w["code"] for w in d["warnings"]}
    (source,) = [s for s in d["sources"] if s["kind"] == "register_online"]
    assert source["consulted"] and source["limits_nb"] and source["limits_en"]


def test_empty_answer_is_consulted_with_no_awards(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = serve(monkeypatch, Fake(ok(fixture("search-empty.json"))))
    d = check(**CHECK).to_json_dict()
    assert len(fake.requests) == 1 and d["counted"] == [] and d["route"] == "de_minimis"
    assert [s["consulted"] for s in d["sources"] if s["kind"] == "register_online"] == [True]
    assert "register_unavailable" not in {w["code"] for w in d["warnings"]}


@pytest.mark.parametrize("status", [404, 400])
def test_404_and_400_say_the_register_was_not_consulted(monkeypatch: pytest.MonkeyPatch, status: int) -> None:
    serve(monkeypatch, Fake(httpx.Response(status, json={"message": "nope"})))
    d = check(**CHECK).to_json_dict()
    assert d["route"] == "de_minimis"
    assert "register_unavailable" in {w["code"] for w in d["warnings"]}
    (source,) = [s for s in d["sources"] if s["kind"] == "register_online"]
    assert not source["consulted"] and ORGNR in source["text_en"]


def test_500_then_success_is_retried_after_a_backoff(
    monkeypatch: pytest.MonkeyPatch, _isolated: list[float]
) -> None:
    fake = serve(monkeypatch, Fake(httpx.Response(500), ok(fixture("search-empty.json"))))
    d = check(**CHECK).to_json_dict()
    assert len(fake.requests) == 2 and _isolated == [0.5]
    assert "register_unavailable" not in {w["code"] for w in d["warnings"]}


def test_429_honours_retry_after(monkeypatch: pytest.MonkeyPatch, _isolated: list[float]) -> None:
    fake = serve(
        monkeypatch, Fake(httpx.Response(429, headers={"Retry-After": "7"}), ok(fixture("search-empty.json")))
    )
    check(**CHECK)
    assert len(fake.requests) == 2 and _isolated == [7.0]


def test_timeouts_mean_the_register_was_not_consulted(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = serve(monkeypatch, Fake(httpx.ReadTimeout("slow")))
    d = check(**CHECK).to_json_dict()
    assert len(fake.requests) == 3 and d["route"] == "de_minimis"
    (warning,) = [w for w in d["warnings"] if w["code"] == "register_unavailable"]
    assert ORGNR in warning["text_nb"] and "kunne ikke slås opp" in warning["text_nb"]
    (source,) = [s for s in d["sources"] if s["kind"] == "register_online"]
    assert not source["consulted"]


def test_malformed_json_is_a_row_error_and_other_rows_are_decided(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)[0]["value"] == ORGNR:
            return httpx.Response(200, content=b"<html>maintenance</html>")
        return ok(fixture("search-empty.json"))

    serve(monkeypatch, Fake(answer))
    apps = write_csv(
        tmp_path / "apps.csv",
        [
            {
                "application_id": "A1",
                "orgnr": ORGNR,
                "amount": "1000",
                "currency": "NOK",
                "grant_date": "2026-10-01",
            },
            {
                "application_id": "A2",
                "orgnr": "934189701",
                "amount": "1000",
                "currency": "NOK",
                "grant_date": "2026-10-01",
            },
        ],
    )
    result = check_batch(apps, register=True, online=True)
    a1, a2 = result.decisions
    assert a1.route == "error" and a1.errors[0].field == "orgnr" and "not JSON" in a1.errors[0].message
    assert a2.route == "de_minimis"


def test_a_cached_answer_makes_no_second_request(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = serve(monkeypatch, Fake(ok(fixture("search-empty.json"))))
    check(**CHECK)
    check(**CHECK)
    assert len(fake.requests) == 1
