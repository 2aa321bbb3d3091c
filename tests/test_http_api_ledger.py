"""The HTTP API over the ledger: reservations, history, health, OpenAPI and the API key."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from deminimis.http import ApiSettings, create_app
from deminimis.ledger import LATEST

from .test_http_api import FIXTURE_CHECK, locs, make_client


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return make_client(tmp_path)


# ----------------------------------------------------------------------------- reservations


def test_reserve_grant_release_and_history(client: TestClient) -> None:
    body = {"orgnr": "912350045", "amount": "150000.00", "currency": "EUR", "grant_date": "2021-06-15"}
    r = client.post("/v1/reservations", json={**body, "reference": "2021/9"}, headers={"X-Actor": "kari"})
    assert r.status_code == 201
    res = r.json()["reservation"]
    assert (res["status"], res["amount_eur"], res["actor"], res["reference"]) == (
        "pending",
        "150000.00",
        "kari",
        "2021/9",
    )
    assert r.json()["decision"]["route"] == "de_minimis"

    refused = client.post("/v1/reservations", json={**body, "amount": "60000"})
    assert refused.status_code == 409 and refused.json()["reservation"] is None
    assert refused.json()["decision"]["headroom_before_eur"] == "50000.00"
    assert "not reserved: route gber" in refused.json()["detail"]

    other = client.post("/v1/reservations", json={**body, "amount": "50000", "actor": "ola"}).json()[
        "reservation"
    ]
    assert client.get(f"/v1/reservations/{other['id']}").json()["status"] == "pending"
    released = client.delete(f"/v1/reservations/{other['id']}")
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert client.delete(f"/v1/reservations/{other['id']}").status_code == 409

    granted = client.post(f"/v1/reservations/{res['id']}/grant", json={"granted_on": "2021-06-15"})
    assert granted.status_code == 200
    assert (
        granted.json()["award"]["amount"] == "150000.00"
        and granted.json()["reservation"]["status"] == "granted"
    )
    assert client.post(f"/v1/reservations/{res['id']}/grant").status_code == 409
    assert client.post("/v1/reservations/999/grant").status_code == 404
    assert client.delete("/v1/reservations/999").status_code == 404
    assert client.get("/v1/reservations/abc").status_code == 422

    h = client.get("/v1/undertakings/912350045/history").json()
    assert [a["amount"] for a in h["awards"]] == ["150000.00"]
    assert [r["status"] for r in h["reservations"]] == ["granted", "released"]
    assert [(e["action"], e["outcome"]) for e in h["events"]] == [
        ("reserve", "accepted"),
        ("reserve", "refused"),
        ("reserve", "accepted"),
        ("release", "accepted"),
        ("release", "refused"),
        ("grant", "accepted"),
        ("grant", "refused"),
    ]
    assert h["events"][1]["decision"]["route"] == "gber"


def test_a_grant_that_no_longer_fits_gives_409_with_the_decision(client: TestClient) -> None:
    body = {"orgnr": "912350053", "amount": "1000", "currency": "EUR", "grant_date": "2021-06-15"}
    rid = client.post("/v1/reservations", json=body).json()["reservation"]["id"]
    r = client.post(f"/v1/reservations/{rid}/grant", json={"granted_on": "2024-03-01"})
    assert r.status_code == 409 and r.json()["decision"]["route"] == "manual_review"


def test_invalid_reservation_input_gives_422(client: TestClient) -> None:
    r = client.post("/v1/reservations", json={"orgnr": "12", "amount": "x", "ttl_days": 0})
    assert r.status_code == 422 and ["body", "ttl_days"] in locs(r)
    r = client.post("/v1/reservations", json={"orgnr": "12", "amount": "x"})
    assert locs(r) == [["body", "orgnr"], ["body", "amount"]]


def test_history_of_an_invalid_orgnr_gives_422_on_the_path(client: TestClient) -> None:
    r = client.get("/v1/undertakings/12345/history")
    assert r.status_code == 422 and locs(r) == [["path", "orgnr"]]


# ----------------------------------------------------------------------------- service


def test_health_and_openapi(client: TestClient) -> None:
    h = client.get("/v1/health").json()
    assert h["status"] == "ok" and h["ledger_backend"] == "sqlite" and h["schema_version"] == LATEST
    spec = client.get("/openapi.json").json()
    assert {
        "/v1/check",
        "/v1/batch",
        "/v1/reservations",
        "/v1/reservations/{reservation_id}/grant",
        "/v1/reservations/{reservation_id}",
        "/v1/undertakings/{orgnr}/history",
        "/v1/health",
    } <= set(spec["paths"])
    batch_body = spec["paths"]["/v1/batch"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(batch_body)
    assert spec["components"]["schemas"]["CheckIn"]["properties"]["amount"]["type"] == "string"
    assert client.get("/docs").status_code == 200


def test_the_api_key_is_required_when_set(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DEMINIMIS_API_KEY", "s3cret")
    monkeypatch.setenv("DEMINIMIS_LEDGER_URL", str(tmp_path / "l.sqlite"))
    client = TestClient(create_app(init=True))
    assert client.post("/v1/check", json=FIXTURE_CHECK).status_code == 401
    assert client.post("/v1/check", json=FIXTURE_CHECK, headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.post("/v1/check", json=FIXTURE_CHECK, headers={"X-API-Key": "s3cret"}).status_code == 200
    assert client.get("/v1/undertakings/912346803/history").status_code == 401
    assert client.get("/v1/health").status_code == 200  # for load balancers


def test_the_server_refuses_to_start_on_a_missing_ledger_unless_told_to_create_it(tmp_path: Path) -> None:
    from deminimis.ledger import NotInitialised

    with pytest.raises(NotInitialised):
        create_app(ApiSettings(db_url=str(tmp_path / "none.sqlite")))
