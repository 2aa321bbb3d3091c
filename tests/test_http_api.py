"""The HTTP API through FastAPI's TestClient (no network): every endpoint, bad input, limits,
the API key, and the same decision via the API, the CLI and the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from deminimis import check
from deminimis.cli import main
from deminimis.http import ApiSettings, create_app
from deminimis.ledger import import_awards, open_ledger

from .conftest import FIXTURES

AWARDS = FIXTURES / "awards.csv"
FIXTURE_CHECK = {"orgnr": "912346803", "amount": "150000", "currency": "NOK", "grant_date": "2021-05-17"}


def make_client(tmp_path: Path, **settings) -> TestClient:
    db = tmp_path / "ledger.sqlite"
    return TestClient(create_app(ApiSettings(db_url=str(db), init=True, **settings)))


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return make_client(tmp_path)


def locs(response) -> list[list]:
    return [e["loc"] for e in response.json()["detail"]]


def _awards_as_json() -> list[dict]:
    lines = AWARDS.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    return [dict(zip(head, line.split(","), strict=True)) for line in lines[1:]]


def _without_origin(decision: dict) -> dict:
    """The decision without the names of temporary or uploaded files."""
    return {
        **decision,
        "counted": [{**c, "file": None, "row": None} for c in decision["counted"]],
        "errors": [{**e, "file": None} for e in decision["errors"]],
        "undertaking_links": [{**x, "file": None} for x in decision.get("undertaking_links", [])],
        "sources": [{**s, "name": None, "text_nb": None, "text_en": None} for s in decision["sources"]],
    }


# ----------------------------------------------------------------------------- one decision, three ways


def test_the_same_decision_via_the_api_the_cli_and_the_python_api(tmp_path: Path) -> None:
    python = check(**FIXTURE_CHECK, awards=str(AWARDS)).to_json_dict()
    cli = CliRunner().invoke(
        main,
        [
            "check",
            *(f"--{k.replace('_', '-')}={v}" for k, v in FIXTURE_CHECK.items()),
            "--awards",
            str(AWARDS),
            "--format",
            "json",
        ],
    )
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output) == python
    assert python["route"] == "de_minimis" and python["headroom_after_eur"] == "69319.09"

    # prior aid imported into the ledger: identical, down to the file and row of each award
    ledger = open_ledger(tmp_path / "ledger.sqlite", create=True)
    import_awards(ledger, AWARDS, actor="test")
    with make_client(tmp_path) as client:
        api = client.post("/v1/check", json=FIXTURE_CHECK)
        assert api.status_code == 200 and api.json() == python
        # prior aid sent with the request instead: the same figures; awards named by list index
        inline = client.post(
            "/v1/check", json={**FIXTURE_CHECK, "awards": _awards_as_json(), "use_ledger": False}
        )
    assert inline.status_code == 200
    assert _without_origin(inline.json()) == _without_origin(python)
    assert [(c["file"], c["row"]) for c in inline.json()["counted"]] == [
        ("request.awards", i) for i in (0, 1, 2)
    ]


def test_money_is_a_two_decimal_string_and_window_uses_from(client: TestClient) -> None:
    d = client.post("/v1/check", json={**FIXTURE_CHECK, "amount": 150000}).json()
    assert d["new_aid_eur"] == "14900.91" and d["ceiling_eur"] == "200000.00"
    assert d["window"] == {"from": "2019-01-01", "to": "2021-05-17", "kind": "three_fiscal_years"}


# ----------------------------------------------------------------------------- bad input


def test_invalid_fields_give_422_with_every_field_path(client: TestClient) -> None:
    body = {
        "orgnr": "912346804",
        "amount": "12,345",
        "currency": "XXX",
        "grant_date": "2021-02-30",
        "scheme": "ad_hoc",
        "nace": "5x",
        "awards": [_awards_as_json()[0], {**_awards_as_json()[1], "amount": "-5", "basis": "???"}],
        "links": [{"orgnr": "123", "undertaking_id": "g"}],
    }
    r = client.post("/v1/check", json=body)
    assert r.status_code == 422
    assert locs(r) == [
        ["body", "orgnr"],
        ["body", "amount"],
        ["body", "currency"],
        ["body", "grant_date"],
        ["body", "nace"],
        ["body", "awards", 1, "amount"],
        ["body", "awards", 1, "basis"],
        ["body", "links", 0, "orgnr"],
    ]
    assert "wrong check digit" in r.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    ("body", "loc", "words"),
    [
        ({**FIXTURE_CHECK, "amount": 150000.5}, ["body", "amount"], "float"),
        ({**FIXTURE_CHECK, "scheme": "gber"}, ["body", "scheme"], "ad_hoc"),
        ({**FIXTURE_CHECK, "colour": "red"}, ["body", "colour"], "not permitted"),
        ({"orgnr": "912346803"}, ["body", "amount"], "required"),
        (
            {**FIXTURE_CHECK, "awards": [{"orgnr": "912346803"}]},
            ["body", "awards", 0, "granted_on"],
            "required",
        ),
        ([], ["body"], "valid dictionary"),
    ],
)
def test_malformed_bodies_give_422_naming_the_field(client: TestClient, body, loc, words) -> None:
    r = client.post("/v1/check", json=body)
    assert r.status_code == 422
    assert loc in locs(r) and words in json.dumps(r.json())


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/v1/check", b"{not json"),
        ("/v1/check", b"null"),
        ("/v1/batch", b"{not json"),
        ("/v1/batch", b'"a string"'),
        ("/v1/batch", b'{"applications": "x"}'),
        ("/v1/reservations", b'{"orgnr": "912346803", "amount": "1", "grant_date": "31.12.9999"}'),
        ("/v1/reservations", b'{"orgnr": "912346803", "amount": "1", "grant_date": "1990-01-01"}'),
        ("/v1/reservations/1/grant", b'{"granted_on": "tomorrow"}'),
    ],
)
def test_garbage_never_gives_a_500(client: TestClient, path: str, content: bytes) -> None:
    r = client.post(path, content=content, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, r.text


def test_a_body_over_the_limit_gives_413(tmp_path: Path) -> None:
    client = make_client(tmp_path, max_body_bytes=2_000)
    big = {**FIXTURE_CHECK, "application_id": "x" * 150, "awards": _awards_as_json() * 3}
    assert client.post("/v1/check", json=big).status_code == 413
    chunks = (b" " * 500 for _ in range(10))  # no Content-Length: counted while reading
    r = client.post("/v1/batch", content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert client.post("/v1/check", json=FIXTURE_CHECK).status_code == 200


def test_too_many_rows_give_413(tmp_path: Path) -> None:
    client = make_client(tmp_path, max_rows=2)
    r = client.post("/v1/batch", json=[FIXTURE_CHECK] * 3)
    assert r.status_code == 413 and "at most 2" in r.json()["detail"]
    assert client.post("/v1/check", json={**FIXTURE_CHECK, "awards": _awards_as_json()}).status_code == 413
    upload = {"applications": ("apps.csv", (FIXTURES / "applications.csv").read_bytes(), "text/csv")}
    assert client.post("/v1/batch", files=upload).status_code == 413


# ----------------------------------------------------------------------------- batch


def test_batch_as_a_json_list_decides_each_row(client: TestClient) -> None:
    rows = [FIXTURE_CHECK, {**FIXTURE_CHECK, "orgnr": "912346804", "application_id": "B"}]
    r = client.post("/v1/batch", json=rows)
    assert r.status_code == 200
    assert [(d["application_id"], d["route"]) for d in r.json()] == [("1", "de_minimis"), ("B", "error")]
    assert r.json()[1]["errors"] == [
        {
            "file": "request",
            "row": 1,
            "field": "orgnr",
            "message": "orgnr '912346804' has a wrong check digit (MOD11)",
            "message_nb": "organisasjonsnummeret «912346804» har feil kontrollsiffer",
        }
    ]
    assert client.post("/v1/batch", json=[]).json() == []


def test_batch_as_an_object_with_prior_aid_and_links(client: TestClient) -> None:
    body = {
        "applications": [
            {**FIXTURE_CHECK, "orgnr": "912350169", "amount": "1500000", "grant_date": "2021-09-15"}
        ],
        "awards": _awards_as_json(),
        "links": [{"orgnr": o, "undertaking_id": "lofoten"} for o in ("912350169", "912351289", "912352404")],
    }
    d = client.post("/v1/batch", json=body).json()[0]
    assert d["undertaking"] == ["912350169", "912351289", "912352404"] and d["route"] == "gber"


def test_batch_as_an_uploaded_file_matches_the_python_batch(client: TestClient) -> None:
    from deminimis import check_batch

    files = {
        name: (f"{name}.csv", (FIXTURES / f"{name}.csv").read_bytes(), "text/csv")
        for name in ("applications", "awards", "links")
    }
    r = client.post("/v1/batch", files=files)
    assert r.status_code == 200
    expected = check_batch(FIXTURES / "applications.csv", awards=AWARDS, links=FIXTURES / "links.csv")
    got = r.json()
    assert [d["route"] for d in got] == [d.route for d in expected.decisions]
    assert [_without_origin(d) for d in got] == [
        _without_origin(d.to_json_dict()) for d in expected.decisions
    ]
    assert got[-1]["errors"][0] | {"message": "", "message_nb": ""} == {
        "message_nb": "",
        "file": "applications.csv",
        "row": 9,
        "field": "orgnr",
        "message": "",
    }


def test_batch_upload_with_a_broken_awards_file_gives_422_with_rows(client: TestClient) -> None:
    files = {
        "applications": ("a.csv", (FIXTURES / "applications.csv").read_bytes(), "text/csv"),
        "awards": ("awards.csv", (FIXTURES / "ledger" / "awards_broken.csv").read_bytes(), "text/csv"),
    }
    r = client.post("/v1/batch", files=files)
    assert r.status_code == 422 and locs(r)[0] == ["body", "awards", 3, "orgnr"]
    assert client.post("/v1/batch", files={"other": ("x.csv", b"a,b\n", "text/csv")}).status_code == 422
    no_columns = client.post("/v1/batch", files={"applications": ("x.csv", b"a,b\n1,2\n", "text/csv")})
    assert no_columns.status_code == 422 and "missing column" in no_columns.text


def test_batch_needs_json_or_multipart(client: TestClient) -> None:
    assert client.post("/v1/batch", content=b"orgnr", headers={"content-type": "text/csv"}).status_code == 415


def test_the_api_docs_use_the_packaged_swagger_assets_not_a_cdn(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in html and "cdn.jsdelivr" not in html
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
