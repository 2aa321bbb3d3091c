"""Issue 19, HTTP: hostile bodies get a 4xx with field paths, never a 500; pages send security
headers; the page shows no ledger data without the server's key; a busy ledger is 503."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from deminimis.http import ApiSettings, create_app
from deminimis.ledger import import_awards, open_ledger

from .conftest import FIXTURES

CHECK = {"orgnr": "912346803", "amount": "150000", "currency": "NOK", "grant_date": "2021-05-17"}
ENDPOINTS = ("/v1/check", "/v1/reservations", "/v1/batch")


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    app = create_app(ApiSettings(db_url=str(tmp_path / "l.sqlite"), init=True))
    return TestClient(app, raise_server_exceptions=False)


def _post(client: TestClient, path: str, body: str) -> object:
    if path == "/v1/batch" and body.startswith("{"):
        body = f"[{body}]"
    return client.post(path, content=body, headers={"content-type": "application/json"})


def _with(field: str, raw: str) -> str:
    return json.dumps({**CHECK, field: 0}).replace(f'"{field}": 0', f'"{field}": {raw}')


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1" * 100_000, "1e999"])
def test_an_amount_of_nan_infinity_or_100000_digits_is_a_422_naming_the_amount(
    client: TestClient, path: str, raw: str
) -> None:
    r = _post(client, path, _with("amount", raw))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "amount"


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_application_id_with_a_lone_surrogate_is_a_422_not_a_500(client: TestClient, path: str) -> None:
    r = _post(client, path, _with("application_id", '"\\ud800"'))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "application_id"
    ok = _post(client, "/v1/check", _with("application_id", '"\\ud83d\\ude00"'))  # a valid pair
    assert ok.status_code == 200


@pytest.mark.parametrize("path", ENDPOINTS)
def test_100k_deep_nesting_is_a_4xx_not_a_500(client: TestClient, path: str) -> None:
    r = _post(client, path, "[" * 100_000 + "]" * 100_000)
    assert 400 <= r.status_code < 500


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_100000_character_amount_string_is_a_422_with_a_short_echo(client: TestClient, path: str) -> None:
    r = _post(client, path, json.dumps({**CHECK, "amount": "1" * 100_000}))
    assert r.status_code == 422 and len(r.text) < 2_000


@pytest.mark.parametrize("path", ENDPOINTS)
def test_grant_date_year_0000_is_a_4xx_not_a_500(client: TestClient, path: str) -> None:
    r = _post(client, path, json.dumps({**CHECK, "grant_date": "0000-01-01"}))
    assert r.status_code < 500
    if path == "/v1/batch":
        assert r.json()[0]["route"] == "error"


@pytest.mark.parametrize("name", ["..", "x" * 300 + ".csv", "../../etc/passwd", ".", "é" * 200])
def test_an_upload_named_dotdot_or_longer_than_255_bytes_is_read(client: TestClient, name: str) -> None:
    body = b"orgnr,amount,grant_date\n912346803,100,2021-05-17\n"
    r = client.post("/v1/batch", files={"applications": (name, body)})
    assert r.status_code == 200 and r.json()[0]["route"] == "de_minimis"


@pytest.mark.parametrize(
    "body",
    [
        b"orgnr,amount,grant_date\r912346803,100,2021-05-17\r",
        b"x" * 200_000 + b"\norgnr,amount,grant_date\n912346803,100,2021-05-17\n",
    ],
)
def test_a_multipart_csv_with_cr_only_line_ends_or_a_200_kb_line_before_the_header_is_read(
    client: TestClient, body: bytes
) -> None:
    r = client.post("/v1/batch", files={"applications": ("a.csv", body)})
    assert r.status_code == 200 and [d["route"] for d in r.json()] == ["de_minimis"]


def test_an_upload_with_a_duplicated_column_is_a_422_naming_both(client: TestClient) -> None:
    body = b"orgnr,amount,amount,grant_date\n912346803,100,100,2021-05-17\n"
    r = client.post("/v1/batch", files={"applications": ("a.csv", body)})
    assert r.status_code == 422 and "'amount' and 'amount'" in r.text


def test_every_item_of_a_json_batch_comes_back_even_titles_totals_and_blanks(client: TestClient) -> None:
    items = [
        {"orgnr": "Orgnr", "amount": "1", "grant_date": "2021-05-17"},
        {"orgnr": "Sum", "amount": "5000000", "grant_date": "2021-05-17"},
        {"orgnr": "", "amount": "1", "grant_date": ""},
        {"orgnr": "912346803", "amount": "1", "grant_date": "2021-05-17"},
        {"orgnr": "Total", "amount": "5000002"},
    ]
    r = client.post("/v1/batch", json=items)
    assert r.status_code == 200
    assert [d["route"] for d in r.json()] == ["error", "error", "error", "de_minimis", "error"]


@pytest.mark.parametrize("rid", ["9223372036854775808", "3000000000", "-9223372036854775809"])
def test_a_reservation_id_beyond_int64_is_404_not_500(client: TestClient, rid: str) -> None:
    assert client.get(f"/v1/reservations/{rid}").status_code in (404, 422)
    assert client.post(f"/v1/reservations/{rid}/grant").status_code in (404, 422)


def test_a_nul_in_the_reference_or_a_long_x_actor_is_a_422_and_audited(client: TestClient) -> None:
    r = client.post("/v1/reservations", json={**CHECK, "reference": "a\x00b"})
    assert r.status_code == 422
    r = client.post("/v1/reservations", json=CHECK, headers={"X-Actor": "x" * 1000})
    assert r.status_code == 422


def test_pages_send_csp_x_frame_options_and_nosniff(client: TestClient) -> None:
    for path in ("/", "/batch", "/v1/health"):
        headers = client.get(path).headers
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in client.get("/").headers["content-security-policy"]


def test_the_web_page_shows_no_ledger_awards_without_the_api_key(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    led = open_ledger(db, create=True)
    import_awards(led, FIXTURES / "awards.csv", actor="kari")
    led.close()
    app = create_app(ApiSettings(db_url=str(db), api_key="s3cret"))
    client = TestClient(app)
    form = {**CHECK, "use_ledger": "on", "lang": "en"}
    assert client.get("/v1/undertakings/912346803/history").status_code == 401
    assert _counted(client, form) == []
    assert _counted(client, {**form, "api_key": "wrong"}) == []
    assert len(_counted(client, {**form, "api_key": "s3cret"})) > 0


def _counted(client: TestClient, form: dict[str, str]) -> list[dict]:
    """The prior aid counted in the page's decision (its decision.json)."""
    r = client.post("/check", data=form, follow_redirects=False)
    key = r.headers["location"].split("/result/")[1].split("?")[0]
    return client.get(f"/result/{key}/decision.json").json()["counted"]


def test_a_busy_ledger_is_503_with_retry_after(tmp_path: Path, monkeypatch) -> None:
    from deminimis.ledger import db as db_mod

    db = tmp_path / "l.sqlite"
    holder = open_ledger(db, create=True)
    monkeypatch.setattr(db_mod, "BUSY_TIMEOUT_S", 0.2)
    client = TestClient(create_app(ApiSettings(db_url=str(db))), raise_server_exceptions=False)
    with holder.write():
        r = client.post("/v1/reservations", json={**CHECK, "currency": "EUR", "amount": "1000"})
    assert r.status_code == 503 and r.headers["retry-after"] and "try again" in r.json()["detail"]
    holder.close()


def _xlsx_bomb(unpacked: int) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            chunk = b"<row><c><v>0</v></c></row>" * 40_000
            for _ in range(unpacked // len(chunk) + 1):
                fh.write(chunk)
    return buf.getvalue()


def test_an_upload_bomb_is_refused_before_it_is_parsed_over_the_api_and_the_web_page(
    client: TestClient,
) -> None:
    bomb = _xlsx_bomb(300 * 1024**2)  # < 1 MB that unpacks to 300 MB of sheet XML
    assert len(bomb) < 1024**2
    r = client.post("/v1/batch", files={"applications": ("bomb.xlsx", bomb)})
    assert r.status_code == 422 and "unpacks to" in r.text
    r = client.post("/batch", files={"applications": ("bomb.xlsx", bomb)})  # no API key needed there
    assert r.status_code == 422 and "bomb.xlsx" in r.text


def test_health_answers_while_another_writer_holds_the_sqlite_ledger_not_500(
    tmp_path: Path, monkeypatch
) -> None:
    from deminimis.ledger import db as db_mod

    db = tmp_path / "l.sqlite"
    holder = open_ledger(db, create=True)
    monkeypatch.setattr(db_mod, "BUSY_TIMEOUT_S", 0.2)
    client = TestClient(create_app(ApiSettings(db_url=str(db))), raise_server_exceptions=False)
    with holder.write():  # as a long `ledger import` does
        r = client.get("/v1/health")
    assert r.status_code == 200 or (r.status_code == 503 and r.headers["retry-after"]), r.text
    holder.close()
