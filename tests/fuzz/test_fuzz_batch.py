"""Fuzzing ``POST /v1/batch`` bodies (TestClient): every item comes back exactly once, as a
decision or as an error naming its path, and no body gives a 500.

- A JSON list (or ``{"applications": [...]}``) whose items pass the schema: 200 with one
  decision per item, in order, under the item's own id; a decision of route ``error`` names
  ``request`` and the item's index in each of its errors.
- Any JSON list: 200 only when every item passes the shield and the schema alone; otherwise
  422 whose errors name exactly the items that fail (``loc`` = ``body, index, …``).
- An uploaded CSV of the same items: one decision per row, under the row's id, or one 4xx.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from deminimis.http import ApiSettings, create_app
from deminimis.http.schemas import ApplicationIn
from deminimis.http.shield import body_problems

from .conftest import seen
from .test_fuzz_http import ITEM, TEXT_ITEM, WORD

ONE = TypeAdapter(ApplicationIn)
TEXT = WORD.map(lambda text: text[:200])
SHAPED = st.fixed_dictionaries(
    {
        "orgnr": TEXT,
        "amount": st.one_of(WORD.map(lambda text: text[:40]), st.decimals(0, 10**7, places=2).map(str)),
        "grant_date": TEXT,
    },
    optional={
        "currency": WORD.map(lambda text: text[:3]),
        "scheme": st.sampled_from([None, "ad_hoc", "de_minimis_scheme", "covid_tf_3_1", "sgei"]),
        "nace": TEXT,
        "in_difficulty_2019": st.booleans(),
    },
).filter(lambda item: not body_problems(_raw(item)))  # no lone surrogate: the shape passes
FLAGS = st.fixed_dictionaries({}, optional={"independent": st.booleans(), "use_ledger": st.booleans()})


@pytest.fixture(scope="module")
def client():
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(ApiSettings(db_url=str(Path(tmp) / "l.sqlite"), init=True, max_rows=50))
        with TestClient(app, raise_server_exceptions=False) as c:
            yield c


def _raw(value: object) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


def _post(client: TestClient, body: object):
    r = client.post("/v1/batch", content=_raw(body), headers={"content-type": "application/json"})
    assert r.status_code != 500 and r.status_code < 600, r.text[:300]
    return r


def _with_ids(items: list[dict]) -> list[dict]:
    return [{**item, "application_id": f"item-{i}"} for i, item in enumerate(items)]


def _each_comes_back_once(decisions: list[dict], items: list[dict]) -> None:
    assert [d["application_id"] for d in decisions] == [item["application_id"] for item in items]
    for i, decision in enumerate(decisions):
        if decision["route"] == "error":
            assert decision["errors"], decision
            assert {(e["file"], e["row"]) for e in decision["errors"]} == {("request", i)}, decision["errors"]


@given(items=st.lists(SHAPED, max_size=8), flags=FLAGS, wrapped=st.booleans())
def test_every_valid_item_comes_back_once_as_a_decision_under_its_own_id(
    client: TestClient, items: list[dict], flags: dict, wrapped: bool
) -> None:
    seen("batch: JSON items that pass the schema, each back once")
    items = _with_ids(items)
    body = {"applications": items, **flags} if wrapped else items
    r = _post(client, body)
    assert r.status_code == 200, r.text[:300]
    _each_comes_back_once(r.json(), items)


def _schema_fails(item: object) -> bool:
    try:
        ONE.validate_python(item)
    except ValidationError:
        return True
    return False


@given(items=st.lists(st.one_of(SHAPED, TEXT_ITEM, ITEM, st.integers(), st.text(max_size=4)), max_size=8))
def test_a_refused_batch_names_exactly_the_items_that_fail_and_an_accepted_one_decides_all(
    client: TestClient, items: list
) -> None:
    seen("batch: any JSON items, refused by path or decided")
    r = _post(client, items)
    unsafe = {i for i, item in enumerate(items) if body_problems(_raw(item))}  # the shield's checks
    misshaped = {i for i, item in enumerate(items) if _schema_fails(item)}  # then the schema's
    if r.status_code == 200:
        seen("batch: any JSON items, decided")
        assert not unsafe and not misshaped and len(r.json()) == len(items)
        return
    assert r.status_code == 422, r.text[:300]
    seen("batch: any JSON items, refused naming the items")
    locs = [e["loc"] for e in r.json()["detail"]]
    assert all(loc[0] == "body" for loc in locs), locs
    named = {loc[1] for loc in locs if len(loc) > 1 and isinstance(loc[1], int)}
    expected = unsafe or misshaped
    assert expected and named <= expected, (locs, expected)
    if len(locs) < 20:  # the shield names at most 20 problems
        assert named == expected, (locs, expected)


def _csv(items: list[dict]) -> bytes:
    names = ["application_id", "orgnr", "amount", "grant_date", "currency", "scheme"]
    out = io.StringIO()
    writer = csv.DictWriter(out, names, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(items)
    return out.getvalue().encode("utf-8", "surrogatepass")


@given(items=st.lists(TEXT_ITEM, min_size=1, max_size=8), name=WORD)
def test_every_row_of_an_uploaded_csv_comes_back_once_or_the_upload_is_one_4xx(
    client: TestClient, items: list[dict], name: str
) -> None:
    seen("batch: uploaded CSV rows, each back once")
    items = _with_ids([{k: str(v).replace("\x00", "") for k, v in item.items()} for item in items])
    filename = (name.encode("utf-8", "replace").decode("utf-8") or "a") + ".csv"
    r = client.post("/v1/batch", files={"applications": (filename, _csv(items))})
    assert r.status_code != 500 and r.status_code < 600, r.text[:300]
    if r.status_code != 200:
        assert 400 <= r.status_code < 500 and r.json()["detail"], r.text[:300]
        return
    seen("batch: uploaded CSV rows, decided row by row")
    decisions = r.json()
    assert [d["application_id"] for d in decisions] == [item["application_id"] for item in items]
