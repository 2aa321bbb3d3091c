"""Fuzzing the HTTP bodies (TestClient): no input gives a 500, and a batch that is accepted
answers one decision per item, in order."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from deminimis.http import ApiSettings, create_app

from .conftest import seen

HOSTILE_TEXT = st.sampled_from(
    ["", " ", "\x00", "\ud800", "=1+1", "Sum", "Orgnr", "912346803", "974760673", "١٢٣", "1e999", "NaN",
     "0000-01-01", "2021-05-17", "17.05.2021", "EUR", "NOK", "x" * 300, "ad_hoc", "gber", "covid_tf_3_1"]
)  # fmt: skip
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10), HOSTILE_TEXT)
JSONISH = st.recursive(
    SCALAR,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=12,
)
FIELDS = (
    "orgnr",
    "amount",
    "currency",
    "grant_date",
    "application_id",
    "scheme",
    "nace",
    "in_difficulty_2019",
)
ITEM = st.fixed_dictionaries({}, optional={f: st.one_of(SCALAR, JSONISH) for f in FIELDS})
WORD = st.one_of(HOSTILE_TEXT, st.text(max_size=10))
TEXT_ITEM = st.fixed_dictionaries(
    {"orgnr": WORD, "amount": st.one_of(WORD, st.decimals(0, 10**7, places=2).map(str)), "grant_date": WORD},
    optional={f: WORD for f in ("currency", "application_id", "scheme")},
)  # mostly passes the schema: the engine decides it, row by row


@pytest.fixture(scope="module")
def client():
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(ApiSettings(db_url=str(Path(tmp) / "l.sqlite"), init=True))
        with TestClient(app, raise_server_exceptions=False) as c:
            yield c


def _raw(value: object) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


@given(body=st.one_of(ITEM, JSONISH))
def test_no_check_or_reservation_body_gives_a_500(client: TestClient, body: object) -> None:
    seen("http: /v1/check and /v1/reservations bodies")
    for path in ("/v1/check", "/v1/reservations"):
        r = client.post(path, content=_raw(body), headers={"content-type": "application/json"})
        assert r.status_code < 500 or r.status_code == 503, (path, r.status_code, r.text[:200])


@given(items=st.lists(st.one_of(TEXT_ITEM, TEXT_ITEM, ITEM), max_size=6))
def test_a_batch_answers_one_decision_per_item_or_a_4xx(client: TestClient, items: list[dict]) -> None:
    seen("http: /v1/batch bodies")
    r = client.post("/v1/batch", content=_raw(items), headers={"content-type": "application/json"})
    assert r.status_code < 500 or r.status_code == 503, r.text[:200]
    if r.status_code == 200:
        seen("http: /v1/batch bodies decided item by item")
        assert len(r.json()) == len(items)


@given(data=st.binary(max_size=600), name=st.text(max_size=300))
def test_no_uploaded_file_or_file_name_gives_a_500(client: TestClient, data: bytes, name: str) -> None:
    seen("http: uploaded files")
    body = b"orgnr,amount,grant_date\n" + data
    files = {"applications": (name.encode("utf-8", "replace").decode("utf-8") or "a.csv", body)}
    r = client.post("/v1/batch", files=files)
    assert r.status_code < 500 or r.status_code == 503, r.text[:200]
